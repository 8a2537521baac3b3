/**
 * The event loop stays free while the models work: on the demo bundle (4 layers of width 256), with the models in
 * worker threads (RAG_WORKERS), `GET /healthz` keeps answering while one streamed answer over 30 passages runs its
 * question encoder, the generator's encoder over the 30 inputs and its first decoder step. Progress is counted,
 * not timed: probes answered before the first token event. With RAG_WORKERS=0 the same count was 11 here (each
 * onnxruntime run holds the loop), so the test fails without the pool.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { countPassages } from '../../src/index/passages.js';
import { createRagEngine } from '../../src/rag/rag-engine.js';

const DEMO = join(import.meta.dirname, '../../onnx/demo');
const CORPUS = join(import.meta.dirname, '../../index-data/demo/foldoc.jsonl');
const N_DOCS = 30;

/** The first documents of the demo corpus that make at least `passages` passages, as NDJSON. */
function corpusOf(passages: number): string {
  const chosen: string[] = [];
  let count = 0;
  for (const line of readFileSync(CORPUS, 'utf8').split('\n')) {
    if (count >= passages) break;
    if (!line.trim()) continue;
    count += countPassages((JSON.parse(line) as { text: string }).text);
    chosen.push(line);
  }
  return chosen.join('\n') + '\n';
}

t.test('GET /healthz keeps answering while the model workers encode 30 passages for a streamed answer', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-event-loop-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'corpus.jsonl'), corpusOf(N_DOCS));
  const config = loadConfig({ RAG_MODEL_DIR: DEMO, RAG_INDEX_DIR: join(dir, 'index'), RAG_WORKERS: '1', RAG_ONNX_THREADS: '1' });
  const indexManager = await IndexManager.open({ indexDir: config.indexDir, modelDir: DEMO, demoCorpus: join(dir, 'corpus.jsonl'), threads: 1 });
  const engine = await createRagEngine({ config, indexManager, logger: { warn: () => {} } });
  const app = await buildApp({ config, engine, indexManager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => { await app.close(); await indexManager.close(); });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  let probes = 0;
  let probesAtFirstToken: number | undefined;
  let answered = false;
  const probing = (async () => {
    while (!answered) {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      if (res.statusCode !== 200) throw new Error(`/healthz answered ${res.statusCode}`);
      probes++;
      // inject needs no I/O: without a turn of the loop here, the probes alone would hold it.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const res = await fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'what is a programming language?', n_docs: N_DOCS, num_beams: 1, max_new_tokens: 4, stream: true }),
  });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (probesAtFirstToken === undefined && text.includes('event: token')) probesAtFirstToken = probes;
  }
  answered = true;
  await probing;
  const done = JSON.parse(text.trim().split('\n\n').at(-1)!.split('data: ')[1]!);
  t.equal(done.documents.length, N_DOCS, `the answer read ${N_DOCS} passages`);
  t.ok(probesAtFirstToken !== undefined, 'a token event came');
  t.ok(probesAtFirstToken! >= 100, `${probesAtFirstToken} health probes were answered before the first token`);
});
