/**
 * The index: GET /index describes the version serving; PUT /index (admin) uploads a whole new corpus as NDJSON or
 * `{"documents": [...]}` JSON and builds it as a job; GET /index/jobs/:id reports a build.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../src/errors.js';
import { checkBearer } from '../src/http/auth.js';
import type { RouteContext } from '../src/http/context.js';
import type { CorpusFormat } from '../src/http/corpus-upload.js';
import { errorResponses, IndexDescriptionSchema, JobAccepted, JobStatus, UploadDocument } from '../src/http/schemas.js';
import { indexWire, jobWire } from '../src/http/wire.js';

const MEDIA: Record<string, CorpusFormat> = { 'application/x-ndjson': 'ndjson', 'application/json': 'json' };

/** The upload body is validated line by line while it streams (corpus-upload.ts), not by a schema compiler. */
const streamedBody: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (value) => ({ value }) : TypeBoxValidatorCompiler(route as never);

function formatOf(contentType: string | undefined): CorpusFormat {
  const mime = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const format = MEDIA[mime];
  if (!format) throw new UnsupportedMediaTypeError(Object.keys(MEDIA));
  return format;
}

const uploadSchema = {
  summary: 'Replace the corpus and build a new index version (admin)',
  operationId: 'replaceIndex',
  tags: ['index'],
  security: [{ bearerAuth: [] }],
  querystring: Type.Object({
    wait: Type.Optional(Type.Boolean({ description: 'answer 200 once the new index serves, instead of 202 at once' })),
  }),
  body: {
    content: {
      'application/x-ndjson': { schema: Type.String({ description: 'one document per line: {"id"?, "title", "text"}' }) },
      'application/json': { schema: Type.Object({ documents: Type.Array(UploadDocument) }) },
    },
  },
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
  }, async (request) => jobWire(ctx.index.job(request.params.id)));

  app.put('/index', {
    schema: uploadSchema,
    validatorCompiler: streamedBody,
    onRequest: async (request) => {
      // Authentication comes first: nothing about the body is looked at for an unauthorized caller.
      checkBearer(request.headers.authorization, ctx.config.adminToken);
      const format = formatOf(request.headers['content-type']);
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > ctx.config.maxUploadBytes) throw new PayloadTooLargeError(ctx.config.maxUploadBytes);
      request.log.info({ format, declaredBytes: declared }, 'index upload');
    },
  }, async (request, reply) => {
    const body = request.body instanceof Readable ? request.body : Readable.from([]);
    const job = await ctx.index.replace(body, formatOf(request.headers['content-type']));
    if (request.query.wait) return indexWire(await ctx.index.waitUntilServing(job));
    return reply.code(202).send({ job_id: job.id, status_url: `/index/jobs/${job.id}` });
  });
};

export default indexRoutes;
