/**
 * GET /metrics: Prometheus text exposition of the app's registry.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteContext } from '../src/http/context.js';

/** Registers GET /metrics. */
const metricsRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get('/metrics', {
    logLevel: 'warn', // scraped every few seconds
    schema: {
      summary: 'Prometheus metrics', operationId: 'metrics', tags: ['operations'], security: [],
      response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } },
    },
  }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
};

export default metricsRoute;
