/**
 * Damaged files and pointers at start-up, on a real store (store-fixture.ts): what serves, what stays on disk and
 * what a client is told. Issue 23, failures 1 and 2.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { corpus, copyStore, DAMAGE, logSink } from './store-fixture.js';

const FILES = ['index.faiss', 'passages.jsonl', 'passages.offsets', 'manifest.json'];

for (const name of FILES) {
  for (const [how, damage] of Object.entries(DAMAGE)) {
    t.test(`${how} ${name} of the current version: the older intact version serves, degraded, naming the file`, async (t) => {
      const store = await copyStore(t);
      damage(store.file(store.newer, name));
      const sink = logSink();
      const manager = new IndexManager({ ...store.options, log: sink.log });
      t.teardown(() => manager.close());
      await manager.start();
      t.ok(manager.ready(), 'ready');
      const d = manager.describe()!;
      t.equal(d.version, store.older, 'the newest intact version serves');
      t.match(d.degraded, new RegExp(`version ${store.newer}: .*${name.replace('.', '\\.')}.*serving version ${store.older}, the newest intact one`));
      t.ok(sink.lines.some((l) => l.startsWith('warn') && l.includes(name) && l.includes('damaged')), 'the log names the file');
      t.equal(readFileSync(join(store.indexDir, 'current'), 'utf8').trim(), store.newer, 'current is left as it was');
      t.same(readdirSync(join(store.indexDir, 'versions')).sort(), [store.older, store.newer].sort(), 'nothing deleted, no demo built');
      t.match(readFileSync(store.file(store.newer, 'DAMAGED'), 'utf8'), name, 'the damaged version is marked, with the reason');
      const handle = manager.acquire();
      const [hits] = handle.search(new Float32Array(d.dimension).fill(0.1), 2);
      t.match((await handle.passages(hits.map((h) => h.row)))[0].docId, /^alpha/, 'answers come from the older corpus');
      handle.release();
    });
  }
}

t.test('a marked version is skipped at the next start without being read again', async (t) => {
  const store = await copyStore(t);
  DAMAGE.scramble(store.file(store.newer, 'index.faiss'));
  await (await IndexManager.open(store.options)).close();
  const sink = logSink();
  const again = await IndexManager.open({ ...store.options, log: sink.log });
  t.teardown(() => again.close());
  t.equal(again.describe()!.version, store.older);
  t.match(again.describe()!.degraded, `version ${store.newer} is marked damaged (`);
  rmSync(store.file(store.newer, 'DAMAGED'));
  t.ok(existsSync(store.file(store.older, 'manifest.json')));
});

const POINTERS: Record<string, (indexDir: string, s: { newer: string }) => RegExp> = {
  garbage: (dir) => {
    writeFileSync(join(dir, 'current'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0a]));
    return /current holds .*, not an index version name/;
  },
  'a missing target': (dir, s) => {
    rmSync(join(dir, 'versions', s.newer), { recursive: true });
    return /current names version \S+, whose folder .* is missing/;
  },
  empty: (dir) => {
    writeFileSync(join(dir, 'current'), '');
    return /current holds "", not an index version name/;
  },
};

for (const [what, breakPointer] of Object.entries(POINTERS)) {
  t.test(`current holding ${what}: the newest intact version serves, degraded; the demo is not built`, async (t) => {
    const store = await copyStore(t);
    const expected = breakPointer(store.indexDir, store);
    const before = readdirSync(join(store.indexDir, 'versions')).sort();
    const sink = logSink();
    const manager = await IndexManager.open({ ...store.options, log: sink.log });
    t.teardown(() => manager.close());
    const d = manager.describe()!;
    t.equal(d.version, before.at(-1), 'the newest intact version');
    t.match(d.degraded, expected);
    t.ok(sink.lines.some((l) => l.startsWith('warn') && expected.test(l)), 'the log names the pointer file');
    t.same(readdirSync(join(store.indexDir, 'versions')).sort(), before, 'no version built or deleted');
  });
}

t.test('no intact version: not ready, saying why; a build makes it ready without a restart', async (t) => {
  const store = await copyStore(t);
  DAMAGE.truncate(store.file(store.newer, 'passages.jsonl'));
  DAMAGE.delete(store.file(store.older, 'index.faiss'));
  const manager = new IndexManager(store.options);
  t.teardown(() => manager.close());
  await manager.start();
  t.notOk(manager.ready());
  t.equal(manager.describe(), undefined);
  const why = manager.unavailable()!;
  t.match(why, /^no intact index version in .*passages\.jsonl has \d+ bytes; the manifest says \d+.*index\.faiss is missing.*; PUT \/index to build one$/);
  t.throws(() => manager.acquire(), { statusCode: 503, message: why });
  t.same(readdirSync(join(store.indexDir, 'versions')).sort(), [store.older, store.newer].sort(), 'no demo built');

  const upload = join(store.dir, 'fresh.ndjson');
  writeFileSync(upload, corpus('fresh', 3));
  const job = await manager.waitForJob(manager.startBuild(upload).id);
  t.equal(job.state, 'succeeded', job.error ?? 'built');
  t.ok(manager.ready(), 'ready without a restart');
  t.equal(manager.unavailable(), undefined);
  t.match(manager.describe(), { version: job.version, documents: 3 });
  t.equal(manager.describe()!.degraded, undefined, 'a build that serves clears degraded');
});

t.test('a pointer naming nothing in a store with no versions is not an empty store: no demo', async (t) => {
  const store = await copyStore(t);
  rmSync(join(store.indexDir, 'versions'), { recursive: true });
  const manager = new IndexManager(store.options);
  t.teardown(() => manager.close());
  await manager.start();
  t.notOk(manager.ready());
  t.match(manager.unavailable(), /current names version .* is missing; PUT \/index to build one/);
  t.notOk(existsSync(join(store.indexDir, 'versions')), 'nothing was built');
});

t.test('a store without current but with versions serves the newest, degraded, instead of building the demo', async (t) => {
  const store = await copyStore(t);
  rmSync(join(store.indexDir, 'current'));
  const manager = await IndexManager.open(store.options);
  t.teardown(() => manager.close());
  t.equal(manager.describe()!.version, store.newer);
  t.match(manager.describe()!.degraded, /current is missing; serving version/);
  t.equal(readdirSync(join(store.indexDir, 'versions')).length, 2);
});
