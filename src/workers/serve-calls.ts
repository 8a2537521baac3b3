/**
 * The worker side of the pool (pool.ts): runs the worker's setup, reports ready (or why not), then answers calls.
 * Calls run concurrently, interleaving at their awaits: onnxruntime-node starts each session run from
 * `setImmediate`, so the worker's event loop turns between runs, and a cancellation (or another call, which a
 * step batcher can then join to the first) gets in between two decoder steps.
 */
import { parentPort } from 'node:worker_threads';
import { CLOSE, isTransferring, type FromWorker, type Reply, type ToWorker } from './protocol.js';

export { transferring } from './protocol.js';

/** What a handler gets besides its argument. */
export interface CallContext {
  /** Aborts when the caller cancels the call, or when the pool closes. */
  signal: AbortSignal;
  /** Sends `event` to the caller's `onEvent`; events arrive before the reply, in order. */
  emit(event: unknown): void;
}

/** The handlers of a worker, by operation name, and what it reports once ready. */
export interface Served<Info> {
  info: Info;
  /** By operation name; a handler returns its result, or `transferring(result, buffers)`. */
  handlers: Record<string, (arg: never, ctx: CallContext) => unknown>;
  /** Releases what the worker holds; run on the pool's close, once the calls in flight have settled. */
  close(): Promise<void>;
}

/** Runs `setup`, reports ready (or why not), then answers calls; see the module comment. */
export async function serveCalls<Info>(setup: () => Promise<Served<Info>>): Promise<void> {
  const port = parentPort!;
  let served: Served<Info>;
  try {
    served = await setup();
  } catch (err) {
    port.postMessage({ ready: false, message: messageOf(err) } satisfies FromWorker);
    return;
  }
  const inFlight = new Map<number, { controller: AbortController; done: Promise<void> }>();
  port.on('message', (msg: ToWorker) => {
    if ('cancel' in msg) {
      inFlight.get(msg.cancel)?.controller.abort(new Error('the call was cancelled'));
    } else if (msg.op === CLOSE) {
      for (const call of inFlight.values()) call.controller.abort(new Error('the worker pool is closing'));
      void Promise.all([...inFlight.values()].map((c) => c.done))
        .then(() => served.close())
        .then(() => reply({ id: msg.id, ok: true, value: undefined }), (err) => reply({ id: msg.id, ok: false, message: messageOf(err) }));
    } else {
      const controller = new AbortController();
      const done = answer(served, msg, controller.signal).finally(() => inFlight.delete(msg.id));
      inFlight.set(msg.id, { controller, done });
    }
  });
  port.postMessage({ ready: true, info: served.info } satisfies FromWorker);
}

async function answer<Info>(served: Served<Info>, { id, op, arg }: { id: number; op: string; arg: unknown }, signal: AbortSignal): Promise<void> {
  try {
    const handler = served.handlers[op];
    if (!handler) throw new Error(`unknown operation ${op}`);
    const out = await handler(arg as never, { signal, emit: (event) => parentPort!.postMessage({ id, event } satisfies FromWorker) });
    if (isTransferring(out)) parentPort!.postMessage({ id, ok: true, value: out.value } satisfies Reply, out.transfer);
    else reply({ id, ok: true, value: out });
  } catch (err) {
    reply({ id, ok: false, message: messageOf(err) });
  }
}

function reply(msg: Reply): void {
  parentPort!.postMessage(msg);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A warning line for the pool's `warn` (a CUDA fallback, say). */
export function sendWarning(message: string): void {
  parentPort?.postMessage({ warn: message } satisfies FromWorker);
}
