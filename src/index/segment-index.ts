/**
 * A segment's vectors in the kind of index its spec names. Writing: flat and HNSW add vectors as they come; IVF-PQ
 * first stores them in vectors.f32 (its exact re-ranking data), then trains its quantizers on an evenly spaced
 * sample read back from that file and adds them in chunks, so the float vectors never sit in memory whole.
 * Searching: IVF-PQ's candidates (its approximate top `rerank`) are scored again exactly against vectors.f32.
 */
import type { SearchHit } from '../types/serving-index.js';
import { FaissIndex } from '../retriever/faiss-index.js';
import type { IndexSpec } from '../retriever/index-spec.js';
import { VectorFile, VectorFileWriter } from './vector-file.js';

// Rows read back per add: 50,000 768-dim vectors are 150 MB.
const ADD_ROWS = 50_000;

/** Builds a segment's index.faiss (and vectors.f32 for IVF-PQ) in `dir`; see the module comment. */
export class SegmentIndexWriter {
  private index: FaissIndex | undefined;
  private vectors: VectorFileWriter | undefined;
  private rows = 0;

  constructor(private readonly dir: string, readonly spec: IndexSpec) {}

  /** Rows added so far. */
  get size(): number {
    return this.rows;
  }

  /** Adds vectors (row-major, n x dimension). */
  add(vectors: Float32Array, dimension: number): void {
    if (this.spec.kind === 'ivf_pq') {
      this.vectors ??= new VectorFileWriter(this.dir, dimension);
      this.vectors.append(vectors);
    } else {
      this.index ??= FaissIndex.create(dimension, this.spec.factory);
      this.index.add(vectors);
    }
    this.rows += vectors.length / dimension;
  }

  /** Trains and fills an IVF-PQ index, sets the search parameters, writes index.faiss; returns the dimension. */
  finish(): number {
    if (this.rows === 0) throw new Error('a segment needs at least one vector');
    if (this.vectors) {
      this.vectors.close();
      this.index = this.trainedFromFile(this.vectors.dimension);
    }
    const index = this.index!;
    try {
      index.applyParams(this.spec.params);
      index.write(this.dir);
      return index.dimension;
    } finally {
      index.dispose();
    }
  }

  /** Closes what is open (after a failure; the caller removes the folder). */
  abort(): void {
    this.vectors?.close();
    this.index?.dispose();
  }

  private trainedFromFile(dimension: number): FaissIndex {
    const file = VectorFile.open(this.dir, dimension, this.rows);
    const index = FaissIndex.create(dimension, this.spec.factory);
    try {
      const sample = Math.min(this.rows, this.spec.params.train_rows ?? this.rows);
      index.train(file.readRows(Array.from({ length: sample }, (_, i) => Math.floor((i * this.rows) / sample))));
      for (let first = 0; first < this.rows; first += ADD_ROWS) {
        index.add(file.readRange(first, Math.min(ADD_ROWS, this.rows - first)));
      }
      return index;
    } catch (err) {
      index.dispose();
      throw err;
    } finally {
      file.close();
    }
  }
}

/**
 * Re-scores each query's candidates by their exact inner product with the float vectors in `vectors` and keeps
 * the best k. `queries` is row-major, one row per candidate list.
 */
export function rerankExact(queries: Float32Array, candidates: SearchHit[][], vectors: VectorFile, k: number): SearchHit[][] {
  const d = vectors.dimension;
  return candidates.map((hits, q) => {
    const query = queries.subarray(q * d, (q + 1) * d);
    const rows = vectors.readRows(hits.map((h) => h.row));
    const exact = hits.map((h, i) => {
      let score = 0;
      for (let j = 0, at = i * d; j < d; j++, at++) score += query[j]! * rows[at]!;
      return { row: h.row, score };
    });
    return exact.sort((a, b) => b.score - a.score).slice(0, k);
  });
}
