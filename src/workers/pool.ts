/**
 * A fixed number of worker threads that answer calls (an operation name and one argument, a promise of the
 * result), so that CPU-heavy native work runs off the event loop. The pool knows nothing of what the workers load:
 * the module they run calls `serveCalls` (serve-calls.ts) with its handlers. A call can stream events back before
 * its reply and be cancelled through an AbortSignal. A worker that dies fails its calls in flight with a 503-class
 * error and is restarted after a backoff that doubles while restarts keep failing; the others serve on.
 */
import { performance } from 'node:perf_hooks';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { WorkerUnavailableError } from '../errors.js';
import { CLOSE, type FromWorker, type ToWorker } from './protocol.js';
import { startWorker } from './start-worker.js';

/** How to start a pool. */
export interface PoolOptions {
  /** URL of the module the workers run (its `import.meta.url`); loaded as a worker, it calls `serveCalls`. */
  entry: string;
  /** Number of workers, at least 1. */
  size: number;
  /** The workers' `workerData`. */
  workerData: unknown;
  /** Receives the warnings workers send (`sendWarning`) and the pool's own (a worker died, restarts). */
  warn?: (message: string) => void;
  /** How long `close` lets a worker release its resources before terminating it (default 5 s). */
  closeGraceMs?: number;
  /** First restart delay after a crash (default 100 ms); doubles per crash of a worker that ran under a minute. */
  restartDelayMs?: number;
  /** Longest restart delay (default 10 s). */
  maxRestartDelayMs?: number;
}

/** Options of one call. */
export interface CallOptions {
  /** Buffers to move to the worker instead of copying them. */
  transfer?: readonly TransferListItem[];
  /** Aborts the handler's signal in the worker; the call still settles with the worker's reply. */
  signal?: AbortSignal;
  /** Receives the events the handler emits, before the reply. */
  onEvent?: (event: unknown) => void;
}

/** A worker ran stably this long: its next crash restarts it after the first delay again. */
const STABLE_MS = 60_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onEvent?: (event: unknown) => void;
  /** Set when `onEvent` threw: the call is cancelled and fails with this. */
  failed?: Error;
}

/** One worker of the pool and its calls in flight. */
export class PoolWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: FromWorker) => {
      if (!('id' in msg)) return;
      const call = this.pending.get(msg.id);
      if ('event' in msg) {
        if (call) this.deliver(msg.id, call, msg.event);
        return;
      }
      this.pending.delete(msg.id);
      if (call?.failed) call.reject(call.failed);
      else if (msg.ok) call?.resolve(msg.value);
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

  /** Sends one call; see `CallOptions`. */
  call<T>(op: string, arg?: unknown, opts: CallOptions = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const { signal } = opts;
    return new Promise<T>((resolve, reject) => {
      const cancel = () => this.worker.postMessage({ cancel: id } satisfies ToWorker);
      const settle = <V>(then: (v: V) => void) => (v: V) => {
        signal?.removeEventListener('abort', cancel);
        then(v);
      };
      this.pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject), onEvent: opts.onEvent });
      this.worker.postMessage({ id, op, arg } satisfies ToWorker, opts.transfer ?? []);
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Hands an event to its call; one that throws cancels the call, which then fails with that error. */
  private deliver(id: number, call: Pending, event: unknown): void {
    if (call.failed) return;
    try {
      call.onEvent?.(event);
    } catch (err) {
      call.failed = err instanceof Error ? err : new Error(String(err));
      this.worker.postMessage({ cancel: id } satisfies ToWorker);
    }
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
  private readonly slots: PoolWorker[];
  /** Per slot: when its worker started, and how many of its workers in a row died within STABLE_MS. */
  private readonly history: { startedAt: number; crashes: number }[];
  private readonly restarting = new Set<NodeJS.Timeout>();
  private readonly starting = new Set<PoolWorker>();

  private constructor(workers: PoolWorker[], readonly info: Info, private readonly opts: PoolOptions) {
    this.slots = workers;
    this.history = workers.map(() => ({ startedAt: performance.now(), crashes: 0 }));
    workers.forEach((w, slot) => this.watch(slot, w));
  }

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
    return new WorkerPool<Info>(workers, (started[0] as PromiseFulfilledResult<Info>).value, opts);
  }

  /** The current workers, one per slot (a dead one until its restart is ready). */
  get workers(): readonly PoolWorker[] {
    return this.slots;
  }

  /** The live worker with the fewest calls in flight; a 503-class error while none is alive. */
  pick(): PoolWorker {
    if (this.closed) throw new Error('the worker pool is closed');
    let best: PoolWorker | undefined;
    for (const w of this.slots) if (w.alive && (!best || w.busy < best.busy)) best = w;
    if (!best) throw new WorkerUnavailableError('every model worker has stopped; they are restarting');
    return best;
  }

  /** Asks each worker to release what it holds (within the grace period), then terminates it; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.restarting) clearTimeout(timer);
    await Promise.all([...this.starting].map((w) => w.worker.terminate()));
    const grace = this.opts.closeGraceMs ?? 5000;
    await Promise.all(this.slots.map(async (w) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((resolve) => { timer = setTimeout(resolve, grace); });
      await Promise.race([w.call(CLOSE).catch(() => {}), late]);
      clearTimeout(timer);
      w.fail(new Error('the worker pool is closed'));
      await w.worker.terminate();
    }));
  }

  /** Restarts the slot's worker when it exits while the pool is open. */
  private watch(slot: number, w: PoolWorker): void {
    w.worker.once('exit', (code) => {
      if (this.closed) return;
      const left = this.slots.filter((x) => x.alive).length;
      const delay = this.nextDelay(slot);
      this.warn(`a worker exited unexpectedly (code ${code}); ${left} of ${this.slots.length} remain; restarting it in ${delay} ms`);
      this.restartIn(slot, delay);
    });
  }

  private nextDelay(slot: number): number {
    const h = this.history[slot];
    h.crashes = performance.now() - h.startedAt < STABLE_MS ? h.crashes + 1 : 1;
    return Math.min(this.opts.maxRestartDelayMs ?? 10_000, (this.opts.restartDelayMs ?? 100) * 2 ** (h.crashes - 1));
  }

  private restartIn(slot: number, delay: number): void {
    const timer = setTimeout(() => {
      this.restarting.delete(timer);
      void this.restart(slot);
    }, delay);
    this.restarting.add(timer);
  }

  private async restart(slot: number): Promise<void> {
    if (this.closed) return;
    const w = new PoolWorker(startWorker(this.opts.entry, this.opts.workerData));
    this.starting.add(w);
    this.history[slot].startedAt = performance.now();
    try {
      await ready(w, this.opts.warn);
    } catch (err) {
      this.starting.delete(w);
      await w.worker.terminate();
      if (this.closed) return;
      const delay = this.nextDelay(slot);
      this.warn(`a restarted worker failed to load (${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`);
      this.restartIn(slot, delay);
      return;
    }
    this.starting.delete(w);
    if (this.closed) return void (await w.worker.terminate());
    this.slots[slot] = w;
    this.watch(slot, w);
    this.warn(`a worker was restarted; ${this.slots.filter((x) => x.alive).length} of ${this.slots.length} serve`);
  }

  private warn(message: string): void {
    (this.opts.warn ?? console.warn)(message);
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
      if (crash) (warn ?? console.warn)(`a worker failed: ${crash.stack ?? crash.message}`);
      // Internals stay in the log; a caller learns that its worker stopped, and may retry.
      w.fail(new WorkerUnavailableError(`the model worker running this request stopped (exit code ${code}); retry`));
      reject(crash ?? new Error(`a worker exited with code ${code}`)); // no effect once ready
    });
  });
}
