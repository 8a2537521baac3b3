/**
 * One opened index version (FAISS index + passage store + manifest) with a reference count, and the handles
 * requests hold on it. The manager's own "serving" reference counts as one; the version is freed when the count
 * reaches zero, that is after a swap and once its last in-flight request has released its handle. What a search
 * or a passage read returns is checked, so that damage that got past the checks at load (a version without
 * checksums, a file changed while serving) is a 503 `index_damaged` and a report to the manager, never a 500.
 */
import { IndexDamagedError } from '../errors.js';
import type { Passage } from '../rag/types.js';
import { IndexDamageError } from './damage.js';
import type { FaissIndex, SearchHit } from '../retriever/faiss-index.js';
import type { IndexManifest } from './manifest.js';
import type { PassageStore } from './passage-store.js';

/**
 * One request's hold on an index version. Every method works until `release()`; the version's index and store
 * are freed only after all handles to it are released, even if a newer version serves meanwhile.
 */
export interface IndexHandle {
  readonly version: string;
  readonly manifest: IndexManifest;
  /** Searches `queries` (n vectors, row-major n x dimension): per query up to k hits, best (highest score) first. */
  search(queries: Float32Array, k: number): SearchHit[][];
  /** The passages stored at these rows (the FAISS labels of SearchHit), in the same order. */
  passages(rows: number[]): Promise<Passage[]>;
  /** Ends this hold; further calls throw. Idempotent. */
  release(): void;
}

/** A loaded version; created holding the manager's reference. */
export class LoadedVersion {
  private refs = 1;

  constructor(
    readonly manifest: IndexManifest,
    readonly index: FaissIndex,
    readonly store: PassageStore,
    private readonly onFree: () => void,
    private readonly onDamaged: (reason: string) => void = () => {},
  ) {}

  /** A new handle (one more reference). */
  handle(): IndexHandle {
    this.refs++;
    let released = false;
    const live = () => {
      if (released) throw new Error('index handle used after release()');
      return this;
    };
    return {
      version: this.manifest.version,
      manifest: this.manifest,
      search: (queries, k) => this.checked(live().index.search(queries, k)),
      passages: (rows) => live().store.getMany(rows).catch((err) => {
        throw err instanceof IndexDamageError ? this.damaged(err.message) : err;
      }),
      release: () => {
        if (released) return;
        released = true;
        this.unref();
      },
    };
  }

  /**
   * Hits with a non-finite score or a row outside the store come from damaged vectors; so does a search of a
   * non-empty index that finds nothing (FAISS drops rows whose score is NaN).
   */
  private checked(results: SearchHit[][]): SearchHit[][] {
    for (const hits of results) {
      if (hits.length === 0 && this.index.size > 0) {
        throw this.damaged(`index.faiss of version ${this.manifest.version} gave no result for a query`);
      }
      for (const { row, score } of hits) {
        if (!Number.isFinite(score) || row >= this.store.size) {
          throw this.damaged(`index.faiss of version ${this.manifest.version} gave row ${row} with score ${score}`);
        }
      }
    }
    return results;
  }

  private damaged(reason: string): IndexDamagedError {
    this.onDamaged(reason);
    return new IndexDamagedError(this.manifest.version);
  }

  /** Drops one reference; the last one frees the index and closes the store. */
  unref(): void {
    if (--this.refs === 0) {
      this.index.dispose();
      void this.store.close().finally(this.onFree);
    }
  }
}
