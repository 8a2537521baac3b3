/**
 * PUT /index and friends: refuses while a job runs (the manager decides), receives and validates the upload into a
 * temporary file, hands it to the index manager as a build job, and optionally waits until the new version serves. Document
 * changes and version activations are jobs of the same kind, under the same rules.
 */
import type { Readable } from 'node:stream';
import { AppError, ConflictError, NotFoundError, NotReadyError } from '../errors.js';
import type { IndexDescription } from '../types/serving-index.js';
import type { CorpusFormat } from '../index/corpus.js';
import { receiveCorpus } from './corpus-upload.js';
import type { IndexAdmin } from './index-admin.js';
import type { BuildJobView } from '../index/build-jobs.js';
import type { VersionInfo } from '../index/version-list.js';
import type { StoredDocument } from '../types/corpus.js';
import type { IndexKind } from '../retriever/index-spec.js';
import type { Metrics } from './metrics.js';

/** Options of the index service. */
export interface IndexServiceOptions {
  admin: IndexAdmin;
  metrics: Metrics;
  /** Folder for uploads in progress (on the same file system as the index, so the manager can move them). */
  uploadDir: string;
  /** Start of upload file names (this replica's, on a shared store). */
  uploadPrefix?: string;
  maxUploadBytes: number;
  /** The execution provider the engine runs on, reported with the index (undefined while loading). */
  device?: () => 'cpu' | 'cuda' | undefined;
}

/** 500 for a build that failed while the client waited; the job's error is at its status URL. */
export class BuildFailedError extends AppError {
  constructor(jobId: string) {
    super(500, 'build_failed', `the index build failed; see GET /index/jobs/${jobId} for the reason`);
  }
}

/** Index description, uploads and build jobs for the routes. */
export class IndexService {
  constructor(private readonly opts: IndexServiceOptions) {}

  /** The index serving now; 503 before one is loaded, saying why when none can load. */
  describe(): IndexDescription {
    const d = this.opts.admin.describe();
    if (!d) throw new NotReadyError(this.opts.admin.unavailable() ?? 'no index is loaded yet');
    const device = this.opts.device?.();
    return device ? { ...d, device } : d;
  }

  /** Why this replica should get no traffic yet although it serves (it is loading the store's current version). */
  notCaughtUp(): string | undefined {
    return this.opts.admin.notCaughtUp?.();
  }

  /** The build job `id`, of this replica or (from the store) another; 404 when unknown. */
  async job(id: string): Promise<BuildJobView> {
    const job = this.opts.admin.getJob(id) ?? await this.opts.admin.readJob?.(id);
    if (!job) throw new NotFoundError(`no index build job with id "${id}"`);
    return job;
  }

  /**
   * Receives `body` and starts a build from it, of `indexKind` or by size when absent; throws 409, 400 or 413 as
   * docs/API.md says.
   */
  replace(body: Readable, format: CorpusFormat, indexKind?: IndexKind): Promise<BuildJobView> {
    return this.upload(body, format, false, (path) => this.opts.admin.startBuild(path, indexKind));
  }

  /** Receives documents to add or replace (each with an id) and starts a change job; 409, 400 or 413 like PUT. */
  upsert(body: Readable, format: CorpusFormat): Promise<BuildJobView> {
    return this.upload(body, format, true, (path) => this.opts.admin.startChange({ upsertPath: path }));
  }

  /** Starts a change job deleting these documents; 409 while another job runs. */
  async remove(ids: string[]): Promise<BuildJobView> {
    return this.track(async () => {
      await this.opts.admin.waitWritable?.();
      return this.opts.admin.startChange({ deleteIds: ids });
    });
  }

  /** Starts a job serving an existing version; 409 while another job runs (before looking for it), else 404. */
  async activate(version: string): Promise<BuildJobView> {
    return this.track(async () => {
      this.opts.admin.refuseIfBusy();
      await this.opts.admin.waitWritable?.();
      return this.opts.admin.activate(version);
    });
  }

  /** The versions on disk. */
  versions(): Promise<VersionInfo[]> {
    return this.opts.admin.listVersions();
  }

  /** The live document `id`; 404 when the serving version has none. */
  async document(id: string): Promise<StoredDocument> {
    const doc = await this.opts.admin.getDocument(id);
    if (!doc) throw new NotFoundError(`no document with id "${id}" in the serving index`);
    return doc;
  }

  /**
   * Refuses at once while a job runs, then receives and checks the body, then hands the file to `start`, which owns
   * it from then on (a job may have started while the upload streamed in: the manager refuses it then).
   */
  private upload(body: Readable, format: CorpusFormat, requireIds: boolean,
    start: (path: string) => BuildJobView): Promise<BuildJobView> {
    return this.track(async () => {
      this.opts.admin.refuseIfBusy();
      await this.opts.admin.waitWritable?.(); // another replica's job: 409 before reading the body
      const corpus = await receiveCorpus({
        body, format, maxBytes: this.opts.maxUploadBytes, dir: this.opts.uploadDir, requireIds,
        ...(this.opts.uploadPrefix ? { prefix: this.opts.uploadPrefix } : {}),
      });
      return start(corpus.path);
    });
  }

  /** Starts a job and counts it (started, then succeeded or failed; rejected when it cannot start). */
  private async track(start: () => BuildJobView | Promise<BuildJobView>): Promise<BuildJobView> {
    let job: BuildJobView;
    try {
      job = await start();
    } catch (err) {
      if (err instanceof ConflictError) this.opts.metrics.buildJobs.inc({ outcome: 'rejected' });
      throw err;
    }
    this.opts.metrics.buildJobs.inc({ outcome: 'started' });
    this.opts.admin.waitForJob(job.id).then(
      (done) => this.opts.metrics.buildJobs.inc({ outcome: done.state === 'succeeded' ? 'succeeded' : 'failed' }),
      () => this.opts.metrics.buildJobs.inc({ outcome: 'failed' }),
    );
    return job;
  }

  /** Waits for `job` to finish; returns it, or throws BuildFailedError. */
  async waitForSuccess(job: BuildJobView): Promise<BuildJobView> {
    const done = await this.opts.admin.waitForJob(job.id);
    if (done.state !== 'succeeded') throw new BuildFailedError(job.id);
    return done;
  }

  /** Waits for `job` to finish; returns the new description, or throws BuildFailedError. */
  async waitUntilServing(job: BuildJobView): Promise<IndexDescription> {
    await this.waitForSuccess(job);
    return this.describe();
  }
}
