/**
 * POST /jeopardy: generate a Jeopardy-style clue whose answer is the given text, from retrieved passages.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../src/http/context.js';
import { requestSignal } from '../src/http/request-signal.js';
import { errorResponses, JeopardyBody, JeopardyResponse } from '../src/http/schemas.js';
import { trimFields } from '../src/http/trim-fields.js';
import { jeopardyWire, toGenerationRequest } from '../src/http/wire.js';

/** Registers POST /jeopardy. */
const jeopardyRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.post('/jeopardy', {
    bodyLimit: ctx.config.maxBodyBytes,
    preValidation: trimFields('answer'),
    schema: {
      summary: 'Generate a Jeopardy-style clue for an answer',
      operationId: 'jeopardy',
      security: [],
      tags: ['generation'],
      body: JeopardyBody,
      response: {
        200: JeopardyResponse,
        ...errorResponses(400, 413, 415, 429, 500, 503),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    request.log.debug({ answer: body.answer }, 'jeopardy request');
    const { signal, dispose } = requestSignal(reply, ctx.config.requestTimeoutMs);
    try {
      const req = { ...toGenerationRequest(body, signal), answer: body.answer };
      return jeopardyWire(await ctx.generation.run('jeopardy', signal, (engine) => engine.jeopardy(req)));
    } finally {
      dispose();
    }
  });
};

export default jeopardyRoute;
