/**
 * The messages between a pool (pool.ts) and its workers (serve-calls.ts). A call may send events before its
 * reply (streamed tokens); a cancel asks the worker to abort that call's signal.
 */
import type { TransferListItem } from 'node:worker_threads';

/** A call's answer. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** What a worker sends: replies, a call's events, its ready report, warnings. */
export type FromWorker =
  | Reply
  | { id: number; event: unknown }
  | { ready: true; info: unknown }
  | { ready: false; message: string }
  | { warn: string };

/** What the pool sends: a call, or the cancellation of one in flight. */
export type ToWorker = { id: number; op: string; arg: unknown } | { cancel: number };

/** The operation every worker answers last: release what it holds; the pool then terminates it. */
export const CLOSE = '__close';

const TRANSFER = Symbol('transfer');

/** A handler's result whose buffers move to the pool instead of being copied. */
export type WithTransfer = { [TRANSFER]: true; value: unknown; transfer: TransferListItem[] };

/** Marks a handler's result so that `transfer` (buffers inside `value`) moves instead of being copied. */
export function transferring(value: unknown, transfer: TransferListItem[]): unknown {
  return { [TRANSFER]: true, value, transfer } satisfies WithTransfer;
}

/** True for a result made by `transferring`. */
export function isTransferring(out: unknown): out is WithTransfer {
  return typeof out === 'object' && out !== null && TRANSFER in out;
}
