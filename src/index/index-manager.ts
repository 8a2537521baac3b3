/**
 * Owns the index that serves: opens the `current` version at start (building one from the bundled demo corpus
 * only when the index directory holds no version and no pointer, embedding its stored passages again when another
 * context encoder made it), hands out ref-counted handles to requests, runs builds as jobs and hot-swaps to a new
 * version: load, verify and warm it, switch one reference, free the old one when its last request ends.
 * A damaged pointer or version is never a reason to rebuild or delete anything: the newest intact version serves,
 * `degraded` says why, and with none intact the manager is not ready, says why, and a build makes it ready.
 */
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Device } from '../config.js';
import { NotFoundError, NotReadyError } from '../errors.js';
import type { IndexDescription } from '../types/serving-index.js';
import { FaissIndex } from '../retriever/faiss-index.js';
import { DEFAULT_THRESHOLDS, type IndexKind } from '../retriever/index-spec.js';
import { BuildJobs, type BuildJobView, type BuildProgress, type BuildRunner, type JobOutcome } from './build-jobs.js';
import { DEFAULT_COMPACTION, type CompactionPolicy } from './compaction.js';
import type { DocumentChange } from './document-changes.js';
import { ctxEncoderChecksum } from './index-builder.js';
import { runBuildInWorker } from './build-worker.js';
import { IndexDamageError } from './damage.js';
import {
  clearOldUploads, clearStaging, commitStaging, listVersions, readCurrent, removeVersion, stagingDir, versionDir,
  writeCurrent,
} from './index-store.js';
import { IntactVersions } from './intact-versions.js';
import { JobRecords } from './job-records.js';
import { uploadPrefix } from './replica-records.js';
import type { IndexManifest } from './manifest.js';
import type { LoadedVersion } from './loaded-version.js';
import type { IndexHandle } from '../types/serving-index.js';
import type { StoredDocument } from '../types/corpus.js';
import { SegmentPool } from './open-segment.js';
import { openVersion } from './open-version.js';
import { ReplicaSync, type ReplicaOptions, type ReplicaStatus } from './replica-sync.js';
import { pruneSegments } from './retention.js';
import { StoreLeaseConflictError } from './store-lease.js';
import { VersionChanges } from './version-changes.js';
import { describeVersions, type VersionInfo } from './version-list.js';
import { writeStoredCorpus } from './stored-corpus.js';

/** Minimal logger (pino's methods accept a plain message). */
export interface IndexLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Where the index lives and how builds run. */
export interface IndexManagerOptions {
  /** `RAG_INDEX_DIR`: holds `current`, `versions/`, `staging/`. */
  indexDir: string;
  /** Model bundle root; builds use its `ctx_encoder/`. */
  modelDir: string;
  /** NDJSON corpus indexed when `indexDir` has no version yet (the bundled `index-data/demo/foldoc.jsonl`). */
  demoCorpus: string;
  device?: Device;
  /** Intra-op threads of the build's ONNX session (default: all cores but one). */
  threads?: number;
  /** Passages per context-encoder batch. */
  batchSize?: number;
  /** From this many passages on, a build with no `index_type` makes HNSW instead of flat (default 100,000)... */
  hnswThreshold?: number;
  /** ...and from this many on, IVF-PQ (default 1,000,000): index-spec.ts. */
  ivfPqThreshold?: number;
  /**
   * Versions kept on disk (`RAG_KEEP_VERSIONS`, default 5, the serving one included) with the segments they use;
   * older ones are deleted once nothing reads them.
   */
  keepVersions?: number;
  /** When a document change is followed by a compaction (compaction.ts). */
  compaction?: Partial<CompactionPolicy>;
  /** Free bytes a build must leave on the index's disk besides the new version (default 0). */
  reserveBytes?: number;
  /** How this process shares `indexDir` with other replicas (replica-sync.ts). */
  replica?: ReplicaOptions;
  log?: IndexLogger;
}

/** The index manager; see the module comment. Satisfies the HTTP layer's `IndexAdmin`. */
export class IndexManager {
  private current: LoadedVersion | undefined;
  private readonly records: JobRecords;
  private readonly jobs: BuildJobs;
  private readonly log: IndexLogger;
  private readonly startedAt = new Date();
  private startPromise: Promise<void> | undefined;
  private preparePromise: Promise<void> | undefined;
  private reembedJobId: string | undefined;
  /** Why the serving version is not the one `current` names; undefined when it is. */
  private degraded: string | undefined;
  /** Why no version serves, once start-up (or a fallback) found none; undefined while one serves or loads. */
  private unavailableReason: string | undefined;
  private readonly versions: IntactVersions;
  private readonly pool = new SegmentPool();
  /** Versions loaded now (serving, or held by requests in flight), and how many times: pruning leaves them. */
  private readonly loaded = new Map<string, number>();
  private readonly changes: VersionChanges;
  private readonly replica: ReplicaSync;
  /** Counts swaps, so that following the store never swaps in a version loaded before a newer swap. */
  private swaps = 0;
  /**
   * False once this replica follows a version another one wrote: pruning is then that writer's, so that replicas
   * do not take the store's lease after every switch and make a client's write meet a 409.
   */
  private wroteLast = true;
  /** The last pruning started outside a job (close waits for it, so that no lease outlives the manager). */
  private pruning: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: IndexManagerOptions) {
    this.log = opts.log ?? { info: () => {}, warn: () => {} };
    this.replica = new ReplicaSync(opts.indexDir, opts.replica ?? {}, {
      serving: () => this.current?.manifest.version,
      reading: () => [...this.loaded.keys()],
      busy: () => this.jobs.isBuilding(),
      follow: (version) => this.followStore(version),
    }, this.log);
    const lease = this.replica.lease;
    this.records = new JobRecords(join(opts.indexDir, 'jobs'), 20,
      { mine: () => lease.heldToken(), live: () => lease.current()?.token });
    this.jobs = new BuildJobs(20, (view) => this.records.save(view));
    this.versions = new IntactVersions(opts.indexDir, (v) => this.load(v), this.log);
    this.changes = new VersionChanges({
      indexDir: opts.indexDir,
      serving: () => this.current,
      buildSegment: (corpus, report, signal) => this.runBuild(corpus, report, signal),
      serveNew: (version, signal) => this.serveVersion(version, signal, true),
    }, { ...DEFAULT_COMPACTION, ...opts.compaction });
  }

  /** Creates a manager and waits until an index serves; throws, saying why, when none can. */
  static async open(opts: IndexManagerOptions): Promise<IndexManager> {
    const manager = new IndexManager(opts);
    await manager.start();
    if (!manager.ready()) {
      await manager.close();
      throw new Error(manager.unavailableReason ?? 'no index serves');
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
    return this.current !== undefined;
  }

  /** Why no index serves (damage, a failed demo build), or undefined while one serves or is still loading. */
  unavailable(): string | undefined {
    return this.current ? undefined : this.unavailableReason;
  }

  /** A handle on the serving version; throws NotReadyError (503) before one is loaded. Release it when done. */
  acquire(): IndexHandle {
    const loaded = this.current;
    if (!loaded || this.closed) throw new NotReadyError(this.unavailable() ?? 'the index is not loaded yet');
    return loaded.handle();
  }

  /** The index serving now (GET /index), with `degraded` when it is not the one `current` names. */
  describe(): IndexDescription | undefined {
    const m = this.current?.manifest;
    if (!m) return undefined;
    return {
      version: m.version, documents: m.documents, passages: m.passages, dimension: m.dimension,
      indexType: m.index_type, builtAt: m.built_at, model: m.model,
      ...(this.degraded ? { degraded: this.degraded } : {}), replica: this.replica.id,
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
      if (this.closed || !this.current) throw new NotReadyError(this.unavailable() ?? 'no index version serves yet');
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
      const damage = await this.versions.damage(version);
      if (damage !== undefined) throw new Error(`version ${version} is damaged (${damage})`);
      await this.serveVersion(version, signal, false);
      return { version };
    });
  }

  /** The versions on disk, oldest first, with their counts and which one `current` names and which serves. */
  async listVersions(): Promise<VersionInfo[]> {
    const pointed = await readCurrent(this.opts.indexDir).catch(() => undefined);
    return describeVersions(this.opts.indexDir, {
      pointed, serving: this.current?.manifest.version, damage: (v) => this.versions.damage(v),
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
    this.closed = true;
    await this.jobs.close();
    await this.pruning;
    await this.replica.close();
    await this.records.flush();
    const loaded = this.current;
    this.current = undefined;
    loaded?.unref();
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
    await this.serveIntact(pointed, problems);
    if (this.current && this.degraded === undefined) await this.reembedIfStale(this.current.manifest);
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
    if (done.state === 'succeeded' || this.current) return;
    this.unavailableReason = `building the demo index failed (${done.error}); PUT /index to build one`;
    this.log.warn(`index: ${this.unavailableReason}`);
  }

  /** Serves what `IntactVersions.openBest` picks, or records why nothing can serve. */
  private async serveIntact(preferred: string | undefined, problems: string[]): Promise<void> {
    const pick = await this.versions.openBest(preferred, problems);
    if ('unavailable' in pick) {
      if (this.current) return;
      this.unavailableReason = pick.unavailable;
      this.log.warn(`index: not ready: ${pick.unavailable}`);
      return;
    }
    if (this.current || this.closed) { // a build swapped in meanwhile: it is newer than anything found here
      pick.loaded.unref();
      return;
    }
    this.degraded = pick.degraded;
    this.unavailableReason = undefined;
    this.swap(pick.loaded);
    if (pick.degraded) this.log.warn(`index: degraded: ${pick.degraded}`);
    else this.log.info(`index: serving version ${pick.version}`);
  }

  /** A request met damage in `version`: it stops serving, and the newest intact version takes over if any. */
  private async versionDamaged(version: string, reason: string): Promise<void> {
    if (!(await this.versions.markDamaged(version, reason))) return;
    const loaded = this.current;
    if (loaded?.manifest.version !== version) return;
    this.current = undefined;
    this.unavailableReason = `version ${version} is damaged (${reason}); looking for an intact one`;
    loaded.unref();
    const pointed = await readCurrent(this.opts.indexDir).catch(() => undefined);
    await this.serveIntact(pointed, [`version ${version}: ${reason}`]);
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
    await this.serveVersion(version, signal, true);
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

  /**
   * Loads and warms `version`, points `current` at it, then swaps it in. On failure `current` and the serving
   * version are as they were; a version just written (`written`) is removed, an existing one is marked damaged
   * when the failure was damage.
   */
  private async serveVersion(version: string, signal: AbortSignal, written: boolean): Promise<void> {
    const { indexDir } = this.opts;
    let loaded: LoadedVersion | undefined;
    try {
      loaded = await this.load(version);
      if (signal.aborted || this.closed) throw new Error('cancelled');
      this.replica.lease.verify(); // another replica broke a lease this process failed to renew: it writes now
      await writeCurrent(indexDir, version);
    } catch (err) {
      loaded?.unref();
      if (written) await removeVersion(indexDir, version);
      else if (err instanceof IndexDamageError) await this.versions.markDamaged(version, err.message);
      throw err;
    }
    this.degraded = undefined;
    this.unavailableReason = undefined;
    this.wroteLast = true;
    this.swap(loaded);
    this.log.info(`index: now serving version ${version} (${loaded.manifest.passages} passages)`);
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

  /** Opens, verifies and warms a version (open-version.ts), wired to this manager's pruning and damage handling. */
  private async load(version: string): Promise<LoadedVersion> {
    const loaded = await openVersion(this.opts.indexDir, version, this.pool, {
      onFree: () => {
        const n = this.loaded.get(version)! - 1;
        if (n > 0) this.loaded.set(version, n);
        else this.loaded.delete(version);
        this.replica.changed();
        // A job prunes before it ends; after it, the replica that wrote last prunes what its requests let go.
        if (this.wroteLast && !this.closed && !this.replica.lease.held()) this.pruning = this.prune()
          .catch((err) => this.log.warn(`index: pruning failed: ${err}`));
      },
      onDamaged: (reason) => void this.versionDamaged(version, reason),
      note: (m) => this.log.info(m),
    });
    this.loaded.set(version, (this.loaded.get(version) ?? 0) + 1);
    this.replica.changed();
    return loaded;
  }

  /**
   * When the serving version was embedded by another context encoder than the bundle's (after a bundle update),
   * its vectors are not comparable with the question encoder's: it keeps serving, poorly, while a build job embeds
   * its stored passages again with the bundle's encoder and swaps the result in.
   */
  private async reembedIfStale(manifest: IndexManifest): Promise<void> {
    const current = await ctxEncoderChecksum(this.opts.modelDir).catch(() => undefined);
    if (current === undefined || current === manifest.ctx_encoder_sha256) return;
    const stale = `index: version ${manifest.version} was embedded by another context encoder ` +
      `(${manifest.ctx_encoder_sha256.slice(0, 12)}) than ${this.opts.modelDir} has (${current.slice(0, 12)})`;
    let documents: number;
    let job: BuildJobView;
    try {
      const staging = stagingDir(this.opts.indexDir);
      await mkdir(staging, { recursive: true });
      const corpus = join(staging, `reembed-${manifest.version}.jsonl`); // a restart's clearStaging removes leftovers
      documents = await writeStoredCorpus(versionDir(this.opts.indexDir, manifest.version), corpus);
      job = this.startBuild(corpus);
    } catch (err) { // serving goes on: the stale version still answers, and PUT /index can replace it
      if (err instanceof StoreLeaseConflictError) {
        this.log.warn(`${stale}; replica ${err.lease.owner} writes the store (re-embedding it, when it runs this ` +
          'bundle): this replica serves what it makes current');
        return;
      }
      this.log.warn(`${stale}; its passages could not be read back to embed again (${err}): PUT /index to replace it`);
      return;
    }
    this.reembedJobId = job.id;
    this.log.warn(`${stale}; it serves, with poor retrieval, while job ${job.id} embeds its ${documents} ` +
      'documents again');
    void this.jobs.wait(job.id).then((done) => {
      if (done.state === 'succeeded') return;
      this.log.warn(`index: re-embedding failed (${done.error}); PUT /index to replace it`);
    });
  }

  /** Switches the serving reference; the old version is freed when its last handle is released. */
  private swap(next: LoadedVersion): void {
    if (this.closed) {
      next.unref(); // closed while it loaded: nobody will serve it
      return;
    }
    const previous = this.current;
    this.current = next;
    this.swaps++;
    previous?.unref();
    this.replica.changed();
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
   * Serves `version`, which another replica made current: loads, verifies and warms it, and swaps it in unless the
   * store moved on or this process swapped meanwhile (false then: nothing changed). Throws when it fails to load;
   * the serving version stays.
   */
  private async followStore(version: string): Promise<boolean> {
    const swaps = this.swaps;
    const loaded = await this.load(version);
    const still = await readCurrent(this.opts.indexDir).catch(() => undefined);
    if (still !== version || swaps !== this.swaps || this.closed) {
      loaded.unref();
      return false;
    }
    this.degraded = undefined;
    this.unavailableReason = undefined;
    this.wroteLast = false;
    this.swap(loaded);
    this.log.info(`index: now serving version ${version} (${loaded.manifest.passages} passages), made current by ` +
      'another replica');
    return true;
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
      const read = new Set([...this.loaded.keys(), ...await this.replica.readByReplicas()]);
      await this.versions.prune(Math.max(1, this.opts.keepVersions ?? 5), [this.current?.manifest.version, pointed], read);
      await pruneSegments(this.opts.indexDir, new Set([...this.pool.held(), ...this.changes.pinned()]), this.log);
      await this.replica.sweep();
    } finally {
      hold.release();
    }
  }
}
