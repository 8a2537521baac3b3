// A worker module for the pool's tests: small operations that echo, compute, fail, exit or hold the thread.
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import { sendWarning, serveCalls, transferring } from '../../src/workers/pool.js';

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
        // Holds the thread until `flag[0]` is set by the test (a SharedArrayBuffer): a run the caller can end.
        hold: (flag: Int32Array) => { Atomics.wait(flag, 0, 0); return threadId; },
      },
      close: async () => sendWarning(`released in ${threadId}`),
    };
  });
}
