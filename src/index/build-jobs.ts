/**
 * Index build jobs: at most one build at a time (a second is refused with BuildConflictError, HTTP 409), each job
 * observable as queued -> running -> succeeded | failed with its progress, error and the version it produced.
 * The job registry knows nothing of FAISS or ONNX: it runs whatever `BuildRunner` it is given.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../errors.js';
import type { ChangeSummary } from './document-changes.js';

/** States of a build job, as GET /index/jobs/:id reports them. */
export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed';

/** Progress of a build: passages embedded so far out of all passages (total is 0 until the corpus is split). */
export interface BuildProgress {
  done: number;
  total: number;
}

/** A snapshot of one job (a copy: later changes do not show in it). */
export interface BuildJobView {
  id: string;
  state: BuildState;
  progress: BuildProgress;
  /** Why the job failed; safe to show to clients. */
  error?: string;
  /** The version built, once succeeded. */
  version?: string;
  /** What a document change did, once succeeded. */
  changes?: ChangeSummary;
}

/** What a job that succeeded produced: the version serving, and for a document change what it did. */
export interface JobOutcome {
  version: string;
  changes?: ChangeSummary;
}

/** Runs one job; reports progress; resolves once the version it made serves; rejects on failure or abort. */
export type BuildRunner = (report: (progress: BuildProgress) => void, signal: AbortSignal) => Promise<JobOutcome>;

/** 409: another index job (a build, a change, a compaction or an activation) is queued or running. */
export class BuildConflictError extends ConflictError {
  constructor(runningId: string) {
    super(`another index job is running (job ${runningId}); retry when it has finished`);
  }
}

interface Job {
  view: BuildJobView;
  controller: AbortController;
  finished: Promise<void>;
}

/** The registry of build jobs: one active at a time, the last `keepFinished` finished ones kept for GET. */
export class BuildJobs {
  private readonly jobs = new Map<string, Job>();
  private activeId: string | undefined;

  /** `onChange` sees a snapshot at each state change (queued, running, succeeded, failed), to persist it. */
  constructor(private readonly keepFinished = 20, private readonly onChange: (view: BuildJobView) => void = () => {}) {}

  /** True while a job is queued or running. */
  isBuilding(): boolean {
    return this.activeId !== undefined;
  }

  /** Throws BuildConflictError (409) while a job is queued or running: the one place that decides a conflict. */
  refuseIfBusy(): void {
    if (this.activeId !== undefined) throw new BuildConflictError(this.activeId);
  }

  /** Starts `runner` as a new job unless one is active (then throws BuildConflictError); returns it queued. */
  start(runner: BuildRunner): BuildJobView {
    this.refuseIfBusy();
    const view: BuildJobView = { id: randomUUID(), state: 'queued', progress: { done: 0, total: 0 } };
    const controller = new AbortController();
    const job: Job = { view, controller, finished: Promise.resolve() };
    this.jobs.set(view.id, job);
    this.activeId = view.id;
    this.onChange(snapshot(view));
    // The runner starts on the next turn so that the caller sees (and can answer with) the queued state first.
    job.finished = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(job, runner));
    this.prune();
    return { ...view, progress: { ...view.progress } };
  }

  /** A snapshot of the job with this id, or undefined. */
  get(id: string): BuildJobView | undefined {
    const job = this.jobs.get(id);
    return job && snapshot(job.view);
  }

  /** Resolves with the job's final snapshot once it succeeded or failed; rejects for an unknown id. */
  async wait(id: string): Promise<BuildJobView> {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no build job "${id}"`);
    await job.finished;
    return snapshot(job.view);
  }

  /** Asks the job to stop; it ends as failed with error "cancelled". Returns false when it is not active. */
  cancel(id: string): boolean {
    if (this.activeId !== id) return false;
    this.jobs.get(id)?.controller.abort();
    return true;
  }

  /** Cancels the active job (if any) and waits for it to end. */
  async close(): Promise<void> {
    const id = this.activeId;
    if (id === undefined) return;
    this.cancel(id);
    await this.jobs.get(id)?.finished;
  }

  private async run(job: Job, runner: BuildRunner): Promise<void> {
    const { view, controller } = job;
    try {
      if (controller.signal.aborted) throw new Error('cancelled');
      view.state = 'running';
      this.onChange(snapshot(view));
      const outcome = await runner((p) => {
        view.progress = { done: p.done, total: p.total };
      }, controller.signal);
      view.state = 'succeeded';
      view.version = outcome.version;
      if (outcome.changes) view.changes = outcome.changes;
      view.progress = { done: view.progress.total, total: view.progress.total };
    } catch (err) {
      view.state = 'failed';
      view.error = controller.signal.aborted ? 'cancelled' : errorMessage(err);
    } finally {
      this.activeId = undefined;
      this.onChange(snapshot(view));
    }
  }

  /** Forgets the oldest finished jobs beyond `keepFinished` (Map keeps insertion order). */
  private prune(): void {
    let excess = this.jobs.size - this.keepFinished - 1;
    for (const [id] of this.jobs) {
      if (excess <= 0) break;
      if (id === this.activeId) continue;
      this.jobs.delete(id);
      excess--;
    }
  }
}

function snapshot(view: BuildJobView): BuildJobView {
  return { ...view, progress: { ...view.progress }, ...(view.changes ? { changes: { ...view.changes } } : {}) };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
