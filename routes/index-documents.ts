/**
 * Changing documents without a rebuild: POST /index/documents (admin) adds or replaces documents by id, streamed as
 * NDJSON or `{"documents": [...]}` and checked like PUT /index; DELETE /index/documents (admin) deletes by id;
 * GET /index/documents/:id reads one back from the serving version. Changes run as jobs, as PUT /index builds do.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkBearer } from '../src/http/auth.js';
import type { RouteContext } from '../src/http/context.js';
import {
  corpusBody, DeleteDocumentsBody, errorResponses, JobAccepted, JobStatus, StoredDocumentSchema, WaitQuery,
} from '../src/http/schemas.js';
import { bodyStream, formatOf, streamedBody, uploadChecks } from '../src/http/streamed-upload.js';
import { replyWithJob } from '../src/http/job-reply.js';
import { documentWire } from '../src/http/wire.js';

const jobResponses = { 200: JobStatus, 202: JobAccepted };

/** POST /index/documents, in its own scope: its body reaches the handler as the raw request stream. */
const upsertRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.post('/index/documents', {
    schema: {
      summary: 'Add or replace documents by id (admin)', operationId: 'upsertDocuments', tags: ['index'],
      security: [{ bearerAuth: [] }],
      querystring: WaitQuery,
      body: corpusBody('one document per line: {"id", "title", "text"}'),
      response: { ...jobResponses, ...errorResponses(400, 401, 403, 409, 413, 415, 500, 503, 507) },
    },
    validatorCompiler: streamedBody,
    onRequest: uploadChecks(ctx),
  }, async (request, reply) => {
    const job = await ctx.index.upsert(bodyStream(request), formatOf(request.headers['content-type']));
    return replyWithJob(reply, ctx.index, job, request.query.wait);
  });
};

/** Registers POST, DELETE /index/documents and GET /index/documents/:id. */
const documentRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  await app.register(upsertRoute, ctx);

  app.delete('/index/documents', {
    schema: {
      summary: 'Delete documents by id (admin)', operationId: 'deleteDocuments', tags: ['index'],
      security: [{ bearerAuth: [] }],
      querystring: WaitQuery,
      body: DeleteDocumentsBody,
      response: { ...jobResponses, ...errorResponses(400, 401, 403, 409, 413, 415, 500, 503) },
    },
    onRequest: async (request) => checkBearer(request.headers.authorization, ctx.config.adminToken),
  }, async (request, reply) => {
    const job = await ctx.index.remove(request.body.ids);
    return replyWithJob(reply, ctx.index, job, request.query.wait);
  });

  app.get('/index/documents/:id', {
    schema: {
      summary: 'A document of the serving index', operationId: 'getDocument', tags: ['index'], security: [],
      params: Type.Object({ id: Type.String({ minLength: 1 }) }),
      response: { 200: StoredDocumentSchema, ...errorResponses(404, 503) },
    },
  }, async (request) => documentWire(await ctx.index.document(request.params.id)));
};

export default documentRoutes;
