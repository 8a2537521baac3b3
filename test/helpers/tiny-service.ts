/**
 * The service over the real engine and index manager on the toolchain's tiny bundle (`npm run fixtures` makes
 * onnx/build/tiny), each fixture passage uploaded as a document, or on another bundle and corpus; listens on an
 * ephemeral port, closes on teardown.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { createRagEngine } from '../../src/rag/rag-engine.js';
import { TEST_TOKEN } from './build-test-app.js';

export const TINY_BUNDLE = join(import.meta.dirname, '../../onnx/build/tiny');

/** The reference outputs the toolchain wrote beside the tiny bundle. */
export function tinyFixtures() {
  return JSON.parse(readFileSync(join(TINY_BUNDLE, 'fixtures.json'), 'utf8'));
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** What to serve: a bundle other than the tiny one, an index folder to keep, a corpus other than the fixture passages. */
export interface ServiceOptions {
  modelDir?: string;
  /** RAG_INDEX_DIR; by default a temporary folder removed on teardown. */
  indexDir?: string;
  /** The corpus built at first start (NDJSON); by default the tiny bundle's fixture passages. */
  corpus?: string;
}

/** Starts the service on the tiny bundle (or `options.modelDir`) and returns its URL. */
export async function startTinyService(t: Teardown, options: ServiceOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rag-http-real-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let corpus = options.corpus;
  if (corpus === undefined) {
    corpus = join(dir, 'corpus.jsonl');
    await writeFile(corpus, tinyFixtures().passages.map((p: { id: string; title: string; text: string }) =>
      JSON.stringify({ id: p.id, title: p.title, text: p.text })).join('\n') + '\n');
  }
  const modelDir = options.modelDir ?? TINY_BUNDLE;
  const config = loadConfig({ RAG_MODEL_DIR: modelDir, RAG_INDEX_DIR: options.indexDir ?? join(dir, 'index'), RAG_ADMIN_TOKEN: TEST_TOKEN });
  const indexManager = await IndexManager.open({ indexDir: config.indexDir, modelDir, demoCorpus: corpus, threads: 1 });
  const engine = await createRagEngine({ config, indexManager, logger: { warn: () => {} } });
  const app = await buildApp({ config, engine, indexManager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await indexManager.close();
  });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}
