/**
 * The index kinds a build chooses from, and the FAISS factory string and parameters of each for a corpus size and
 * dimension. Flat is exact and costs 4 bytes per vector component; HNSW adds a graph to the same vectors and
 * searches it in logarithmic time; IVF-PQ keeps a few bytes of code per vector in memory (trained on a sample of
 * the vectors) and re-ranks its top candidates exactly against the float vectors, which stay in a file on disk.
 * bench/index-types.ts measured the defaults (docs/BENCHMARKS.md).
 */

/** The kinds, as `PUT /index?index_type=` names them. */
export const INDEX_KINDS = ['flat', 'hnsw', 'ivf_pq'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

/** Parameters a build chose, recorded in the manifest (snake_case: a file format). */
export interface IndexParams {
  /** HNSW: candidates kept while searching the graph (faiss's efSearch). */
  ef_search?: number;
  /** IVF: inverted lists (k-means centroids), and how many of them a search visits. */
  nlist?: number;
  nprobe?: number;
  /** PQ: bytes (sub-quantizers) per vector and bits per code. */
  pq_m?: number;
  pq_bits?: number;
  /** Vectors the quantizers were trained on (an evenly spaced sample). */
  train_rows?: number;
  /** Candidates re-ranked exactly against the float vectors on disk (at least k). */
  rerank?: number;
}

/** A kind with its factory string and parameters. */
export interface IndexSpec {
  kind: IndexKind;
  factory: string;
  params: IndexParams;
}

/**
 * Search parameters the operator sets for every segment a process opens (`RAG_NPROBE`, `RAG_EF_SEARCH`), over those
 * each segment's build recorded: a large IVF index wants a fixed nprobe (docs/SCALE.md), and both trade recall for
 * time without a rebuild.
 */
export interface SearchOverrides {
  nprobe?: number;
  ef_search?: number;
}

/** The parameters a segment of `kind` searches with: `recorded`, with the overrides for its kind (nprobe at most nlist). */
export function searchParams(kind: IndexKind, recorded: IndexParams, overrides: SearchOverrides = {}): IndexParams {
  if (kind === 'ivf_pq' && overrides.nprobe !== undefined) {
    return { ...recorded, nprobe: Math.min(overrides.nprobe, recorded.nlist ?? overrides.nprobe) };
  }
  if (kind === 'hnsw' && overrides.ef_search !== undefined) return { ...recorded, ef_search: overrides.ef_search };
  return recorded;
}

/** Corpus sizes (passages) from which a build picks HNSW, then IVF-PQ, when no kind is asked for. */
export interface KindThresholds {
  hnsw: number;
  ivfPq: number;
}

/** Flat scans take a few milliseconds below 100k vectors; from 1M on, float vectors take 3 GB at 768 dimensions. */
export const DEFAULT_THRESHOLDS: KindThresholds = { hnsw: 100_000, ivfPq: 1_000_000 };

export const HNSW_EF_SEARCH = 128;
export const IVF_RERANK = 100;

/** The kind for a corpus of `passages` vectors. */
export function chooseKind(passages: number, thresholds: KindThresholds = DEFAULT_THRESHOLDS): IndexKind {
  if (passages >= thresholds.ivfPq) return 'ivf_pq';
  return passages >= thresholds.hnsw ? 'hnsw' : 'flat';
}

/** The kind of an index built from this factory string (manifests of any age). */
export function kindOf(factory: string): IndexKind {
  if (factory.startsWith('HNSW')) return 'hnsw';
  if (factory.startsWith('IVF')) return 'ivf_pq';
  return 'flat';
}

/** The factory string and parameters of `kind` for `passages` vectors of `dimension` components. */
export function indexSpec(kind: IndexKind, passages: number, dimension: number): IndexSpec {
  if (kind === 'flat') return { kind, factory: 'IndexFlatIP', params: {} };
  if (kind === 'hnsw') return { kind, factory: 'HNSW32,Flat', params: { ef_search: HNSW_EF_SEARCH } };
  // About 4 sqrt(n) lists (a power of two), each with at least 39 training vectors, as k-means wants.
  const nlist = 2 ** Math.max(0, Math.min(Math.round(Math.log2(4 * Math.sqrt(passages))), Math.floor(Math.log2(passages / 39))));
  const pqM = largestDivisorAtMost(dimension, Math.max(1, Math.floor(dimension / 8)));
  // Each sub-quantizer has 2^bits centroids, which need at least as many training vectors.
  const pqBits = Math.max(1, Math.min(8, Math.floor(Math.log2(passages))));
  const trainRows = Math.min(passages, Math.max(40 * nlist, 2 ** pqBits * 40));
  const nprobe = Math.min(nlist, Math.max(1, nlist / 16));
  // "np": no polysemous training, which only serves Hamming-distance filtering we do not use and made training
  // 15 times slower.
  return {
    kind, factory: `IVF${nlist},PQ${pqM}x${pqBits}np`,
    params: { nlist, nprobe, pq_m: pqM, pq_bits: pqBits, train_rows: trainRows, rerank: IVF_RERANK },
  };
}

function largestDivisorAtMost(n: number, most: number): number {
  for (let m = most; m > 1; m--) if (n % m === 0) return m;
  return 1;
}
