/**
 * Counts requests in flight (from arrival until their response closes, hijacked streams included), so a graceful
 * shutdown can wait for them before cutting the remaining connections.
 */

/** A counter of open requests with a promise for "none left". */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Requests open now. */
  get size(): number {
    return this.count;
  }

  /** Marks one request started; returns the function that marks it done (idempotent). */
  begin(): () => void {
    this.count++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.count--;
      if (this.count === 0) {
        const waiting = this.waiters;
        this.waiters = [];
        for (const resolve of waiting) resolve();
      }
    };
  }

  /** Resolves when no request is open, or after `timeoutMs` (whichever comes first); true when drained. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
