/**
 * PUT /index and friends: refuses while a build runs, receives and validates the upload into a temporary file,
 * hands it to the index manager as a build job, and optionally waits until the new version serves.
 */
import type { Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import { AppError, ConflictError, NotFoundError, NotReadyError } from '../errors.js';
import type { IndexDescription } from '../rag/types.js';
import { receiveCorpus, type CorpusFormat } from './corpus-upload.js';
import type { BuildJobView, IndexAdmin } from './index-admin.js';
import type { Metrics } from './metrics.js';

/** Options of the index service. */
export interface IndexServiceOptions {
  admin: IndexAdmin;
  metrics: Metrics;
  /** Folder for uploads in progress (on the same file system as the index, so the manager can move them). */
  uploadDir: string;
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

function conflict(): ConflictError {
  return new ConflictError('another index build is running; retry when it has finished');
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

  /** The build job `id`; 404 when unknown. */
  job(id: string): BuildJobView {
    const job = this.opts.admin.getJob(id);
    if (!job) throw new NotFoundError(`no index build job with id "${id}"`);
    return job;
  }

  /** Receives `body` and starts a build from it; throws 409, 400 or 413 as docs/API.md says. */
  async replace(body: Readable, format: CorpusFormat): Promise<BuildJobView> {
    if (this.opts.admin.isBuilding()) {
      this.opts.metrics.buildJobs.inc({ outcome: 'rejected' });
      throw conflict();
    }
    const corpus = await receiveCorpus({
      body, format, maxBytes: this.opts.maxUploadBytes, dir: this.opts.uploadDir,
    });
    let job: BuildJobView;
    try {
      // A build may have started while this upload streamed in; the manager is the judge.
      if (this.opts.admin.isBuilding()) throw conflict();
      job = this.opts.admin.startBuild(corpus.path);
    } catch (err) {
      await rm(corpus.path, { force: true });
      this.opts.metrics.buildJobs.inc({ outcome: 'rejected' });
      throw err;
    }
    this.opts.metrics.buildJobs.inc({ outcome: 'started' });
    this.opts.admin.waitForJob(job.id).then(
      (done) => this.opts.metrics.buildJobs.inc({ outcome: done.state === 'succeeded' ? 'succeeded' : 'failed' }),
      () => this.opts.metrics.buildJobs.inc({ outcome: 'failed' }),
    );
    return job;
  }

  /** Waits for `job` to finish; returns the new description, or throws BuildFailedError. */
  async waitUntilServing(job: BuildJobView): Promise<IndexDescription> {
    const done = await this.opts.admin.waitForJob(job.id);
    if (done.state !== 'succeeded') throw new BuildFailedError(job.id);
    return this.describe();
  }
}
