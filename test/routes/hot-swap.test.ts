/**
 * The paper's point served live: PUT /index swaps the whole corpus while /answer runs under concurrent load, with
 * no failed request, answers that follow the new corpus once it serves, and the swapped version kept across a
 * restart. Real engine and index manager on the toolchain's tiny bundle (`npm run fixtures`).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { createRagEngine } from '../../src/rag/rag-engine.js';
import { postJson, TEST_TOKEN } from '../helpers/build-test-app.js';

const BUNDLE = join(import.meta.dirname, '../../onnx/build/tiny');
const fixtures = JSON.parse(readFileSync(join(BUNDLE, 'fixtures.json'), 'utf8'));
const CLIENTS = 3;

async function startService(indexDir: string, corpus: string) {
  const config = loadConfig({ RAG_MODEL_DIR: BUNDLE, RAG_INDEX_DIR: indexDir, RAG_ADMIN_TOKEN: TEST_TOKEN, RAG_MAX_CONCURRENT: '2' });
  const indexManager = await IndexManager.open({ indexDir, modelDir: BUNDLE, demoCorpus: corpus, threads: 1 });
  const engine = await createRagEngine({ config, indexManager, logger: { warn: () => {} } });
  const app = await buildApp({ config, engine, indexManager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return { url, indexManager, close: async () => { await app.close(); await indexManager.close(); } };
}

t.test('PUT /index under concurrent /answer load: no failures, answers follow the new corpus, restarts keep it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-hot-swap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const corpusA = join(dir, 'a.jsonl');
  await writeFile(corpusA, fixtures.passages.map((p: { id: string; title: string; text: string }) =>
    JSON.stringify({ id: `a-${p.id}`, title: p.title, text: p.text })).join('\n') + '\n');
  const corpusB = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify({ id: `b-${i}`, title: `Swapped ${i}`, text: `In version B, entry ${i} was designed by person ${i} at lab ${i}.` }))
    .join('\n') + '\n';
  const indexDir = join(dir, 'index');
  const service = await startService(indexDir, corpusA);
  const versionA = (await (await fetch(`${service.url}/index`)).json()).version;

  let swapping = true;
  const seen: { status: number; version?: string; docs?: string[] }[] = [];
  const client = async (c: number) => {
    // Bounded: each client stops once the swap is done and it has sent two more requests, or after 200 requests.
    let after = 0;
    for (let i = 0; i < 200 && after < 2; i++) {
      if (!swapping) after++;
      const res = await postJson(`${service.url}/answer`, {
        question: fixtures.questions[(c + i) % fixtures.questions.length].query, n_docs: 2, num_beams: 1, max_new_tokens: 3,
      });
      seen.push({ status: res.status, version: res.json.index_version,
        docs: res.json.documents?.map((d: { doc_id: string }) => d.doc_id) });
    }
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const put = await fetch(`${service.url}/index?wait=true`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' }, body: corpusB,
  });
  const versionB = (await put.json()).version;
  swapping = false;
  await load;

  t.equal(put.status, 200, 'the swap completes while serving');
  t.not(versionB, versionA);
  t.same(seen.filter((r) => r.status !== 200), [], 'no request failed during the swap');
  t.ok(seen.length >= CLIENTS * 3, `requests were served throughout (${seen.length})`);
  for (const r of seen) {
    const prefix = r.version === versionA ? 'a-' : 'b-';
    t.ok([versionA, versionB].includes(r.version!), 'each answer names the version it was served from');
    t.ok(r.docs!.every((d) => d.startsWith(prefix)), `documents come from the version named (${r.version})`);
  }
  const lastOfEach = seen.slice(-CLIENTS);
  t.ok(lastOfEach.every((r) => r.version === versionB), 'after the swap, answers come from the new corpus');

  await service.close();
  const restarted = await startService(indexDir, corpusA);
  t.teardown(() => restarted.close());
  t.equal((await (await fetch(`${restarted.url}/index`)).json()).version, versionB, 'a restart keeps the swapped index');
  const answer = await postJson(`${restarted.url}/answer`, { question: 'who designed entry 3?', n_docs: 2, max_new_tokens: 3 });
  t.ok(answer.json.documents.every((d: { doc_id: string }) => d.doc_id.startsWith('b-')));
});
