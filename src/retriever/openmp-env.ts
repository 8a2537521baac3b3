/**
 * Loaded just before faiss-node (see faiss-index.ts): libgomp reads its settings once, when faiss-node's library
 * loads. By default idle OpenMP workers spin; on a busy machine a one-query HNSW search then took 15 ms instead of
 * 0.2 ms (bench/retrieval.ts). Passive waiting keeps parallel builds but lets idle workers sleep. An operator's
 * own OMP_WAIT_POLICY wins.
 */
process.env.OMP_WAIT_POLICY ??= 'passive';

export {};
