/**
 * One opened index version (FAISS index + passage store + manifest) with a reference count, and the handles
 * requests hold on it. The manager's own "serving" reference counts as one; the version is freed when the count
 * reaches zero, that is after a swap and once its last in-flight request has released its handle.
 */
import type { Passage } from '../rag/types.js';
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
      search: (queries, k) => live().index.search(queries, k),
      passages: (rows) => live().store.getMany(rows),
      release: () => {
        if (released) return;
        released = true;
        this.unref();
      },
    };
  }

  /** Drops one reference; the last one frees the index and closes the store. */
  unref(): void {
    if (--this.refs === 0) {
      this.index.dispose();
      void this.store.close().finally(this.onFree);
    }
  }
}
