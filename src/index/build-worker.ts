/**
 * Runs `buildIndexVersion` in a worker thread, because FAISS adds and tokenization are synchronous and CPU heavy
 * and would stall the event loop that serves requests. This file is both the main-thread launcher
 * (`runBuildInWorker`) and the worker's entry point (it starts a build when loaded with our workerData).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startWorker } from '../workers/start-worker.js';
import type { BuildProgress } from './build-jobs.js';
import { buildIndexVersion, type BuildOptions } from './index-builder.js';
import { newVersionName, stagingDir } from './index-store.js';

const MARK = 'rag-index-build';
/** How long a cancelled worker may take to clean up before it is terminated. */
const CANCEL_GRACE_MS = 10_000;

type ToWorker = { type: 'cancel' };
type FromWorker =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; version: string; staging: string }
  | { type: 'error'; message: string };

/** A finished staging folder built by the worker. */
export interface WorkerBuildResult {
  version: string;
  staging: string;
}

/**
 * Builds a version in a worker thread. Resolves with the staging folder; rejects with the build's error, or with
 * "cancelled" when `signal` aborts (the worker stops between batches; the staging folder is removed either way).
 */
export function runBuildInWorker(
  opts: Omit<BuildOptions, 'version'> & { version?: string },
  onProgress: (p: BuildProgress) => void,
  signal: AbortSignal,
): Promise<WorkerBuildResult> {
  if (signal.aborted) return Promise.reject(new Error('cancelled'));
  // The name is chosen here so that this side can remove the staging folder if the worker has to be terminated.
  const version = opts.version ?? newVersionName();
  const worker = startWorker(import.meta.url, { mark: MARK, opts: { ...opts, version } });
  return new Promise<WorkerBuildResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (err: Error | undefined, result?: WorkerBuildResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (err) reject(err);
      else resolve(result!);
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies ToWorker);
      killTimer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'progress') onProgress({ done: msg.done, total: msg.total });
      else if (msg.type === 'done') finish(undefined, { version: msg.version, staging: msg.staging });
      else finish(new Error(msg.message));
    });
    let crash: Error | undefined;
    worker.on('error', (err) => {
      crash = err; // 'exit' follows, and cleans up first
    });
    worker.on('exit', (code) => {
      if (settled) return;
      // Terminated or crashed mid-build: the worker could not clean up, so its staging folder goes here.
      const why = signal.aborted ? new Error('cancelled') : crash ?? new Error(`index build worker exited with code ${code}`);
      void rm(join(stagingDir(opts.indexDir), version), { recursive: true, force: true }).finally(() => finish(why));
    });
  });
}

/** Worker side: run the build, forward progress, stop on "cancel". */
async function workerMain(opts: BuildOptions): Promise<void> {
  const port = parentPort!;
  const controller = new AbortController();
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'cancel') controller.abort();
  });
  const send = (msg: FromWorker) => port.postMessage(msg);
  try {
    const result = await buildIndexVersion(opts, (p) => send({ type: 'progress', ...p }), controller.signal);
    send({ type: 'done', version: result.version, staging: result.staging });
  } catch (err) {
    send({ type: 'error', message: controller.signal.aborted ? 'cancelled' : (err instanceof Error ? err.message : String(err)) });
  } finally {
    port.close();
  }
}

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === MARK) {
  void workerMain((workerData as { opts: BuildOptions }).opts);
}
