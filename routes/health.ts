/**
 * Liveness and readiness: /healthz answers while the process runs; /readyz answers 503 until the models and an
 * index are loaded (and again while shutting down, and while a replica loads the version another one made current),
 * so a load balancer only sends work that can be served. Its
 * 503 body says why (still loading, no intact index and what is damaged, shutting down); the log gets one line
 * per change of readiness, not one per probe (they come every second or so).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { NotReadyError } from '../src/errors.js';
import type { RouteContext } from '../src/http/context.js';
import { errorResponses, HealthBody } from '../src/http/schemas.js';

/** Registers GET /healthz and GET /readyz. */
const healthRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  // Probes arrive every few seconds: log them only when something is wrong.
  app.get('/healthz', {
    logLevel: 'warn',
    schema: { summary: 'Liveness', operationId: 'healthz', tags: ['operations'], security: [], response: { 200: HealthBody } },
  }, async () => ({ status: 'ok' }));

  let last: string | null = null; // the readiness last logged: '' for ready, else the reason
  app.get('/readyz', {
    logLevel: 'warn',
    schema: { summary: 'Readiness', operationId: 'readyz', tags: ['operations'], security: [], response: { 200: HealthBody, ...errorResponses(503) } },
  }, async (_request, reply) => {
    const why = whyNotReady(ctx);
    const state = why?.message ?? '';
    if (state !== last) {
      if (why) app.log.warn(`readyz 503: ${why.message}`);
      else if (last !== null) app.log.info('readyz 200: ready');
      last = state;
    }
    if (!why) return { status: 'ready' };
    // Sent here rather than thrown: the error handler would log every probe's 503.
    return (reply as FastifyReply).code(503).headers(why.headers).send({ error: { code: why.code, message: why.message } });
  });
};

/** The 503 /readyz answers, or undefined when ready. */
function whyNotReady(ctx: RouteContext): NotReadyError | undefined {
  if (ctx.generation.ready()) {
    try {
      ctx.index.describe();
      const behind = ctx.index.notCaughtUp();
      return behind === undefined ? undefined : new NotReadyError(behind, 1);
    } catch (err) {
      if (err instanceof NotReadyError) return err;
      throw err;
    }
  }
  return ctx.generation.notReady();
}

export default healthRoutes;
