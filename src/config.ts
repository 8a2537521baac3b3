/**
 * The service's configuration, read from the environment once and validated here. This module is the only reader
 * of `process.env`: everything else receives a `Config` (TGI's `Args`, Fastify's env plugin).
 */
import { availableParallelism, hostname } from 'node:os';

/** Execution device for the ONNX sessions. */
export type Device = 'cpu' | 'cuda';

/** Validated configuration; README.md's configuration table documents each variable. */
export interface Config {
  host: string;
  port: number;
  modelDir: string;
  indexDir: string;
  device: Device;
  /** Bearer token for `PUT /index`; undefined refuses index updates with 403. */
  adminToken?: string;
  logLevel: string;
  /** Generations running at once; the rest wait in the queue. */
  maxConcurrent: number;
  /** Requests allowed to wait for a permit; one more is answered 429. */
  maxQueue: number;
  /** Longest wait for a permit before answering 503. */
  queueTimeoutMs: number;
  /** Deadline of one generation request, queueing included. */
  requestTimeoutMs: number;
  /** Largest accepted `PUT /index` body. */
  maxUploadBytes: number;
  /** Largest accepted body for the JSON generation routes. */
  maxBodyBytes: number;
  /** How long SIGTERM waits for in-flight work before closing anyway. */
  shutdownGraceMs: number;
  /** Cross-request batching: an extra wait for a new decoder batch (0: none), and its size limit (1: off). */
  batching: { windowMs: number; maxMembers: number };
  /** Worker threads running the ONNX models; 0 runs them on the main thread (which then blocks during each run). */
  workers: number;
  /** Intra-op threads per ONNX session; undefined leaves onnxruntime's choice (every physical core). */
  onnxThreads?: number;
  /** Index versions kept on disk, with the segments they use (the serving one included). */
  keepVersions: number;
  /** Search parameters over those each segment's build recorded: IVF lists visited, HNSW candidates kept. */
  search: { nprobe?: number; ef_search?: number };
  /** This replica's name in the shared index store (its lease, its announcement, its uploads). */
  replicaId: string;
  /** How often the store's `current` is polled besides the file-system watch (network file systems send no events). */
  indexPollMs: number;
  /** How long the store's write lease lasts unless renewed; a crashed holder's lease can be broken after it. */
  leaseMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Thrown when an environment variable has an invalid value; the message names the variable and what it must be. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function stringVar(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  return raw ? raw : fallback;
}

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `RAG_REPLICA_ID`, by default the host name (a pod's name on Kubernetes) and the port. */
function replicaVar(env: Env, port: number): string {
  const raw = stringVar(env, 'RAG_REPLICA_ID', `${hostname()}-${port}`);
  if (!REPLICA_ID.test(raw)) {
    throw new ConfigError(`RAG_REPLICA_ID must be 1 to 128 letters, digits, ".", "_" or "-", got "${raw}"`);
  }
  return raw;
}

function choiceVar<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const raw = stringVar(env, name, fallback);
  if (!choices.includes(raw as T)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/**
 * Reads and validates the configuration from `env` (defaults to `process.env`); throws ConfigError on bad values.
 * `cores` (the machine's, by default) sizes the worker pool: workers x threads per session fills the cores without
 * oversubscribing them, and two generations per worker run at once.
 */
export function loadConfig(env: Env = process.env, cores = availableParallelism()): Config {
  const adminToken = env.RAG_ADMIN_TOKEN;
  const workers = intVar(env, 'RAG_WORKERS', Math.min(4, cores), 0, 64);
  const threads = workers > 0 ? Math.max(1, Math.floor(cores / workers)) : undefined;
  // Batching off by default: on this 2-core machine it cost CPU per request instead of saving it (docs/BENCHMARKS.md).
  const batchMembers = intVar(env, 'RAG_BATCH_MAX_REQUESTS', 1, 1, 64);
  const onnxThreads = env.RAG_ONNX_THREADS?.trim() ? intVar(env, 'RAG_ONNX_THREADS', 1, 1, 256) : threads;
  const port = intVar(env, 'PORT', 8080, 0, 65535);
  return {
    host: stringVar(env, 'HOST', '127.0.0.1'),
    port,
    modelDir: stringVar(env, 'RAG_MODEL_DIR', 'onnx/demo'),
    indexDir: stringVar(env, 'RAG_INDEX_DIR', 'index-data'),
    device: choiceVar<Device>(env, 'RAG_DEVICE', 'cpu', ['cpu', 'cuda']),
    // An empty token would let an empty bearer through, so empty counts as unset.
    adminToken: adminToken && adminToken.length > 0 ? adminToken : undefined,
    logLevel: choiceVar(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    // With batching, up to 8 generations per worker share its decoder runs (batching.maxMembers permitting);
    // without, two per worker interleave at decoder steps, so the queue drains without a round trip to the main thread.
    maxConcurrent: intVar(env, 'RAG_MAX_CONCURRENT', Math.max(1, Math.min(64, workers * (batchMembers > 1 ? Math.min(8, batchMembers) : 2))), 1, 64),
    maxQueue: intVar(env, 'RAG_MAX_QUEUE', 32, 0, 10_000),
    queueTimeoutMs: intVar(env, 'RAG_QUEUE_TIMEOUT_MS', 30_000, 1, 3_600_000),
    requestTimeoutMs: intVar(env, 'RAG_REQUEST_TIMEOUT_MS', 120_000, 1, 3_600_000),
    maxUploadBytes: intVar(env, 'RAG_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    maxBodyBytes: intVar(env, 'RAG_MAX_BODY_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    shutdownGraceMs: intVar(env, 'RAG_SHUTDOWN_GRACE_MS', 30_000, 0, 600_000),
    batching: { windowMs: intVar(env, 'RAG_BATCH_WINDOW_MS', 0, 0, 1_000), maxMembers: batchMembers },
    workers,
    keepVersions: intVar(env, 'RAG_KEEP_VERSIONS', 5, 1, 1000),
    search: {
      ...(env.RAG_NPROBE?.trim() ? { nprobe: intVar(env, 'RAG_NPROBE', 1, 1, 65_536) } : {}),
      ...(env.RAG_EF_SEARCH?.trim() ? { ef_search: intVar(env, 'RAG_EF_SEARCH', 1, 1, 65_536) } : {}),
    },
    replicaId: replicaVar(env, port),
    indexPollMs: intVar(env, 'RAG_INDEX_POLL_MS', 2_000, 100, 600_000),
    leaseMs: intVar(env, 'RAG_LEASE_MS', 30_000, 1_000, 3_600_000),
    ...(onnxThreads !== undefined ? { onnxThreads } : {}),
  };
}
