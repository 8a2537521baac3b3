/**
 * The only module that imports faiss-node. Wraps an inner-product FAISS index made from a factory string (the kinds
 * and their strings are in index-spec.ts), with Float32Array in and out. faiss-node's methods take plain JS
 * arrays and run synchronously on the calling thread, so large adds are chunked and searches block the event loop
 * (bench/retrieval.ts measures for how long).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import './openmp-env.js'; // must run before faiss-node loads libgomp
import faiss from 'faiss-node';
import type { IndexParams } from './index-spec.js';
import type { SearchHit } from '../types/serving-index.js';

/** File name of the FAISS index inside a version folder. */
export const INDEX_FILE = 'index.faiss';

/** One search result: the row (FAISS label = passage row in the store) and its inner-product score. */

/** faiss-node with the methods scripts/build-faiss-node.sh adds (the Float32Array ones read the array in place). */
type NativeIndex = faiss.Index & {
  setParameter(name: string, value: number): void;
  addFloat32(vectors: Float32Array): void;
  trainFloat32(vectors: Float32Array): void;
};

/** An inner-product FAISS index of fixed dimension. */
export class FaissIndex {
  private index: NativeIndex | undefined;

  private constructor(index: faiss.Index, readonly type: string) {
    this.index = index as NativeIndex;
  }

  /** An empty index of this factory string (`IndexFlatIP` for the exhaustive one) and dimension. */
  static create(dimension: number, type: string): FaissIndex {
    if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`dimension must be a positive integer, got ${dimension}`);
    // NOTE: never `new faiss.IndexFlatIP(d)`: built against Debian's libfaiss, writing such an index segfaults,
    // while the factory's "Flat" with the inner-product metric makes the same IndexFlatIP and writes fine.
    const descriptor = type === 'IndexFlatIP' ? 'Flat' : type;
    const index = faiss.Index.fromFactory(dimension, descriptor, faiss.MetricType.METRIC_INNER_PRODUCT);
    return new FaissIndex(index, type);
  }

  /** Reads `index.faiss` from a version folder. */
  static read(dir: string): FaissIndex {
    return new FaissIndex(faiss.Index.read(join(dir, INDEX_FILE)), 'read');
  }

  /**
   * The vectors of the flat inner-product index in `dir`'s index.faiss (row-major, ntotal x d), read from the file:
   * faiss-node offers no way to read vectors back, and its `mergeFrom` and `toBuffer` crash on an index it read.
   * Throws for any other kind of index.
   */
  static async readFlatVectors(dir: string): Promise<Float32Array> {
    const bytes = await readFile(join(dir, INDEX_FILE));
    // NOTE: IndexFlatIP layout: "IxFI", int32 d, int64 ntotal, two int64 dummies, uint8 is_trained, int32 metric,
    // uint64 count of floats, then the floats (ntotal x d, little-endian).
    if (bytes.length < 45 || bytes.toString('latin1', 0, 4) !== 'IxFI') {
      throw new Error(`${join(dir, INDEX_FILE)} is not a flat inner-product index`);
    }
    const d = bytes.readInt32LE(4);
    const ntotal = Number(bytes.readBigInt64LE(8));
    const count = Number(bytes.readBigUInt64LE(37));
    if (count !== ntotal * d || bytes.length !== 45 + count * 4) {
      throw new Error(`${join(dir, INDEX_FILE)} holds ${count} floats for ${ntotal} vectors of dimension ${d}`);
    }
    const floats = new Float32Array(count);
    for (let i = 0; i < count; i++) floats[i] = bytes.readFloatLE(45 + i * 4);
    return floats;
  }

  /** Number of vectors indexed. */
  get size(): number {
    return this.live().ntotal();
  }

  get dimension(): number {
    return this.live().getDimension();
  }

  /** Trains the index's quantizers (IVF, PQ) on these vectors (row-major); a no-op for flat and HNSW. */
  train(vectors: Float32Array): void {
    const index = this.live();
    if (!index.isTrained()) index.trainFloat32(vectors);
  }

  /**
   * Sets the search-time parameters recorded in `params` (nprobe, efSearch); faiss keeps them in the index file
   * too, and a `write()` after this records them.
   */
  applyParams(params: IndexParams | undefined): void {
    if (params?.nprobe !== undefined) this.live().setParameter('nprobe', params.nprobe);
    if (params?.ef_search !== undefined) this.live().setParameter('efSearch', params.ef_search);
  }

  /** Appends vectors (row-major, n x dimension); they get labels size .. size + n - 1. */
  add(vectors: Float32Array): void {
    const index = this.live();
    const d = index.getDimension();
    if (vectors.length % d !== 0) throw new Error(`vector data length ${vectors.length} is not a multiple of dimension ${d}`);
    index.addFloat32(vectors);
  }

  /**
   * Top-k by inner product for each of the n query vectors (row-major n x dimension), best first. k is clamped to
   * the index size; HNSW may return fewer than k hits (its padding labels of -1 are dropped).
   */
  search(queries: Float32Array, k: number): SearchHit[][] {
    const index = this.live();
    const d = index.getDimension();
    if (queries.length % d !== 0) throw new Error(`query data length ${queries.length} is not a multiple of dimension ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    const n = queries.length / d;
    const kk = Math.min(k, index.ntotal());
    if (kk === 0 || n === 0) return Array.from({ length: n }, () => []);
    const { labels, distances } = index.search(Array.from(queries), kk);
    const out: SearchHit[][] = [];
    for (let q = 0; q < n; q++) {
      const hits: SearchHit[] = [];
      for (let j = q * kk; j < (q + 1) * kk; j++) {
        if (labels[j] >= 0) hits.push({ row: labels[j], score: distances[j] });
      }
      out.push(hits);
    }
    return out;
  }

  /** Writes `index.faiss` into a (staging) version folder. */
  write(dir: string): void {
    this.live().write(join(dir, INDEX_FILE));
  }

  /** Drops the native index; faiss-node frees its memory when the wrapper is garbage-collected. */
  dispose(): void {
    this.index = undefined;
  }

  private live(): NativeIndex {
    if (!this.index) throw new Error('FAISS index used after dispose()');
    return this.index;
  }
}
