/**
 * GET /docs: Swagger UI over the OpenAPI document that @fastify/swagger builds from the route schemas;
 * GET /docs/json: that document.
 */
import type { FastifyPluginAsync } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';

/** Registers the Swagger UI under /docs (its routes are hidden from the document itself). */
const docsRoutes: FastifyPluginAsync = async (app) => {
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
};

export default docsRoutes;
