/**
 * Three replicas of the real service (child processes on loopback, the tiny bundle) share one index store while
 * clients ask questions round-robin. A corpus replaced through one replica and a document change sent to another
 * serve on every replica within 5 s; no request fails; every answer's documents are exactly the live documents of
 * the version it names. Then the replica holding the store's lease is killed with SIGKILL mid-build: the others
 * refuse to write (409 naming it) until its short lease expires, then build; its half-written version never serves,
 * and its job reads as interrupted from another replica. Each question retrieves every passage (n_docs above the
 * corpus size), so what is live can be checked exactly although the tiny bundle's random encoders rank arbitrarily.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { postJson, TEST_TOKEN, waitFor } from '../helpers/build-test-app.js';
import { startChildServer, waitForStatus, type ChildServer } from '../helpers/child-server.js';
import { loadTinyFixtures, tinyBundle } from '../helpers/toolchain-bundle.js';
import { corpus as bigCorpus } from '../index/store-fixture.js';

const fixtures = loadTinyFixtures();
const ALL = 50; // more than any version's passages: every live passage is retrieved
const LEASE_MS = 2_000;
const FOLLOW_WITHIN_MS = 5_000;

type Doc = { id: string; title: string; text: string };
const docsOf = (prefix: string, from: number, n: number): Doc[] =>
  fixtures.passages.slice(from, from + n).map((p, i) => ({ id: `${prefix}${i}`, title: p.title, text: p.text }));
const ndjson = (docs: Doc[]) => docs.map((d) => JSON.stringify(d)).join('\n') + '\n';
const liveOf = (docs: Doc[]) => new Map(docs.map((d) => [d.id, d.text]));

function admin(url: string, method: string, path: string, body: string) {
  return fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' }, body,
  });
}

const servingOn = async (url: string) => (await (await fetch(`${url}/index`)).json()).version as string;

/** Waits until every replica serves `version`; returns the milliseconds it took from `since`. */
async function allServe(urls: string[], version: string, since: number): Promise<number> {
  await waitFor(async () => (await Promise.all(urls.map(servingOn))).every((v) => v === version), 30_000);
  return Date.now() - since;
}

t.test('three replicas on one store follow every change, keep one writer, and survive a writer killed mid-build', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-replicas-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const indexDir = join(dir, 'index');
  const first = docsOf('a', 0, 6);
  await writeFile(join(dir, 'first.jsonl'), ndjson(first));
  const seed = await IndexManager.open({ indexDir, modelDir: tinyBundle, demoCorpus: join(dir, 'first.jsonl'), threads: 1 });
  const v0 = seed.describe()!.version;
  await seed.close();
  /** Live documents (id -> text) of each complete version. */
  const live = new Map([[v0, liveOf(first)]]);

  const servers: ChildServer[] = [0, 1, 2].map((i) => startChildServer({
    RAG_MODEL_DIR: tinyBundle, RAG_INDEX_DIR: indexDir, RAG_ADMIN_TOKEN: TEST_TOKEN, RAG_REPLICA_ID: `r${i}`,
    RAG_INDEX_POLL_MS: '200', RAG_LEASE_MS: String(LEASE_MS), RAG_WORKERS: '0', LOG_LEVEL: 'info',
  }));
  t.teardown(() => servers.forEach((s) => s.child.kill('SIGKILL')));
  const urls = await Promise.all(servers.map((s) => s.url));
  await Promise.all(urls.map((u) => waitForStatus(u, '/readyz')));
  t.same(await Promise.all(urls.map(servingOn)), [v0, v0, v0], 'every replica serves the store\'s version');
  t.same((await (await fetch(`${urls[1]}/index`)).json()).replica, 'r1', 'GET /index names the replica');

  // Clients ask round-robin over the replicas in `rotation` until told to stop.
  let rotation = [...urls];
  let asking = true;
  const seen: { status: number; replica: number; version?: string; docs?: [string, string][] }[] = [];
  const client = async (c: number) => {
    for (let i = c; asking; i++) {
      const url = rotation[i % rotation.length]!;
      const res = await postJson(`${url}/answer`, {
        question: fixtures.questions[i % fixtures.questions.length]!.query, n_docs: ALL, num_beams: 1, max_new_tokens: 2,
      });
      seen.push({ status: res.status, replica: urls.indexOf(url), version: res.json.index_version,
        docs: res.json.documents?.map((d: { doc_id: string; text: string }) => [d.doc_id, d.text]) });
    }
  };
  const load = Promise.all([0, 1].map(client));

  // A corpus replaced through r0.
  const second = docsOf('b', 6, 7);
  const put = await admin(urls[0]!, 'PUT', '/index?wait=true', ndjson(second));
  t.equal(put.status, 200, 'PUT /index through r0');
  const v1 = (await put.json()).version;
  live.set(v1, liveOf(second));
  const lag1 = await allServe(urls, v1, Date.now());
  t.ok(lag1 < FOLLOW_WITHIN_MS, `every replica serves the new corpus within 5 s (${lag1} ms)`);

  // A document change sent to r1.
  const changed = { id: 'b2', title: 'Replaced', text: 'the replaced text of b2' };
  const added = { id: 'n1', title: 'Added', text: 'an added document about electrons' };
  const post = await admin(urls[1]!, 'POST', '/index/documents?wait=true', ndjson([changed, added]));
  t.equal(post.status, 200, 'POST /index/documents through r1');
  const v2 = (await post.json()).version;
  live.set(v2, new Map([...liveOf(second), [changed.id, changed.text], [added.id, added.text]]));
  const lag2 = await allServe(urls, v2, Date.now());
  t.ok(lag2 < FOLLOW_WITHIN_MS, `every replica serves the change within 5 s (${lag2} ms)`);
  const metrics = await (await fetch(`${urls[2]}/metrics`)).text();
  t.match(metrics, `rag_replica_index_version{replica="r2",version="${v2}",store_version="${v2}"} 1`);
  t.match(metrics, /rag_replica_versions_followed_total 2/, 'r2 followed both versions written elsewhere');

  // r2 builds a large corpus, and is killed while it embeds.
  const big = await admin(urls[2]!, 'PUT', '/index', bigCorpus('big', 800));
  t.equal(big.status, 202);
  const { job_id: bigJob } = await big.json();
  await waitFor(async () => {
    const job = await (await fetch(`${urls[0]}/index/jobs/${bigJob}`)).json();
    return job.state === 'running';
  }, 30_000);
  t.pass('r2\'s job is visible from r0 while it runs');
  const refused = await admin(urls[0]!, 'PUT', '/index', ndjson(first));
  t.equal(refused.status, 409, 'another replica cannot write while r2 holds the lease');
  t.match((await refused.json()).error, { code: 'conflict', message: /^replica r2 has been writing the index store since \d{4}-/ });
  rotation = [urls[0]!, urls[1]!];
  await new Promise((r) => setTimeout(r, 200)); // requests already sent to r2 come back
  servers[2]!.child.kill('SIGKILL');
  await servers[2]!.exited;
  const killedAt = Date.now();

  // Once the lease expires r0 can build.
  const third = docsOf('c', 13, 5);
  let rebuilt: Response;
  for (;;) {
    rebuilt = await admin(urls[0]!, 'PUT', '/index?wait=true', ndjson(third));
    if (rebuilt.status !== 409) break;
    t.ok(Date.now() - killedAt < LEASE_MS + 5_000, 'refused only until the dead replica\'s lease expires');
    await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(rebuilt.status, 200, 'r0 builds once the killed replica\'s lease has expired');
  t.ok(Date.now() - killedAt >= LEASE_MS - 1_000, 'not before the lease could have expired');
  const v3 = (await rebuilt.json()).version;
  live.set(v3, liveOf(third));
  const lag3 = await allServe(rotation, v3, Date.now());
  t.ok(lag3 < FOLLOW_WITHIN_MS, `the live replicas serve it within 5 s (${lag3} ms)`);
  t.match(await (await fetch(`${urls[1]}/index/jobs/${bigJob}`)).json(), { state: 'failed', error: 'interrupted' },
    'the killed replica\'s job reads as interrupted from another replica');
  await new Promise((r) => setTimeout(r, 300));
  asking = false;
  await load;

  t.same(seen.filter((r) => r.status !== 200), [], 'no request failed');
  t.ok(seen.length >= 20, `requests were served throughout (${seen.length})`);
  t.same([...new Set(seen.map((r) => r.replica))].sort(), [0, 1, 2], 'every replica answered');
  for (const r of seen) {
    t.ok(live.has(r.version!), `version ${r.version} is a complete one`);
    t.same(new Map(r.docs), live.get(r.version!), `the documents retrieved are those live in version ${r.version}`);
  }
  t.same(new Set(seen.map((r) => r.version)), new Set([v0, v1, v2, v3]), 'answers came from every version in turn');
  t.same(readdirSync(join(indexDir, 'versions')).filter((v) => !live.has(v)), [], 'no half-written version in versions/');
  for (const url of rotation) t.equal((await fetch(`${url}/readyz`)).status, 200);
});
