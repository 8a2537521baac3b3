/**
 * Damage that gets past the load (a version built before checksums were recorded) and pruning around damage, on a
 * real store (store-fixture.ts). Issue 23, failure 3 and the pruning rules.
 */
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { IndexDamagedError } from '../../src/errors.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { createRagEngine } from '../../src/rag/rag-engine.js';
import { postJson, waitFor } from '../helpers/build-test-app.js';
import { tinyBundle } from '../helpers/toolchain-bundle.js';
import { corpus, copyStore, logSink, type StoreCopy } from './store-fixture.js';

/** Drops the checksums from a version's manifest, as in a version built before they were recorded. */
function withoutChecksums(store: StoreCopy, version: string): void {
  const path = store.file(version, 'manifest.json');
  const { files: _files, ...manifest } = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify(manifest));
}

/**
 * Overwrites every vector of a flat index (its last rows x 32 floats) with +Infinity, the file keeping its size:
 * a query of mixed signs then scores NaN everywhere (no hit at all), an all-positive one +Infinity.
 */
function infiniteVectors(store: StoreCopy, version: string, rows: number): void {
  const path = store.file(version, 'index.faiss');
  const bytes = readFileSync(path);
  const vectors = new Float32Array(rows * 32).fill(Infinity);
  Buffer.from(vectors.buffer).copy(bytes, bytes.length - vectors.byteLength);
  writeFileSync(path, bytes);
}

const versionsOnDisk = (store: StoreCopy) => readdirSync(join(store.indexDir, 'versions')).sort();

t.test('NaN or infinite scores from an unverified version: /answer is a 503 index_damaged, then the older version answers', async (t) => {
  const store = await copyStore(t);
  withoutChecksums(store, store.newer);
  infiniteVectors(store, store.newer, 5);
  const sink = logSink();
  const indexManager = await IndexManager.open({ ...store.options, log: sink.log });
  t.equal(indexManager.describe()!.version, store.newer, 'it loads: nothing says it is damaged yet');
  t.ok(sink.lines.some((l) => l.includes(`version ${store.newer} records no checksums`)), 'the log says it is unverified');
  const config = loadConfig({ RAG_MODEL_DIR: tinyBundle, RAG_INDEX_DIR: store.indexDir });
  const engine = await createRagEngine({ config, indexManager, logger: { warn: () => {} } });
  const app = await buildApp({ config, engine, indexManager });
  t.teardown(async () => {
    await app.close();
    await indexManager.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const question = { question: 'memory network protocol', n_docs: 5, num_beams: 1, max_new_tokens: 2 };
  const damaged = await postJson(`${url}/answer`, question);
  t.equal(damaged.status, 503, 'not a 500');
  t.equal(damaged.json.error.code, 'index_damaged');
  t.match(damaged.json.error.message, `index version ${store.newer} is damaged`);
  t.ok(damaged.headers.get('retry-after'));
  await waitFor(() => indexManager.describe()?.version === store.older);
  t.match(readFileSync(store.file(store.newer, 'DAMAGED'), 'utf8'), /index\.faiss of version \S+ gave (no result|row \d+ with score)/);
  const index = await (await fetch(`${url}/index`)).json();
  t.match(index, { version: store.older, degraded: new RegExp(`version ${store.newer}: index\\.faiss .*serving version ${store.older}`) });
  const after = await postJson(`${url}/answer`, question);
  t.equal(after.status, 200);
  t.equal(after.json.index_version, store.older);
  t.equal((await fetch(`${url}/readyz`)).status, 200);
});

t.test('garbage rows of the same length in unverified passages: a 503 IndexDamagedError naming the version', async (t) => {
  const store = await copyStore(t);
  withoutChecksums(store, store.newer);
  const path = store.file(store.newer, 'passages.jsonl');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/[^\n]/g, '#'));
  const manager = new IndexManager(store.options);
  t.teardown(() => manager.close());
  await manager.start();
  // The warm-up read of row 0 already meets the garbage: the version never serves.
  t.equal(manager.describe()!.version, store.older);
  t.match(manager.describe()!.degraded, /passages\.jsonl row 0 is not valid JSON/);

  // Damage done while serving: a request meets it.
  const live = await copyStore(t);
  withoutChecksums(live, live.newer);
  const serving = await IndexManager.open(live.options);
  t.teardown(() => serving.close());
  const livePath = live.file(live.newer, 'passages.jsonl');
  writeFileSync(livePath, readFileSync(livePath, 'utf8').replace(/"text":"m/g, '"text":{m'));
  const handle = serving.acquire();
  await t.rejects(handle.passages([1]), new IndexDamagedError(live.newer));
  handle.release();
  await waitFor(() => serving.describe()?.version === live.older);
  t.match(readFileSync(live.file(live.newer, 'DAMAGED'), 'utf8'), /passages\.jsonl row 1 is not valid JSON/);
});

t.test('a damaged pointer stops pruning: nothing is deleted when a version is freed meanwhile', async (t) => {
  const store = await copyStore(t);
  withoutChecksums(store, store.newer);
  infiniteVectors(store, store.newer, 5);
  writeFileSync(join(store.indexDir, 'current'), 'not a version\n');
  const manager = await IndexManager.open({ ...store.options, keepVersions: 1 });
  t.teardown(() => manager.close());
  t.equal(manager.describe()!.version, store.newer, 'the newest version serves, degraded (its damage is not seen yet)');
  const handle = manager.acquire();
  t.throws(() => handle.search(new Float32Array(32).fill(0.1), 3), IndexDamagedError);
  handle.release(); // its last reference: freeing it runs pruning
  await waitFor(() => manager.describe()?.version === store.older);
  await new Promise((r) => setTimeout(r, 200));
  t.same(versionsOnDisk(store), [store.older, store.newer], 'keepVersions 1, yet nothing deleted under a damaged pointer');

  const upload = join(store.dir, 'gamma.ndjson');
  writeFileSync(upload, corpus('gamma', 2));
  const job = await manager.waitForJob(manager.startBuild(upload).id);
  // The build wrote a good pointer: from now on pruning runs again, keeping `keepVersions` (1) version.
  await waitFor(() => versionsOnDisk(store).length === 1);
  t.same(versionsOnDisk(store), [job.version]);
});

t.test('pruning removes damaged versions first and keeps the newest intact ones', async (t) => {
  const store = await copyStore(t);
  DAMAGE_MARK(store, store.newer);
  const manager = await IndexManager.open({ ...store.options, keepVersions: 2 });
  t.teardown(() => manager.close());
  t.equal(manager.describe()!.version, store.older, 'the older intact version serves');
  const upload = join(store.dir, 'gamma.ndjson');
  writeFileSync(upload, corpus('gamma', 2));
  const job = await manager.waitForJob(manager.startBuild(upload).id);
  await waitFor(() => versionsOnDisk(store).length === 2);
  t.same(versionsOnDisk(store), [store.older, job.version!].sort(), 'the damaged one went, the intact older one stayed');
});

/** Marks a version damaged the way the manager does. */
function DAMAGE_MARK(store: StoreCopy, version: string): void {
  writeFileSync(store.file(version, 'DAMAGED'), 'marked by the test\n');
}
