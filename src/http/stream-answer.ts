/**
 * `stream: true` on POST /answer: one `token` event per decoded token (greedy decoding), then one `done` event
 * carrying the full JSON answer. An error before the first event is thrown (a normal HTTP error); after it, the
 * error is sent as an `error` event and the stream ends.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ValidationError } from '../errors.js';
import type { AnswerRequest } from '../rag/types.js';
import type { GenerationService } from './generation-service.js';
import { SseWriter } from './sse.js';
import { answerWire } from './wire.js';

/** Streams an answer to `reply`; `req` must not set `onToken` (this function does). */
export async function streamAnswer(
  generation: GenerationService, req: AnswerRequest, numBeamsGiven: number | undefined,
  request: FastifyRequest, reply: FastifyReply,
): Promise<void> {
  if (numBeamsGiven !== undefined && numBeamsGiven !== 1) {
    throw new ValidationError('`num_beams` must be 1 when `stream` is true (streaming decodes greedily)');
  }
  const sse = new SseWriter(reply);
  try {
    const result = await generation.run('answer', req.signal!, (engine) =>
      engine.answer({ ...req, numBeams: 1, onToken: (text) => sse.send('token', { text }) }));
    sse.send('done', answerWire(result));
    sse.end();
  } catch (err) {
    if (!sse.isStarted) throw err;
    const safe = err instanceof AppError;
    if (!safe) request.log.error({ err }, 'stream failed');
    sse.send('error', {
      error: safe ? { code: err.code, message: err.message } : { code: 'internal_error', message: 'internal server error' },
    });
    sse.end();
  }
}
