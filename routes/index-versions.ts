/**
 * Index versions: GET /index/versions lists those on disk with their counts and creation times;
 * POST /index/versions/:version/activate (admin) serves one of them again (a roll back or forward) as a job.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkBearer } from '../src/http/auth.js';
import type { RouteContext } from '../src/http/context.js';
import { errorResponses, JobAccepted, JobStatus, VersionList, WaitQuery } from '../src/http/schemas.js';
import { replyWithJob } from '../src/http/job-reply.js';
import { versionsWire } from '../src/http/wire.js';

/** Registers GET /index/versions and POST /index/versions/:version/activate. */
const versionRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.get('/index/versions', {
    schema: {
      summary: 'The index versions on disk', operationId: 'listIndexVersions', tags: ['index'], security: [],
      response: { 200: VersionList },
    },
  }, async () => versionsWire(await ctx.index.versions()));

  app.post('/index/versions/:version/activate', {
    schema: {
      summary: 'Serve an existing index version again (admin)', operationId: 'activateIndexVersion', tags: ['index'],
      security: [{ bearerAuth: [] }],
      params: Type.Object({ version: Type.String({ minLength: 1 }) }),
      querystring: WaitQuery,
      response: { 200: JobStatus, 202: JobAccepted, ...errorResponses(401, 403, 404, 409, 500, 503) },
    },
    onRequest: async (request) => checkBearer(request.headers.authorization, ctx.config.adminToken),
  }, async (request, reply) => {
    const job = await ctx.index.activate(request.params.version);
    return replyWithJob(reply, ctx.index, job, request.query.wait);
  });
};

export default versionRoutes;
