/** What the index manager is told: where the index lives, how builds run, what it keeps, how it logs. */
import type { Device } from '../config.js';
import type { SearchOverrides } from '../retriever/index-spec.js';
import type { CompactionPolicy } from './compaction.js';
import type { ReplicaOptions } from './replica-sync.js';

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
  /** Search parameters for every segment opened, over those its build recorded (`RAG_NPROBE`, `RAG_EF_SEARCH`). */
  search?: SearchOverrides;
  /** How this process shares `indexDir` with other replicas (replica-sync.ts). */
  replica?: ReplicaOptions;
  log?: IndexLogger;
}
