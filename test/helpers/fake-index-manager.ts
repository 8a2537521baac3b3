/**
 * A test double of the index manager (IndexAdmin) for route tests: it reads the uploaded NDJSON file the way the
 * real builder would, and finishes a build when the test says so, so 409 and ?wait=true can be exercised.
 */
import { readFile, rm } from 'node:fs/promises';
import type { BuildJobView, IndexAdmin } from '../../src/http/index-admin.js';
import { ConflictError } from '../../src/errors.js';
import type { DocumentInput, IndexDescription } from '../../src/rag/types.js';

interface FakeJob {
  view: BuildJobView;
  done: Promise<void>;
  finish: (error?: string) => void;
}

/** An IndexAdmin double; see the module comment. */
export class FakeIndexManager implements IndexAdmin {
  current: IndexDescription | undefined = {
    version: 'v1', documents: 3, passages: 3, dimension: 8, indexType: 'IndexFlatIP',
    builtAt: '2026-01-01T00:00:00.000Z', model: 'fake-model',
  };
  /** Finish builds as soon as the upload is read (otherwise the test calls `finishBuild`). */
  autoFinish = true;
  /** Documents of the last upload, as the manager received them. */
  lastUpload: DocumentInput[] = [];
  /** Paths handed over, to check that they are removed. */
  readonly uploadedPaths: string[] = [];
  private readonly jobs = new Map<string, FakeJob>();
  private active: FakeJob | undefined;
  private nextId = 1;

  /** What `unavailable()` reports while `current` is undefined. */
  unavailableReason: string | undefined;

  describe(): IndexDescription | undefined {
    return this.current;
  }

  unavailable(): string | undefined {
    return this.current ? undefined : this.unavailableReason;
  }

  isBuilding(): boolean {
    return this.active !== undefined;
  }

  startBuild(ndjsonPath: string): BuildJobView {
    if (this.active) throw new ConflictError('another index build is in progress');
    this.uploadedPaths.push(ndjsonPath);
    const view: BuildJobView = { id: `job-${this.nextId++}`, state: 'running', progress: { done: 0, total: 0 } };
    let finish!: (error?: string) => void;
    const finished = new Promise<string | undefined>((resolve) => {
      finish = resolve;
    });
    const job: FakeJob = { view, finish, done: Promise.resolve() };
    job.done = this.run(job, ndjsonPath, finished);
    this.jobs.set(view.id, job);
    this.active = job;
    return { ...view };
  }

  getJob(id: string): BuildJobView | undefined {
    const job = this.jobs.get(id);
    return job && { ...job.view, progress: { ...job.view.progress } };
  }

  async waitForJob(id: string): Promise<BuildJobView> {
    await this.jobs.get(id)!.done;
    return this.getJob(id)!;
  }

  /** Ends the running build, as a success or with `error`. */
  finishBuild(error?: string): void {
    this.active?.finish(error);
  }

  private async run(job: FakeJob, path: string, finished: Promise<string | undefined>): Promise<void> {
    const text = await readFile(path, 'utf8');
    await rm(path, { force: true });
    const docs = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DocumentInput);
    this.lastUpload = docs;
    job.view.progress = { done: 0, total: docs.length };
    const error = this.autoFinish ? undefined : await finished;
    if (error) {
      job.view.state = 'failed';
      job.view.error = error;
    } else {
      const n = Number(this.current?.version.slice(1) ?? 0) + 1;
      this.current = { ...this.current!, version: `v${n}`, documents: docs.length, passages: docs.length };
      job.view.state = 'succeeded';
      job.view.version = this.current.version;
      job.view.progress = { done: docs.length, total: docs.length };
    }
    this.active = undefined;
  }
}
