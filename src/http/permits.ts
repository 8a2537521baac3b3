/**
 * Concurrency permits with a bounded FIFO queue, in the manner of TGI's admission control: at most
 * `maxConcurrent` generations run, at most `maxQueue` wait; one more is refused with 429, and a request that waited
 * `queueTimeoutMs` gives up with 503. Both carry a `Retry-After` estimated from recent service times.
 */
import { OverloadedError } from '../errors.js';

/** Options of a Permits pool. */
export interface PermitsOptions {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
  /** Observes the number of waiting requests after each change (a metrics gauge). */
  onQueueDepth?: (depth: number) => void;
  /** Observes how long a granted request waited, in seconds (a metrics histogram). */
  onWait?: (seconds: number) => void;
}

/** Gives the permit back; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  fail: (err: unknown) => void;
  enqueuedAt: number;
}

/** A pool of concurrency permits; see the module comment. */
export class Permits {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  /** Exponentially weighted mean of how long a permit is held, in ms, for Retry-After. */
  private meanHoldMs = 1000;

  constructor(private readonly opts: PermitsOptions) {}

  /** Requests running now. */
  get running(): number {
    return this.active;
  }

  /** Requests waiting for a permit. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Waits for a permit; rejects with OverloadedError when saturated, or with `signal.reason` when aborted. */
  acquire(signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    if (this.active < this.opts.maxConcurrent && this.waiters.length === 0) {
      this.opts.onWait?.(0);
      return Promise.resolve(this.grant());
    }
    if (this.waiters.length >= this.opts.maxQueue) {
      return Promise.reject(
        new OverloadedError(429, `the server is busy: ${this.waiters.length} requests are already queued`,
          this.retryAfterSeconds()),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.opts.onQueueDepth?.(this.waiters.length);
      };
      const waiter: Waiter = {
        enqueuedAt: performance.now(),
        grant: (release) => {
          cleanup();
          this.opts.onWait?.((performance.now() - waiter.enqueuedAt) / 1000);
          resolve(release);
        },
        fail: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(signal!.reason);
      const timer = setTimeout(() => {
        waiter.fail(new OverloadedError(503,
          `the server is busy: no generation slot freed within ${this.opts.queueTimeoutMs} ms`,
          this.retryAfterSeconds()));
      }, this.opts.queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.opts.onQueueDepth?.(this.waiters.length);
    });
  }

  private grant(): Release {
    this.active++;
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.meanHoldMs = 0.8 * this.meanHoldMs + 0.2 * (performance.now() - started);
      const next = this.waiters[0];
      // The permit passes straight to the first waiter so a new arrival cannot overtake the queue.
      if (next) next.grant(this.grant());
    };
  }

  private retryAfterSeconds(): number {
    return ((this.waiters.length + 1) * this.meanHoldMs) / this.opts.maxConcurrent / 1000;
  }
}
