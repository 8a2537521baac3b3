/**
 * Liveness and readiness: /healthz answers while the process runs; /readyz answers 503 until the models and an
 * index are loaded (and again while shutting down), so a load balancer only sends work that can be served.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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

  app.get('/readyz', {
    logLevel: 'warn',
    schema: { summary: 'Readiness', operationId: 'readyz', tags: ['operations'], security: [], response: { 200: HealthBody, ...errorResponses(503) } },
  }, async () => {
    if (!ctx.generation.ready()) throw new NotReadyError();
    ctx.index.describe();
    return { status: 'ready' };
  });
};

export default healthRoutes;
