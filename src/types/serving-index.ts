/**
 * The serving index as its readers see it: the source of handles the engine asks per request, a request's handle
 * on one version (what the retriever searches), and the description GET /index and the metrics report. The index
 * folder implements them (IndexManager, LoadedVersion); nothing here imports it.
 */
import type { Passage, StoredDocument } from './corpus.js';

/** One search result: a row of the version's numbering and its inner-product score. */
export interface SearchHit {
  row: number;
  score: number;
}

/**
 * One request's hold on an index version. Every method works until `release()`; the version's segments are freed
 * only after all handles to it are released, even if a newer version serves meanwhile.
 */
export interface IndexHandle {
  readonly version: string;
  /** Searches `queries` (n vectors, row-major n x dimension): per query up to k hits, best (highest score) first. */
  search(queries: Float32Array, k: number): SearchHit[][];
  /** The passages stored at these rows (the rows of SearchHit), in the same order. */
  passages(rows: number[]): Promise<Passage[]>;
  /** The live document with this id, or undefined. */
  document(id: string): Promise<StoredDocument | undefined>;
  /** Ends this hold; further calls throw. Idempotent. */
  release(): void;
}

/** What the engine and the retriever need of the index manager: a handle on the version serving now. */
export interface IndexSource {
  /** True once a version serves. */
  ready(): boolean;
  /** A handle on the serving version; throws NotReadyError (503) while none serves. Release it when done. */
  acquire(): IndexHandle;
}

/** Description of the index currently serving (GET /index). */
export interface IndexDescription {
  version: string;
  documents: number;
  passages: number;
  dimension: number;
  indexType: string;
  builtAt: string;
  model: string;
  /** Execution provider actually in use for the models: 'cpu' or 'cuda'. */
  device?: string;
  /** Why this version serves instead of the one `current` names (damage); absent when all is well. */
  degraded?: string;
  /** The replica serving it (RAG_REPLICA_ID), on a store that several may share. */
  replica?: string;
}
