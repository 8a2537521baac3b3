/**
 * One AbortSignal per generation request that fires when the client disconnects or the deadline passes, with a
 * typed reason (ClientGoneError or DeadlineExceededError) so the error handler knows which happened.
 */
import type { FastifyReply } from 'fastify';
import { ClientGoneError, DeadlineExceededError } from '../errors.js';

/** A request's abort signal and the cleanup to call when the request is over. */
export interface RequestSignal {
  signal: AbortSignal;
  dispose: () => void;
}

/** Aborts on client disconnect (the response closed before it finished) or after `deadlineMs`. */
export function requestSignal(reply: FastifyReply, deadlineMs: number): RequestSignal {
  const controller = new AbortController();
  // NOTE: the request stream's 'close' fires once its body is read; only the response's 'close' before
  // 'finish' means the client went away.
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new ClientGoneError());
  };
  reply.raw.once('close', onClose);
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(deadlineMs)), deadlineMs);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    },
  };
}
