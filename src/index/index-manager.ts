/**
 * Owns the index that serves: opens the `current` version at start (building one from the bundled demo corpus
 * when the index directory is empty, embedding its stored passages again when another context encoder made it),
 * hands out ref-counted handles to requests, runs builds as jobs and hot-swaps to a new version: load, check and
 * warm it, switch one reference, free the old one when its last request ends.
 */
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Device } from '../config.js';
import { NotReadyError } from '../errors.js';
import type { IndexDescription } from '../rag/types.js';
import { FaissIndex } from '../retriever/faiss-index.js';
import { BuildJobs, type BuildJobView } from './build-jobs.js';
import { ctxEncoderChecksum } from './index-builder.js';
import { runBuildInWorker } from './build-worker.js';
import {
  clearStaging, commitStaging, listVersions, readCurrent, removeVersion, stagingDir, versionDir, writeCurrent,
} from './index-store.js';
import { readManifest, type IndexManifest } from './manifest.js';
import { LoadedVersion, type IndexHandle } from './loaded-version.js';
import { PassageStore } from './passage-store.js';
import { writeStoredCorpus } from './stored-corpus.js';

export type { SearchHit } from '../retriever/faiss-index.js';
export type { BuildJobView, BuildState } from './build-jobs.js';
export type { IndexHandle } from './loaded-version.js';

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
  /** From this many passages on, build `HNSW32,Flat` instead of the exhaustive `IndexFlatIP`. */
  hnswThreshold?: number;
  /** Versions kept on disk (the serving one included); older ones are deleted once nothing reads them. */
  keepVersions?: number;
  log?: IndexLogger;
}

/** The index manager; see the module comment. Satisfies the HTTP layer's `IndexAdmin`. */
export class IndexManager {
  private current: LoadedVersion | undefined;
  private readonly jobs = new BuildJobs();
  private readonly log: IndexLogger;
  private startPromise: Promise<void> | undefined;
  private reembedJobId: string | undefined;
  private closed = false;

  constructor(private readonly opts: IndexManagerOptions) {
    this.log = opts.log ?? { info: () => {}, warn: () => {} };
  }

  /** Creates a manager and waits until an index serves (opening `current` or building the demo corpus). */
  static async open(opts: IndexManagerOptions): Promise<IndexManager> {
    const manager = new IndexManager(opts);
    await manager.start();
    return manager;
  }

  /**
   * Opens the current version, or builds one from the demo corpus when there is none (as a build job, so its
   * progress is visible). Resolves once an index serves. Calling it again returns the same promise.
   */
  start(): Promise<void> {
    this.startPromise ??= this.startOnce();
    return this.startPromise;
  }

  /** True once an index serves. */
  ready(): boolean {
    return this.current !== undefined;
  }

  /** A handle on the serving version; throws NotReadyError (503) before one is loaded. Release it when done. */
  acquire(): IndexHandle {
    const loaded = this.current;
    if (!loaded || this.closed) throw new NotReadyError('the index is not loaded yet');
    return loaded.handle();
  }

  /** The index serving now (GET /index), or undefined before one is loaded. */
  describe(): IndexDescription | undefined {
    const m = this.current?.manifest;
    if (!m) return undefined;
    return {
      version: m.version, documents: m.documents, passages: m.passages, dimension: m.dimension,
      indexType: m.index_type, builtAt: m.built_at, model: m.model,
    };
  }

  /** True while a build is queued or running. */
  isBuilding(): boolean {
    return this.jobs.isBuilding();
  }

  /**
   * Starts building a new version from a validated NDJSON file (`{"id"?, "title", "text"}` per line), which the
   * manager owns from then on and removes when the build ends. Throws BuildConflictError (409) while another
   * build runs. The current version serves until the new one is loaded; a failed build leaves it in place.
   */
  startBuild(ndjsonPath: string): BuildJobView {
    try {
      if (this.closed) throw new NotReadyError('the index manager is shutting down');
      return this.jobs.start((report, signal) => this.buildAndSwap(ndjsonPath, report, signal)
        .finally(() => rm(ndjsonPath, { force: true })));
    } catch (err) {
      rmSync(ndjsonPath, { force: true }); // refused: the file is ours to remove, and the caller may check at once
      throw err;
    }
  }

  /**
   * The job re-embedding the version opened at start, when another context encoder than the bundle's had embedded
   * it (after a bundle update); undefined otherwise.
   */
  get reembedJob(): BuildJobView | undefined {
    return this.reembedJobId === undefined ? undefined : this.jobs.get(this.reembedJobId);
  }

  /** The job with this id, or undefined. */
  getJob(id: string): BuildJobView | undefined {
    return this.jobs.get(id);
  }

  /** Resolves with the job once it succeeded (and the new version serves) or failed. */
  waitForJob(id: string): Promise<BuildJobView> {
    return this.jobs.wait(id);
  }

  /** Cancels a queued or running build; false when that job is not active. */
  cancelJob(id: string): boolean {
    return this.jobs.cancel(id);
  }

  /** Cancels any build, stops serving and frees the index once in-flight handles are released. */
  async close(): Promise<void> {
    this.closed = true;
    await this.jobs.close();
    const loaded = this.current;
    this.current = undefined;
    loaded?.unref();
  }

  private async startOnce(): Promise<void> {
    const { indexDir } = this.opts;
    await clearStaging(indexDir);
    const version = await readCurrent(indexDir);
    if (version !== undefined) {
      const loaded = await this.load(version);
      this.swap(loaded);
      this.log.info(`index: serving version ${version}`);
      await this.reembedIfStale(loaded.manifest);
      return;
    }
    this.log.info(`index: no version in ${indexDir}; building one from ${this.opts.demoCorpus}`);
    const job = this.jobs.start((report, signal) => this.buildAndSwap(this.opts.demoCorpus, report, signal));
    const done = await this.jobs.wait(job.id);
    if (done.state !== 'succeeded') throw new Error(`building the demo index failed: ${done.error}`);
  }

  /** Builds in a worker, moves the version into place, loads and warms it, then points `current` at it. */
  private async buildAndSwap(
    corpus: string,
    report: (p: { done: number; total: number }) => void,
    signal: AbortSignal,
  ): Promise<string> {
    const { indexDir } = this.opts;
    const { version, staging } = await runBuildInWorker({
      indexDir, corpus, modelDir: this.opts.modelDir, device: this.opts.device ?? 'cpu',
      // One core stays with the requests served meanwhile.
      threads: this.opts.threads ?? Math.max(1, availableParallelism() - 1), batchSize: this.opts.batchSize, hnswThreshold: this.opts.hnswThreshold,
    }, report, signal);
    let loaded: LoadedVersion | undefined;
    try {
      if (signal.aborted) throw new Error('cancelled');
      await commitStaging(indexDir, staging, version);
      loaded = await this.load(version);
      if (signal.aborted || this.closed) throw new Error('cancelled');
      await writeCurrent(indexDir, version);
    } catch (err) {
      loaded?.unref();
      await rm(staging, { recursive: true, force: true });
      await removeVersion(indexDir, version);
      throw err;
    }
    this.swap(loaded);
    this.log.info(`index: now serving version ${version} (${loaded.manifest.passages} passages)`);
    return version;
  }

  /** Opens a version folder and checks that its parts agree with its manifest, then runs one warm-up search. */
  private async load(version: string): Promise<LoadedVersion> {
    const dir = versionDir(this.opts.indexDir, version);
    const manifest = await readManifest(dir);
    if (manifest.version !== version) {
      throw new Error(`index version folder ${version} holds a manifest for version ${manifest.version}`);
    }
    const index = FaissIndex.read(dir);
    const store = await PassageStore.open(dir).catch((err) => {
      index.dispose();
      throw err;
    });
    try {
      if (index.size !== manifest.passages || store.size !== manifest.passages || index.dimension !== manifest.dimension) {
        throw new Error(`index version ${version} is inconsistent: manifest says ${manifest.passages} passages of ` +
          `dimension ${manifest.dimension}, index has ${index.size} of ${index.dimension}, store ${store.size}`);
      }
      if (index.size > 0) {
        index.search(new Float32Array(index.dimension), 1); // warm-up: pages the index in before requests do
        await store.getMany([0]);
      }
    } catch (err) {
      index.dispose();
      await store.close();
      throw err;
    }
    return new LoadedVersion(manifest, index, store, () => void this.prune());
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
    previous?.unref();
  }

  /** Deletes the oldest version folders beyond `keepVersions`, never the serving one nor the one `current` names. */
  private async prune(): Promise<void> {
    const keep = Math.max(1, this.opts.keepVersions ?? 2);
    const kept = new Set<string>();
    const serving = this.current?.manifest.version;
    const pointed = await readCurrent(this.opts.indexDir).catch(() => undefined);
    if (serving !== undefined) kept.add(serving);
    if (pointed !== undefined) kept.add(pointed);
    const others = (await listVersions(this.opts.indexDir)).filter((v) => !kept.has(v)); // oldest first
    const room = Math.max(0, keep - kept.size);
    for (const v of others.slice(0, Math.max(0, others.length - room))) {
      await removeVersion(this.opts.indexDir, v).catch((err) => this.log.warn(`index: could not remove ${v}: ${err}`));
    }
  }
}
