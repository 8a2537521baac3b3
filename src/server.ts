/**
 * The process entry point: reads the configuration, starts listening at once (so /healthz answers and /readyz says
 * 503 while models and the index load), loads the index and the engine side by side, and closes with grace on
 * SIGTERM/SIGINT: stop accepting, finish in-flight work, release sessions and the index. The engine does not wait
 * for an index: with none intact it is loaded anyway, and a `PUT /index` makes the service ready without a restart.
 */
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { IndexAdmin } from './http/index-admin.js';
import { IndexManager } from './index/index-manager.js';
import type { RagEngine } from './rag/engine.js';
import { createRagEngine } from './rag/rag-engine.js';
import type { AnswerRequest, GenerationResult, JeopardyRequest } from './rag/types.js';

/** The demo corpus indexed when RAG_INDEX_DIR holds no version yet. */
const DEMO_CORPUS = fileURLToPath(new URL('../index-data/demo/foldoc.jsonl', import.meta.url));

/** Builds the engine over an index manager (started or not: the engine asks it for the index per request). */
export type EngineFactory<M> = (opts: { config: Config; indexManager: M; logger: Logger }) => Promise<RagEngine>;

/** What the server runs: by default the real IndexManager and the ONNX engine (`createRagEngine`). */
export interface Runtime<M extends IndexAdmin> {
  indexManager: M;
  makeEngine: EngineFactory<M>;
}

/** Stands in for the engine while it loads: not ready, and it refuses work, until `resolve` is called. */
class LoadingEngine implements RagEngine {
  private engine: RagEngine | undefined;

  resolve(engine: RagEngine): void {
    this.engine = engine;
  }

  ready(): boolean {
    return this.engine?.ready() ?? false;
  }

  device(): 'cpu' | 'cuda' | undefined {
    return this.engine?.device?.();
  }

  answer(req: AnswerRequest): Promise<GenerationResult> {
    return this.loaded().answer(req);
  }

  jeopardy(req: JeopardyRequest): Promise<GenerationResult> {
    return this.loaded().jeopardy(req);
  }

  async close(): Promise<void> {
    await this.engine?.close();
  }

  private loaded(): RagEngine {
    if (!this.engine) throw new Error('engine is not loaded');
    return this.engine;
  }
}

/** The production runtime: the index manager over RAG_INDEX_DIR and the ONNX engine over RAG_MODEL_DIR. */
function defaultRuntime(config: Config, logger: Logger): Runtime<IndexManager> {
  const indexManager = new IndexManager({
    indexDir: config.indexDir, modelDir: config.modelDir, demoCorpus: DEMO_CORPUS, device: config.device,
    keepVersions: config.keepVersions, search: config.search,
    replica: { id: config.replicaId, pollMs: config.indexPollMs, leaseMs: config.leaseMs },
    log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
  });
  const makeEngine: EngineFactory<IndexManager> = (opts) => createRagEngine(opts);
  return { indexManager, makeEngine };
}

/**
 * Starts the service: listens, then loads the index and the engine in the background, and installs the
 * SIGTERM/SIGINT handlers (a second signal exits at once). Resolves once listening.
 */
export async function startServer<M extends IndexAdmin>(config: Config, runtime?: Runtime<M>): Promise<void> {
  const logger = pino({ level: config.logLevel });
  if (runtime) await serve(config, runtime, logger);
  else await serve(config, defaultRuntime(config, logger), logger);
}

async function serve<M extends IndexAdmin>(config: Config, runtime: Runtime<M>, logger: Logger): Promise<void> {
  const { indexManager, makeEngine } = runtime;
  const engine = new LoadingEngine();
  const app = await buildApp({ config, engine, indexManager, logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    closing = true;
    logger.info(`${signal}: closing (in-flight requests finish first)`);
    try {
      await app.close();
      await indexManager.close();
      logger.info('closed');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while closing');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  // Keep serving /healthz and /metrics whatever fails here, so the failure is visible; /readyz says why.
  const index = indexManager.start().catch((err) => logger.error({ err }, 'index: start-up failed'));
  try {
    engine.resolve(await makeEngine({ config, indexManager, logger }));
  } catch (err) {
    logger.error({ err }, 'loading the models failed; the service is not ready');
  }
  await index;
  if (engine.ready()) {
    logger.info({ device: engine.device() }, `ready: models and index loaded, running on ${engine.device() ?? config.device}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await startServer(loadConfig());
  } catch (err) {
    console.error(err instanceof ConfigError ? `configuration: ${err.message}` : err);
    process.exit(1);
  }
}
