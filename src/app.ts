/**
 * Builds the HTTP app as a plugin tree, in the order of Fastify's app template: third-party plugins (OpenAPI),
 * the app's own services and hooks, then `routes/`. `server.ts` only listens; tests build the same app.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { NotReadyError } from './errors.js';
import type { RagEngine } from './rag/engine.js';
import type { RouteContext } from './http/context.js';
import { installErrorHandler } from './http/error-handler.js';
import { GenerationService } from './http/generation-service.js';
import type { IndexAdmin } from './http/index-admin.js';
import { IndexService } from './http/index-service.js';
import { InFlight } from './http/in-flight.js';
import { uploadsDir } from './index/index-store.js';
import { Metrics } from './http/metrics.js';
import { registerReplicaMetrics } from './http/replica-metrics.js';
import { uploadPrefix } from './index/replica-records.js';
import { Permits } from './http/permits.js';
import answerRoute from '../routes/answer.js';
import docsRoutes from '../routes/docs.js';
import healthRoutes from '../routes/health.js';
import indexRoutes from '../routes/index.js';
import documentRoutes from '../routes/index-documents.js';
import versionRoutes from '../routes/index-versions.js';
import jeopardyRoute from '../routes/jeopardy.js';
import metricsRoute from '../routes/metrics.js';
import playgroundRoutes from '../routes/playground.js';

/** What the app is built from. */
export interface AppDeps {
  config: Config;
  engine: RagEngine;
  indexManager: IndexAdmin;
  /** A pino logger; without one the app does not log. */
  logger?: FastifyBaseLogger;
  /** Fastify's `pluginTimeout` (default 10 s; 0: none): a benchmark on a starved, shared machine needs longer. */
  pluginTimeoutMs?: number;
}

function openApiInfo() {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'RAG service',
        description: 'Retrieval-Augmented Generation (Lewis et al., 2020): DPR retrieval over FAISS and BART '
          + 'generation with RAG-Token or RAG-Sequence marginalization.',
        version: '0.1.0',
        license: { name: 'MIT' },
      },
      servers: [{ url: '/', description: 'this server' }],
      components: { securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer' } } },
    },
  };
}

/** Records every response's latency by route, method and status (hijacked event streams included). */
function installRequestTracking(app: FastifyInstance, metrics: Metrics, inFlight: InFlight): void {
  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    const done = inFlight.begin();
    reply.raw.once('close', () => {
      done();
      const status = reply.raw.writableFinished ? String(reply.raw.statusCode) : '499';
      metrics.requestDuration.observe(
        { route: request.routeOptions.url ?? 'unmatched', method: request.method, status },
        (performance.now() - started) / 1000,
      );
    });
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}

/**
 * Graceful close: refuse new work with 503 (reads still answer), let in-flight requests
 * finish within the grace period, then cut what is left (idle keep-alive sockets, connections that never sent a
 * request, anything past the grace period) so the close cannot hang; finally release the engine.
 */
function installGracefulClose(app: FastifyInstance, deps: AppDeps, generation: GenerationService,
  inFlight: InFlight): void {
  // Fastify's own 503 while closing has another body shape, so refusing new work is done here: reads still
  // answer (probes, metrics, job status) while the drain runs, anything that would start work gets 503.
  app.addHook('onRequest', async (request) => {
    if (generation.shuttingDown && request.method !== 'GET' && request.method !== 'HEAD') {
      throw new NotReadyError('the server is shutting down', 1);
    }
  });
  app.addHook('preClose', async () => {
    generation.stopAccepting();
    const drained = await inFlight.drain(deps.config.shutdownGraceMs);
    if (!drained) app.log.warn(`closing with ${inFlight.size} requests still open after the grace period`);
    app.server.closeAllConnections();
  });
  app.addHook('onClose', async () => {
    await deps.engine.close();
  });
}

/** Builds (but does not start) the app. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.maxBodyBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: false,
    ...(deps.pluginTimeoutMs !== undefined ? { pluginTimeout: deps.pluginTimeoutMs } : {}),
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  await app.register(swagger, openApiInfo());

  const metrics = new Metrics(() => deps.indexManager.describe());
  registerReplicaMetrics(metrics.registry, () => deps.indexManager.replicaStatus?.());
  const permits = new Permits({
    maxConcurrent: config.maxConcurrent, maxQueue: config.maxQueue, queueTimeoutMs: config.queueTimeoutMs,
    onQueueDepth: (depth) => metrics.queueSize.set(depth),
    onWait: (seconds) => metrics.queueWait.observe(seconds),
  });
  const generation = new GenerationService(deps.engine, permits, metrics, () => deps.indexManager.unavailable());
  const index = new IndexService({
    admin: deps.indexManager, metrics, uploadDir: uploadsDir(config.indexDir), uploadPrefix: uploadPrefix(config.replicaId),
    maxUploadBytes: config.maxUploadBytes, device: () => deps.engine.device?.(),
  });
  installErrorHandler(app);
  const inFlight = new InFlight();
  installRequestTracking(app, metrics, inFlight);
  installGracefulClose(app, deps, generation, inFlight);

  const ctx: RouteContext = { config, generation, index, metrics };
  await app.register(answerRoute, ctx);
  await app.register(jeopardyRoute, ctx);
  await app.register(indexRoutes, ctx);
  await app.register(documentRoutes, ctx);
  await app.register(versionRoutes, ctx);
  await app.register(healthRoutes, ctx);
  await app.register(metricsRoute, ctx);
  await app.register(docsRoutes);
  await app.register(playgroundRoutes);
  return app;
}
