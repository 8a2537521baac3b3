/**
 * POST /answer: retrieve passages for a question and generate an answer (RAG-Token or RAG-Sequence), as JSON or
 * as server-sent events.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteContext } from '../src/http/context.js';
import { requestSignal } from '../src/http/request-signal.js';
import { AnswerBody, AnswerResponse, errorResponses } from '../src/http/schemas.js';
import { streamAnswer } from '../src/http/stream-answer.js';
import { trimFields } from '../src/http/trim-fields.js';
import { answerWire, toGenerationRequest } from '../src/http/wire.js';

/** Registers POST /answer. */
const answerRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.post('/answer', {
    bodyLimit: ctx.config.maxBodyBytes,
    preValidation: trimFields('question'),
    schema: {
      summary: 'Answer a question from retrieved passages',
      operationId: 'answer',
      security: [],
      tags: ['generation'],
      body: AnswerBody,
      response: {
        200: {
          description: 'The answer, or with `stream: true` an event stream of `token` events and one `done` event',
          content: {
            'application/json': { schema: AnswerResponse },
            'text/event-stream': { schema: Type.String({ description: 'event: token|done|error, data: JSON' }) },
          },
        },
        ...errorResponses(400, 413, 415, 429, 500, 503),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    request.log.debug({ question: body.question }, 'answer request');
    const { signal, dispose } = requestSignal(reply, ctx.config.requestTimeoutMs);
    try {
      const req = {
        ...toGenerationRequest(body, signal), question: body.question, extractive: body.extractive,
        explain: body.explain !== undefined && body.explain !== false, attribution: body.explain === 'loo',
        minConfidence: body.min_confidence,
      };
      if (body.stream) return await streamAnswer(ctx.generation, req, body.num_beams, request, reply);
      const result = await ctx.generation.run('answer', signal, (engine) => engine.answer(req));
      return answerWire(result);
    } finally {
      dispose();
    }
  });
};

export default answerRoute;
