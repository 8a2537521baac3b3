/**
 * A test double of the index manager (IndexAdmin) for route tests: it reads the uploaded NDJSON file the way the
 * real builder would, keeps the documents of the last build and the changes since in memory, and finishes a job
 * when the test says so, so 409 and ?wait=true can be exercised.
 */
import { rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { IndexAdmin } from '../../src/http/index-admin.js';
import type { BuildJobView } from '../../src/index/build-jobs.js';
import type { ChangeSummary, DocumentChange } from '../../src/index/document-changes.js';
import type { VersionInfo } from '../../src/index/version-list.js';
import type { StoredDocument } from '../../src/types/corpus.js';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import type { DocumentInput } from '../../src/types/corpus.js';
import type { IndexDescription } from '../../src/types/serving-index.js';
import type { IndexKind } from '../../src/retriever/index-spec.js';

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
  /** The live documents by id (those of the last build, changed since). */
  readonly stored = new Map<string, DocumentInput>();
  /** Versions made so far, oldest first. */
  readonly made: string[] = ['v1'];
  private readonly jobs = new Map<string, FakeJob>();
  private active: FakeJob | undefined;
  private nextId = 1;

  /** What `unavailable()` reports while `current` is undefined. */
  unavailableReason: string | undefined;

  async start(): Promise<void> {}

  async close(): Promise<void> {}

  describe(): IndexDescription | undefined {
    return this.current;
  }

  unavailable(): string | undefined {
    return this.current ? undefined : this.unavailableReason;
  }

  isBuilding(): boolean {
    return this.active !== undefined;
  }

  refuseIfBusy(): void {
    if (this.active) throw new ConflictError('another index job is running');
  }

  /** The index kind the last build was asked for. */
  lastIndexKind: IndexKind | undefined;

  startBuild(ndjsonPath: string, indexKind?: IndexKind): BuildJobView {
    this.lastIndexKind = indexKind;
    return this.startJob(ndjsonPath, (docs) => {
      this.stored.clear();
      for (const doc of docs) this.stored.set(doc.id ?? `doc-${this.stored.size + 1}`, doc);
      return undefined;
    });
  }

  startChange(change: DocumentChange): BuildJobView {
    return this.startJob(change.upsertPath, (docs) => {
      const unknownIds = (change.deleteIds ?? []).filter((id) => !this.stored.has(id));
      for (const id of change.deleteIds ?? []) this.stored.delete(id);
      for (const doc of docs) this.stored.set(doc.id!, doc);
      return { upserted: docs.length, deleted: (change.deleteIds?.length ?? 0) - unknownIds.length, unknownIds };
    });
  }

  async activate(version: string): Promise<BuildJobView> {
    if (!this.made.includes(version)) throw new NotFoundError(`no index version "${version}"`);
    return this.startJob(undefined, () => undefined, version);
  }

  async listVersions(): Promise<VersionInfo[]> {
    return this.made.map((version) => ({
      version, createdAt: '2026-01-01T00:00:00.000Z', documents: this.stored.size, passages: this.stored.size,
      segments: 1, current: version === this.current?.version, serving: version === this.current?.version,
    }));
  }

  async getDocument(id: string): Promise<StoredDocument | undefined> {
    const doc = this.stored.get(id);
    return doc && { id, title: doc.title, text: doc.text, passages: 1 };
  }

  /** A job reading `path` (if any) that ends by `apply`ing its documents and serving `version` (default: a new one). */
  private startJob(path: string | undefined, apply: (docs: DocumentInput[]) => ChangeSummary | undefined,
    version?: string): BuildJobView {
    if (this.active && path) rmSync(path, { force: true }); // refused: the file is the manager's to remove
    this.refuseIfBusy();
    if (path) this.uploadedPaths.push(path);
    const view: BuildJobView = { id: `job-${this.nextId++}`, state: 'running', progress: { done: 0, total: 0 } };
    let finish!: (error?: string) => void;
    const finished = new Promise<string | undefined>((resolve) => {
      finish = resolve;
    });
    const job: FakeJob = { view, finish, done: Promise.resolve() };
    this.jobs.set(view.id, job);
    this.active = job; // before run(), which may end at once (a change with no file)
    job.done = this.run(job, path, finished, apply, version);
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

  private async run(job: FakeJob, path: string | undefined, finished: Promise<string | undefined>,
    apply: (docs: DocumentInput[]) => ChangeSummary | undefined, version: string | undefined): Promise<void> {
    const text = path ? await readFile(path, 'utf8') : '';
    if (path) await rm(path, { force: true });
    const docs = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DocumentInput);
    if (path) this.lastUpload = docs;
    job.view.progress = { done: 0, total: docs.length };
    const error = this.autoFinish ? undefined : await finished;
    if (error) {
      job.view.state = 'failed';
      job.view.error = error;
    } else {
      const changes = apply(docs);
      const next = version ?? `v${this.made.length + 1}`;
      if (!this.made.includes(next)) this.made.push(next);
      this.current = { ...this.current!, version: next, documents: this.stored.size, passages: this.stored.size };
      job.view.state = 'succeeded';
      job.view.version = next;
      if (changes) job.view.changes = changes;
      job.view.progress = { done: docs.length, total: docs.length };
    }
    this.active = undefined;
  }
}
