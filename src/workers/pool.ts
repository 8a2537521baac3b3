/**
 * A fixed set of worker threads that answer calls (an operation name and one argument, a promise of the result),
 * so that CPU-heavy native work runs off the event loop. The pool knows nothing of what the workers load: the
 * module they run calls `serveCalls` with its handlers. Each worker serves its calls in order, one at a time;
 * state a worker keeps between calls (a decoder cache) is "pinned" to it, and `pick` balances on both.
 */
import { parentPort, type TransferListItem, type Worker } from 'node:worker_threads';
import { startWorker } from './start-worker.js';

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };
type FromWorker = Reply | { ready: true; info: unknown } | { ready: false; message: string } | { warn: string };
type ToWorker = { id: number; op: string; arg: unknown };

/** The operation every worker answers last: release what it holds; the pool then terminates it. */
const CLOSE = '__close';

/** How to start a pool. */
export interface PoolOptions {
  /** URL of the module the workers run (its `import.meta.url`); loaded as a worker, it calls `serveCalls`. */
  entry: string;
  /** Number of workers, at least 1. */
  size: number;
  /** The workers' `workerData`. */
  workerData: unknown;
  /** Receives the warnings workers send (`sendWarning`). */
  warn?: (message: string) => void;
  /** How long `close` lets a worker release its resources before terminating it (default 5 s). */
  closeGraceMs?: number;
}

/** One worker of the pool and its calls in flight. */
export class PoolWorker {
  /** States kept in this worker between calls (maintained by the caller; `pick` prefers fewer). */
  pinned = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exited: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: FromWorker) => {
      if (!('id' in msg)) return;
      const call = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) call?.resolve(msg.value);
      else call?.reject(new Error(msg.message));
    });
  }

  /** False once the worker has exited (crashed, or closed with the pool). */
  get alive(): boolean {
    return this.exited === null;
  }

  /** Calls awaiting their reply. */
  get busy(): number {
    return this.pending.size;
  }

  /** Sends one call; `transfer` moves buffers to the worker instead of copying them. */
  call<T>(op: string, arg?: unknown, transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, arg } satisfies ToWorker, transfer);
    });
  }

  /** Fails every call in flight and every later one with `why` (the worker is gone). */
  fail(why: Error): void {
    this.exited ??= why;
    for (const call of this.pending.values()) call.reject(why);
    this.pending.clear();
  }
}

/** See the module comment. `Info` is what each worker reports once ready (the first worker's is kept). */
export class WorkerPool<Info = unknown> {
  private closed = false;

  private constructor(readonly workers: readonly PoolWorker[], readonly info: Info, private readonly opts: PoolOptions) {}

  /** Starts `size` workers and waits until each has loaded; if one fails, all are terminated and the error thrown. */
  static async start<Info>(opts: PoolOptions): Promise<WorkerPool<Info>> {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`a pool needs at least one worker, got ${opts.size}`);
    const workers = Array.from({ length: opts.size }, () => new PoolWorker(startWorker(opts.entry, opts.workerData)));
    const started = await Promise.allSettled(workers.map((w) => ready(w, opts.warn)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
    const pool = new WorkerPool<Info>(workers, (started[0] as PromiseFulfilledResult<Info>).value, opts);
    for (const w of workers) {
      w.worker.once('exit', (code) => {
        if (pool.closed) return;
        const left = workers.filter((x) => x.alive).length;
        (opts.warn ?? console.warn)(`a worker exited unexpectedly (code ${code}); ${left} of ${workers.length} remain`);
      });
    }
    return pool;
  }

  /** The least busy live worker: fewest calls in flight, then fewest pinned states. */
  pick(): PoolWorker {
    if (this.closed) throw new Error('the worker pool is closed');
    let best: PoolWorker | undefined;
    for (const w of this.workers) {
      if (!w.alive) continue;
      if (!best || w.busy < best.busy || (w.busy === best.busy && w.pinned < best.pinned)) best = w;
    }
    if (!best) throw new Error('every worker of the pool has exited');
    return best;
  }

  /** Asks each worker to release what it holds (within the grace period), then terminates it; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const grace = this.opts.closeGraceMs ?? 5000;
    await Promise.all(this.workers.map(async (w) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((resolve) => { timer = setTimeout(resolve, grace); });
      await Promise.race([w.call(CLOSE).catch(() => {}), late]);
      clearTimeout(timer);
      w.fail(new Error('the worker pool is closed'));
      await w.worker.terminate();
    }));
  }
}

/** Resolves with the worker's info once it has loaded; rejects with its load error or its exit. */
function ready<Info>(w: PoolWorker, warn: ((m: string) => void) | undefined): Promise<Info> {
  return new Promise<Info>((resolve, reject) => {
    let crash: Error | undefined;
    w.worker.on('message', (msg: FromWorker) => {
      if ('warn' in msg) (warn ?? console.warn)(msg.warn);
      else if ('ready' in msg) {
        if (msg.ready) resolve(msg.info as Info);
        else reject(new Error(msg.message));
      }
    });
    w.worker.on('error', (err) => { crash = err; });
    w.worker.on('exit', (code) => {
      const why = crash ?? new Error(`a worker exited with code ${code}`);
      w.fail(why);
      reject(why); // no effect once ready
    });
  });
}

const TRANSFER = Symbol('transfer');
type WithTransfer = { [TRANSFER]: true; value: unknown; transfer: TransferListItem[] };

/** Marks a handler's result so that `transfer` (buffers inside `value`) moves instead of being copied. */
export function transferring(value: unknown, transfer: TransferListItem[]): unknown {
  return { [TRANSFER]: true, value, transfer } satisfies WithTransfer;
}

/** The handlers of a worker, by operation name, and what it reports once ready. */
export interface Served<Info> {
  info: Info;
  /** By operation name; a handler returns its result, or `transferring(result, buffers)`. */
  handlers: Record<string, (arg: never) => unknown>;
  /** Releases what the worker holds; run on the pool's close. */
  close(): Promise<void>;
}

/** Worker side: runs `setup`, reports ready (or why not), then answers calls in arrival order, one at a time. */
export async function serveCalls<Info>(setup: () => Promise<Served<Info>>): Promise<void> {
  const port = parentPort!;
  let served: Served<Info>;
  try {
    served = await setup();
  } catch (err) {
    port.postMessage({ ready: false, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    return;
  }
  let queue = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    queue = queue.then(() => answer(served, msg));
  });
  port.postMessage({ ready: true, info: served.info } satisfies FromWorker);
}

async function answer<Info>(served: Served<Info>, { id, op, arg }: ToWorker): Promise<void> {
  const port = parentPort!;
  try {
    if (op === CLOSE) {
      await served.close();
      port.postMessage({ id, ok: true, value: undefined } satisfies Reply);
      return;
    }
    const handler = served.handlers[op];
    if (!handler) throw new Error(`unknown operation ${op}`);
    const out = await handler(arg as never);
    if (out && typeof out === 'object' && TRANSFER in out) {
      const { value, transfer } = out as WithTransfer;
      port.postMessage({ id, ok: true, value } satisfies Reply, transfer);
    } else port.postMessage({ id, ok: true, value: out } satisfies Reply);
  } catch (err) {
    port.postMessage({ id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies Reply);
  }
}

/** Worker side: a warning line for the pool's `warn` (a CUDA fallback, say). */
export function sendWarning(message: string): void {
  parentPort?.postMessage({ warn: message } satisfies FromWorker);
}
