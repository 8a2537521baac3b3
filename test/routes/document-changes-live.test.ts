/**
 * Documents added, replaced and deleted while clients ask questions, over the real engine and index manager on the
 * tiny bundle: no request fails, each answer's retrieved documents are exactly the live documents of the version
 * it names, a bad change leaves the serving version untouched, a restart serves the last version and a rollback
 * the earlier one. Each question retrieves every passage (n_docs above the corpus size), so that what is live can
 * be checked exactly even though the tiny bundle's random encoders rank passages arbitrarily.
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
import { tinyBundle } from '../helpers/toolchain-bundle.js';

const fixtures = JSON.parse(readFileSync(join(tinyBundle, 'fixtures.json'), 'utf8'));
const CLIENTS = 2;
const ALL = 50; // more than any version's passages: every live passage is retrieved

async function startService(indexDir: string, corpus: string) {
  const config = loadConfig({ RAG_MODEL_DIR: tinyBundle, RAG_INDEX_DIR: indexDir, RAG_ADMIN_TOKEN: TEST_TOKEN, RAG_MAX_CONCURRENT: '2' });
  const indexManager = await IndexManager.open({
    indexDir, modelDir: tinyBundle, demoCorpus: corpus, threads: 1, compaction: { maxSmallSegments: 2 },
  });
  const engine = await createRagEngine({ config, indexManager, logger: { warn: () => {} } });
  const app = await buildApp({ config, engine, indexManager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return { url, close: async () => { await app.close(); await indexManager.close(); } };
}

function admin(url: string, method: string, path: string, body: string, type = 'application/x-ndjson') {
  return fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': type }, body });
}

/**
 * Waits until no job runs (a compaction may follow a change: a deletion of an unknown id is refused with 409 until
 * then, and changes nothing after), and returns the version serving then.
 */
async function idle(url: string, job: { version?: string }): Promise<string> {
  for (let i = 0; i < 3000; i++) {
    const res = await admin(url, 'DELETE', '/index/documents?wait=true', JSON.stringify({ ids: ['no-such-id'] }), 'application/json');
    if (res.status === 200) return (await res.json()).version;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`a job kept running after version ${job.version}`);
}

t.test('documents change while clients ask: no failure, answers follow each change, restart and rollback', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-doc-changes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const corpus = join(dir, 'corpus.jsonl');
  const docs = fixtures.passages.slice(0, 8).map((p: { title: string; text: string }, i: number) => ({ id: `d${i}`, title: p.title, text: p.text }));
  await writeFile(corpus, docs.map((d: object) => JSON.stringify(d)).join('\n') + '\n');
  const indexDir = join(dir, 'index');
  const service = await startService(indexDir, corpus);
  const first = (await (await fetch(`${service.url}/index`)).json()).version;
  /** Live documents (id -> text) of each version. */
  const live = new Map<string, Map<string, string>>([[first, new Map(docs.map((d: { id: string; text: string }) => [d.id, d.text]))]]);

  let changing = true;
  const seen: { status: number; version?: string; docs?: [string, string][] }[] = [];
  const client = async (c: number) => {
    let after = 0;
    for (let i = 0; i < 300 && after < 2; i++) {
      if (!changing) after++;
      const res = await postJson(`${service.url}/answer`, {
        question: fixtures.questions[(c + i) % fixtures.questions.length].query, n_docs: ALL, num_beams: 1, max_new_tokens: 2,
      });
      seen.push({ status: res.status, version: res.json.index_version,
        docs: res.json.documents?.map((d: { doc_id: string; text: string }) => [d.doc_id, d.text]) });
    }
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

  const changes: { method: string; body: string; type?: string; apply: (m: Map<string, string>) => void }[] = [
    { method: 'POST', body: JSON.stringify({ id: 'new1', title: 'Added', text: 'an added document about electrons' }) + '\n',
      apply: (m) => m.set('new1', 'an added document about electrons') },
    { method: 'POST', body: JSON.stringify({ id: 'd2', title: 'Replaced', text: 'the replaced text of d2' }) + '\n',
      apply: (m) => m.set('d2', 'the replaced text of d2') },
    { method: 'DELETE', body: JSON.stringify({ ids: ['d5', 'new1', 'unknown'] }), type: 'application/json',
      apply: (m) => { m.delete('d5'); m.delete('new1'); } },
  ];
  let previous = first;
  for (const change of changes) {
    const res = await admin(service.url, change.method, '/index/documents?wait=true', change.body, change.type);
    t.equal(res.status, 200, `${change.method} /index/documents succeeds while serving`);
    const job = await res.json();
    const next = new Map(live.get(previous));
    change.apply(next);
    live.set(job.version, next);
    previous = await idle(service.url, job);
    live.set(previous, next); // a compaction's version has the live documents of the version it compacted
  }
  const before = (await (await fetch(`${service.url}/index`)).json()).version;
  const bad = await admin(service.url, 'POST', '/index/documents', '{"id":"z","title":"Z","text":"z"}\n{"id": oops}\n');
  t.equal(bad.status, 400);
  t.match((await bad.json()).error.message, /^line 2:/, 'a malformed line is named');
  const serving = (await (await fetch(`${service.url}/index`)).json()).version;
  changing = false;
  await load;

  t.same(seen.filter((r) => r.status !== 200), [], 'no request failed while documents changed');
  t.ok(seen.length >= CLIENTS * 3, `requests were served throughout (${seen.length})`);
  for (const r of seen) {
    t.same(new Map(r.docs), live.get(r.version!), `the documents retrieved are those live in version ${r.version}`);
  }
  t.ok(seen.slice(-CLIENTS).every((r) => new Map(r.docs).get('d2') === 'the replaced text of d2'), 'the last answers follow the changes');
  t.equal(serving, before, 'the bad change left the serving version as it was');

  await service.close();
  const restarted = await startService(indexDir, corpus);
  t.teardown(() => restarted.close());
  t.equal((await (await fetch(`${restarted.url}/index`)).json()).version, serving, 'a restart serves the last version');
  const rollback = await fetch(`${restarted.url}/index/versions/${first}/activate?wait=true`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` },
  });
  t.equal(rollback.status, 200);
  const answer = await postJson(`${restarted.url}/answer`, { question: 'who?', n_docs: ALL, num_beams: 1, max_new_tokens: 2 });
  t.equal(answer.json.index_version, first, 'a rollback serves the earlier version');
  t.same(new Map(answer.json.documents.map((d: { doc_id: string; text: string }) => [d.doc_id, d.text])), live.get(first));
  const versions = (await (await fetch(`${restarted.url}/index/versions`)).json()).versions;
  t.ok(versions.find((v: { version: string; current: boolean }) => v.version === first)?.current, 'GET /index/versions names the rolled-back version current');
});
