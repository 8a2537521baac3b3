/**
 * The index: GET /index describes the version serving; PUT /index (admin) uploads a whole new corpus as NDJSON or
 * `{"documents": [...]}` JSON and builds it as a job; GET /index/jobs/:id reports a build (of any replica sharing the
 * store).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteContext } from '../src/http/context.js';
import { BuildQuery, corpusBody, errorResponses, IndexDescriptionSchema, JobAccepted, JobStatus } from '../src/http/schemas.js';
import { bodyStream, formatOf, streamedBody, uploadChecks } from '../src/http/streamed-upload.js';
import { accepted, indexWire, jobWire } from '../src/http/wire.js';

const uploadSchema = {
  summary: 'Replace the corpus and build a new index version (admin)',
  operationId: 'replaceIndex',
  tags: ['index'],
  security: [{ bearerAuth: [] }],
  querystring: BuildQuery,
  body: corpusBody('one document per line: {"id"?, "title", "text"}'),
  response: {
    200: IndexDescriptionSchema,
    202: JobAccepted,
    ...errorResponses(400, 401, 403, 409, 413, 415, 500, 507),
  },
};

/** Registers GET /index, PUT /index and GET /index/jobs/:id. */
const indexRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  // Bodies reach the handler as the raw request stream, so the corpus is never buffered whole.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get('/index', {
    schema: {
      summary: 'Describe the index serving now', operationId: 'describeIndex', tags: ['index'], security: [],
      response: { 200: IndexDescriptionSchema, ...errorResponses(503) },
    },
  }, async () => indexWire(ctx.index.describe()));

  app.get('/index/jobs/:id', {
    schema: {
      summary: 'Status of an index build job', operationId: 'getIndexJob', tags: ['index'], security: [],
      params: Type.Object({ id: Type.String() }),
      response: { 200: JobStatus, ...errorResponses(404) },
    },
  }, async (request) => jobWire(await ctx.index.job(request.params.id)));

  app.put('/index', {
    schema: uploadSchema,
    validatorCompiler: streamedBody,
    onRequest: uploadChecks(ctx),
  }, async (request, reply) => {
    const kind = request.query.index_type === 'auto' ? undefined : request.query.index_type;
    const job = await ctx.index.replace(bodyStream(request), formatOf(request.headers['content-type']), kind);
    if (request.query.wait) return indexWire(await ctx.index.waitUntilServing(job));
    return reply.code(202).send(accepted(job));
  });
};

export default indexRoutes;
