/**
 * Owns the index directory: opens the `current` version at start (building one from the bundled demo corpus only
 * when the directory holds no version and no pointer; re-embedding its stored passages when another context encoder
 * made it, reembed.ts), runs builds, document changes, compactions and activations as jobs under the store's write
 * lease, prunes what retention lets go, and follows other replicas. Which version serves, and how requests hold it,
 * is serving-version.ts: a damaged pointer or version is never a reason to rebuild or delete anything; the newest
 * intact version serves, `degraded` says why, and with none intact the manager is not ready until a build.
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { NotFoundError, NotReadyError } from '../errors.js';
import type { IndexDescription } from '../types/serving-index.js';
import { DEFAULT_THRESHOLDS, type IndexKind } from '../retriever/index-spec.js';
import { BuildJobs, type BuildJobView, type BuildProgress, type BuildRunner, type JobOutcome } from './build-jobs.js';
import { DEFAULT_COMPACTION } from './compaction.js';
import type { IndexLogger, IndexManagerOptions } from './index-options.js';
import type { DocumentChange } from './document-changes.js';
import { runBuildInWorker } from './build-worker.js';
import { IndexDamageError } from './damage.js';
import { clearOldUploads, clearStaging, commitStaging, listVersions, readCurrent } from './index-store.js';
import { JobRecords } from './job-records.js';
import { uploadPrefix } from './replica-records.js';
import type { IndexHandle } from '../types/serving-index.js';
import type { StoredDocument } from '../types/corpus.js';
import { reembedIfStale } from './reembed.js';
import { ReplicaSync, type ReplicaStatus } from './replica-sync.js';
import { pruneSegments } from './retention.js';
import { StoreLeaseConflictError } from './store-lease.js';
import { VersionChanges } from './version-changes.js';
import { describeVersions, type VersionInfo } from './version-list.js';
import { ServingVersion } from './serving-version.js';

export type { IndexLogger, IndexManagerOptions } from './index-options.js';

/** The index manager; see the module comment. Satisfies the HTTP layer's `IndexAdmin`. */
export class IndexManager {
  private readonly serving: ServingVersion;
  private readonly records: JobRecords;
  private readonly jobs: BuildJobs;
  private readonly log: IndexLogger;
  private readonly startedAt = new Date();
  private startPromise: Promise<void> | undefined;
  private preparePromise: Promise<void> | undefined;
  private reembedJobId: string | undefined;
  private readonly changes: VersionChanges;
  private readonly replica: ReplicaSync;
  /** The last pruning started outside a job (close waits for it, so that no lease outlives the manager). */
  private pruning: Promise<void> = Promise.resolve();

  constructor(private readonly opts: IndexManagerOptions) {
    this.log = opts.log ?? { info: () => {}, warn: () => {} };
    this.serving = new ServingVersion(opts.indexDir, {
      changed: () => this.replica.changed(),
      // A job prunes before it ends; after it, the replica that wrote last prunes what its requests let go.
      released: () => {
        if (this.serving.wroteLast && !this.closed && !this.replica.lease.held()) this.pruning = this.prune()
          .catch((err) => this.log.warn(`index: pruning failed: ${err}`));
      },
      verifyWriter: () => this.replica.lease.verify(),
    }, this.log, opts.search);
    this.replica = new ReplicaSync(opts.indexDir, opts.replica ?? {}, {
      serving: () => this.serving.loadedVersion?.manifest.version,
      reading: () => this.serving.loadedVersions(),
      busy: () => this.jobs.isBuilding(),
      follow: (version) => this.serving.followStore(version),
    }, this.log);
    const lease = this.replica.lease;
    this.records = new JobRecords(join(opts.indexDir, 'jobs'), 20,
      { mine: () => lease.heldToken(), live: () => lease.current()?.token });
    this.jobs = new BuildJobs(20, (view) => this.records.save(view));
    this.changes = new VersionChanges({
      indexDir: opts.indexDir,
      serving: () => this.serving.loadedVersion,
      buildSegment: (corpus, report, signal) => this.runBuild(corpus, report, signal),
      serveNew: (version, signal) => this.serving.serveVersion(version, signal, true),
    }, { ...DEFAULT_COMPACTION, ...opts.compaction });
  }

  /** Creates a manager and waits until an index serves; throws, saying why, when none can. */
  static async open(opts: IndexManagerOptions): Promise<IndexManager> {
    const manager = new IndexManager(opts);
    await manager.start();
    if (!manager.ready()) {
      await manager.close();
      throw new Error(manager.unavailable() ?? 'no index serves');
    }
    return manager;
  }

  /**
   * Opens the current version (or the newest intact one), or builds one from the demo corpus when the directory is
   * empty (as a build job, so its progress is visible). Resolves once an index serves or none can; never rejects
   * for damage. Calling it again returns the same promise.
   */
  start(): Promise<void> {
    this.startPromise ??= (async () => {
      this.replica.announce();
      await this.startOnce();
      if (!this.closed) this.replica.follow();
    })();
    return this.startPromise;
  }

  /** True once an index serves. */
  ready(): boolean {
    return this.serving.loadedVersion !== undefined;
  }

  /** Why no index serves (damage, a failed demo build), or undefined while one serves or is still loading. */
  unavailable(): string | undefined {
    return this.serving.unavailable();
  }

  /** A handle on the serving version; throws NotReadyError (503) before one is loaded. Release it when done. */
  acquire(): IndexHandle {
    return this.serving.acquire();
  }

  /** The index serving now (GET /index), with `degraded` when it is not the one `current` names. */
  describe(): IndexDescription | undefined {
    const m = this.serving.loadedVersion?.manifest;
    if (!m) return undefined;
    const degraded = this.serving.degraded;
    return {
      version: m.version, documents: m.documents, passages: m.passages, dimension: m.dimension,
      indexType: m.index_type, builtAt: m.built_at, model: m.model,
      ...(degraded ? { degraded } : {}), replica: this.replica.id,
    };
  }

  /** Where this replica stands against the shared store: the version it serves, the store's, and any lag. */
  replicaStatus(): ReplicaStatus {
    return this.replica.status();
  }

  /** Why this replica should get no traffic although it serves: it has not loaded the store's current version. */
  notCaughtUp(): string | undefined {
    return this.replica.notCaughtUp();
  }

  /** Rejects with StoreLeaseConflictError (409) while another replica writes the store (waits out a short hold). */
  waitWritable(): Promise<void> {
    return this.replica.waitWritable();
  }

  /** True while a job is queued or running. */
  isBuilding(): boolean {
    return this.jobs.isBuilding();
  }

  /** Throws BuildConflictError (409) while a job is queued or running (an upload is refused before it is read). */
  refuseIfBusy(): void {
    this.jobs.refuseIfBusy();
  }

  /**
   * Starts building a new version from a validated NDJSON file (`{"id"?, "title", "text"}` per line), which the
   * manager owns from then on (ownFile). Throws BuildConflictError (409) while another job runs. The current
   * version serves until the new one is loaded; a failed build leaves it in place.
   */
  startBuild(ndjsonPath: string, indexKind?: IndexKind): BuildJobView {
    return this.startOwning(ndjsonPath, () => {
      if (this.closed) throw new NotReadyError('the index manager is shutting down');
    }, (report, signal) => this.buildAndSwap(ndjsonPath, report, signal, indexKind));
  }

  /**
   * The job re-embedding the version opened at start, when another context encoder than the bundle's had embedded
   * it (after a bundle update); undefined otherwise.
   */
  get reembedJob(): BuildJobView | undefined {
    return this.reembedJobId === undefined ? undefined : this.jobs.get(this.reembedJobId);
  }

  /** The job with this id (of this process, or recorded by an earlier one), or undefined. */
  getJob(id: string): BuildJobView | undefined {
    return this.jobs.get(id) ?? this.records.get(id);
  }

  /** The job with this id as the store records it (another replica's too), or undefined. */
  async readJob(id: string): Promise<BuildJobView | undefined> {
    return this.getJob(id) ?? this.records.readStored(id);
  }

  /** Resolves with the job once it succeeded (and the new version serves) or failed. */
  async waitForJob(id: string): Promise<BuildJobView> {
    const done = await this.jobs.wait(id);
    await this.replica.settled(id); // its record is on disk and the lease free: another replica can write at once
    return done;
  }

  /**
   * Starts a job applying a document change to the serving version: upserts from a validated NDJSON file (every
   * document with an id; the manager owns the file from then on) and deletions by id. Throws BuildConflictError
   * (409) while another job runs, NotReadyError while no version serves. A change that succeeds may be followed by
   * a compaction job.
   */
  startChange(change: DocumentChange): BuildJobView {
    const job = this.startOwning(change.upsertPath, () => {
      if (this.closed || !this.ready()) throw new NotReadyError(this.unavailable() ?? 'no index version serves yet');
    }, async (report, signal) => {
      await this.replica.catchUp(); // under the lease: build on the store's newest version
      return this.changes.apply(change, report, signal);
    });
    void this.jobs.wait(job.id).then((done) => {
      if (done.state === 'succeeded') this.compactIfWanted();
    });
    return job;
  }

  /**
   * Starts `runner` as a job once `check` passes, owning the uploaded file at `path` from then on: removed before
   * the job reports its end, or at once (synchronously, so a caller that looks right after sees it gone) when the
   * job is refused.
   */
  private startOwning(path: string | undefined, check: () => void, runner: BuildRunner): BuildJobView {
    try {
      check();
      return this.startJob((report, signal) => runner(report, signal)
        .finally(() => (path === undefined ? undefined : rm(path, { force: true }))));
    } catch (err) {
      if (path !== undefined) rmSync(path, { force: true });
      throw err;
    }
  }

  /**
   * Starts a job serving the existing `version` (a roll back or forward): it is opened and verified, then `current`
   * names it. NotFoundError when there is no such version, BuildConflictError (409) while another job runs.
   */
  async activate(version: string): Promise<BuildJobView> {
    if (this.closed) throw new NotReadyError('the index manager is shutting down');
    if (!(await listVersions(this.opts.indexDir)).includes(version)) {
      throw new NotFoundError(`no index version "${version}"; GET /index/versions lists them`);
    }
    return this.startJob(async (_report, signal) => {
      const damage = await this.serving.versions.damage(version);
      if (damage !== undefined) throw new Error(`version ${version} is damaged (${damage})`);
      await this.serving.serveVersion(version, signal, false);
      return { version };
    });
  }

  /** The versions on disk, oldest first, with their counts and which one `current` names and which serves. */
  async listVersions(): Promise<VersionInfo[]> {
    const pointed = await readCurrent(this.opts.indexDir).catch(() => undefined);
    return describeVersions(this.opts.indexDir, {
      pointed, serving: this.serving.loadedVersion?.manifest.version, damage: (v) => this.serving.versions.damage(v),
    });
  }

  /** The live document `id` of the serving version, or undefined; NotReadyError while none serves. */
  async getDocument(id: string): Promise<StoredDocument | undefined> {
    const handle = this.acquire();
    try {
      return await handle.document(id);
    } finally {
      handle.release();
    }
  }

  /** Cancels any build, stops serving and frees the index once in-flight handles are released. */
  async close(): Promise<void> {
    this.serving.shutDown();
    await this.jobs.close();
    await this.pruning;
    await this.replica.close();
    await this.records.flush();
    this.serving.release();
  }

  private get closed(): boolean {
    return this.serving.closed;
  }

  /** Start-up cleaning, once, before anything reads or builds: crash leftovers and unfinished job records. */
  private prepare(): Promise<void> {
    this.preparePromise ??= (async () => {
      const { indexDir } = this.opts;
      this.replica.lease.reclaimOwn();
      const hold = this.replica.lease.tryHold(); // while another replica holds it, staging/ holds its build
      try {
        if (hold) await clearStaging(indexDir);
      } finally {
        hold?.release();
      }
      const removed = await clearOldUploads(indexDir, this.startedAt, uploadPrefix(this.replica.id));
      if (removed.length > 0) this.log.info(`index: removed ${removed.length} upload(s) left by an earlier process`);
      await this.records.recover();
    })();
    return this.preparePromise;
  }

  private async startOnce(): Promise<void> {
    const { indexDir } = this.opts;
    await this.prepare();
    const problems: string[] = [];
    let pointed: string | undefined;
    let pointerFile = true;
    try {
      pointed = await readCurrent(indexDir);
      pointerFile = pointed !== undefined;
    } catch (err) {
      if (!(err instanceof IndexDamageError)) throw err;
      this.log.warn(`index: ${err.message}`);
      problems.push(err.message);
    }
    const versions = await listVersions(indexDir);
    if (!pointerFile && problems.length === 0) {
      if (versions.length === 0) return this.buildDemo();
      problems.push(`${join(indexDir, 'current')} is missing`);
    }
    await this.serving.serveIntact(pointed, problems);
    const serving = this.serving.loadedVersion;
    if (serving && this.serving.degraded === undefined) {
      this.reembedJobId = (await reembedIfStale({
        indexDir: this.opts.indexDir, modelDir: this.opts.modelDir, log: this.log,
        startBuild: (corpus) => this.startBuild(corpus), wait: (id) => this.jobs.wait(id),
      }, serving.manifest))?.id;
    }
  }

  /** Builds the demo corpus into the empty index directory; a failure leaves the manager not ready, saying why. */
  private async buildDemo(): Promise<void> {
    this.log.info(`index: no version in ${this.opts.indexDir}; building one from ${this.opts.demoCorpus}`);
    let job: BuildJobView;
    try {
      job = this.startJob((report, signal) => this.buildAndSwap(this.opts.demoCorpus, report, signal));
    } catch (err) {
      if (!(err instanceof StoreLeaseConflictError)) throw err;
      this.log.info(`index: ${err.lease.owner} is building the first version; serving it once it is current`);
      return;
    }
    const done = await this.jobs.wait(job.id);
    if (done.state === 'succeeded' || this.ready()) return;
    const reason = `building the demo index failed (${done.error}); PUT /index to build one`;
    this.serving.setUnavailable(reason);
    this.log.warn(`index: ${reason}`);
  }

  /** Builds in a worker, moves the version into place and serves it. */
  private async buildAndSwap(
    corpus: string,
    report: (p: BuildProgress) => void,
    signal: AbortSignal,
    indexKind?: IndexKind,
  ): Promise<JobOutcome> {
    const { staging, version } = await this.runBuild(corpus, report, signal, indexKind);
    try {
      if (signal.aborted) throw new Error('cancelled');
      await commitStaging(this.opts.indexDir, staging, version);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    await this.serving.serveVersion(version, signal, true);
    return { version };
  }

  /** Builds a corpus into a staging folder in the build worker (the one place its options are set). */
  private async runBuild(corpus: string, report: (p: BuildProgress) => void, signal: AbortSignal, indexKind?: IndexKind) {
    await this.prepare(); // never build into a staging/ that start-up is about to clear
    return runBuildInWorker({
      indexDir: this.opts.indexDir, corpus, modelDir: this.opts.modelDir, device: this.opts.device ?? 'cpu',
      // One core stays with the requests served meanwhile.
      threads: this.opts.threads ?? Math.max(1, availableParallelism() - 1), batchSize: this.opts.batchSize,
      indexKind, reserveBytes: this.opts.reserveBytes, thresholds: {
        hnsw: this.opts.hnswThreshold ?? DEFAULT_THRESHOLDS.hnsw, ivfPq: this.opts.ivfPqThreshold ?? DEFAULT_THRESHOLDS.ivfPq,
      },
    }, report, signal);
  }

  /** Starts a compaction job when the serving version wants one and no other job runs. */
  private compactIfWanted(): void {
    if (this.closed || this.jobs.isBuilding() || !this.changes.wantsCompaction()) return;
    let job: BuildJobView;
    try {
      job = this.startJob(async (_report, signal) => {
        await this.replica.catchUp();
        return this.changes.compact(signal);
      });
    } catch (err) {
      if (err instanceof StoreLeaseConflictError) return; // another replica writes: a later change compacts
      throw err;
    }
    this.log.info(`index: compacting the serving version's small segments (job ${job.id})`);
  }

  /** Runs a job under the store's write lease (replica-sync.ts), pruning before it ends. */
  private startJob(runner: BuildRunner): BuildJobView {
    return this.replica.startJob(this.jobs, async (report, signal) => {
      const outcome = await runner(report, signal);
      await this.prune(); // still under the job's lease, so that the next writer never waits for it
      return outcome;
    }, () => this.records.flush());
  }

  /**
   * Deletes versions beyond `keepVersions` (IntactVersions.prune), then the segments no version left lists and no
   * loaded version holds; nothing while `current` cannot be read.
   */
  private async prune(): Promise<void> {
    const hold = this.replica.lease.tryHold();
    if (!hold) return; // another replica writes the store: it prunes after its job
    try {
      let pointed: string | undefined;
      try {
        pointed = await readCurrent(this.opts.indexDir);
      } catch {
        return; // what a damaged pointer should have named is unknown: it may be any of them
      }
      const read = new Set([...this.serving.loadedVersions(), ...await this.replica.readByReplicas()]);
      const keep = Math.max(1, this.opts.keepVersions ?? 5);
      await this.serving.versions.prune(keep, [this.serving.loadedVersion?.manifest.version, pointed], read);
      const held = new Set([...this.serving.pool.held(), ...this.changes.pinned()]);
      await pruneSegments(this.opts.indexDir, held, this.log);
      await this.replica.sweep();
    } finally {
      hold.release();
    }
  }
}
