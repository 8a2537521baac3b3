// A worker module for the pool's tests: small operations that echo, compute, fail, exit, crash, stream or hold the thread.
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import { setImmediate as turn } from 'node:timers/promises';
import { sendWarning, serveCalls, transferring, type CallContext } from '../../src/workers/serve-calls.js';

/** The workerData of a test worker; `failToLoad` makes its setup throw with that text. */
export interface CallsWorkerData {
  mark: 'test-calls-worker';
  failToLoad?: string;
}

if (!isMainThread && (workerData as CallsWorkerData | null)?.mark === 'test-calls-worker') {
  void serveCalls(async () => {
    const data = workerData as CallsWorkerData;
    if (data.failToLoad) throw new Error(data.failToLoad);
    return {
      info: { threadId },
      handlers: {
        threadId: () => threadId,
        double: (values: Float32Array) => {
          const out = values.map((v) => v * 2);
          return transferring(out, [out.buffer]);
        },
        fail: (message: string) => { throw new Error(message); },
        // In a worker, process.exit ends the worker thread only: a crash as the pool sees it.
        exit: (code: number) => process.exit(code),
        // An uncaught exception ends the worker thread too (an 'error' event, then exit code 1).
        crash: (message: string) => { setImmediate(() => { throw new Error(message); }); return new Promise(() => {}); },
        // Emits 0..n-1, one per turn of the worker's event loop, until its signal aborts; returns how many it sent.
        count: async (n: number, ctx: CallContext) => {
          for (let i = 0; i < n; i++) {
            if (ctx.signal.aborted) throw new Error(`stopped after ${i}`);
            ctx.emit(i);
            await turn();
          }
          return n;
        },
        // Holds the thread until `flag[0]` is set by the test (a SharedArrayBuffer): a run the caller can end.
        hold: (flag: Int32Array) => { Atomics.wait(flag, 0, 0); return threadId; },
      },
      close: async () => sendWarning(`released in ${threadId}`),
    };
  });
}
