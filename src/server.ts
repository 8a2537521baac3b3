/**
 * The process entry point: reads the configuration, starts listening at once (so /healthz answers and /readyz says
 * 503 while models and the index load), loads the index and the engine, and closes with grace on SIGTERM/SIGINT:
 * stop accepting, finish in-flight work, release sessions and the index.
 */
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { IndexManager } from './index/index-manager.js';
import type { RagEngine } from './rag/engine.js';
import type { AnswerRequest, GenerationResult, JeopardyRequest } from './rag/types.js';

/** The demo corpus indexed when RAG_INDEX_DIR holds no version yet. */
const DEMO_CORPUS = fileURLToPath(new URL('../index-data/demo/foldoc.jsonl', import.meta.url));

/** Builds the real engine over a loaded index; the module that provides it is the engine's own. */
export type EngineFactory = (opts: { config: Config; indexManager: IndexManager; logger: Logger }) => Promise<RagEngine>;

/** Stands in for the engine while it loads: not ready, and it refuses work, until `resolve` is called. */
class LoadingEngine implements RagEngine {
  private engine: RagEngine | undefined;

  resolve(engine: RagEngine): void {
    this.engine = engine;
  }

  ready(): boolean {
    return this.engine?.ready() ?? false;
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

async function loadEngineFactory(): Promise<EngineFactory> {
  // The engine module is written by another part of the project; it must export `createRagEngine`.
  const specifier = './rag/rag-engine.js';
  const mod = (await import(specifier)) as { createRagEngine?: EngineFactory };
  if (typeof mod.createRagEngine !== 'function') throw new Error(`${specifier} does not export createRagEngine`);
  return mod.createRagEngine;
}

/** Starts the service with `config`; resolves once listening. Models and index load in the background. */
export async function startServer(config: Config, makeEngine?: EngineFactory): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const indexManager = new IndexManager({
    indexDir: config.indexDir, modelDir: config.modelDir, demoCorpus: DEMO_CORPUS, device: config.device,
    log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
  });
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
  try {
    await indexManager.start();
    engine.resolve(await (makeEngine ?? (await loadEngineFactory()))({ config, indexManager, logger }));
    logger.info('ready: models and index loaded');
  } catch (err) {
    // Keep serving /healthz and /metrics so the failure is visible; /readyz stays 503.
    logger.error({ err }, 'loading models or index failed; the service is not ready');
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
