import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildConflictError } from '../../src/index/build-jobs.js';
import { IndexManager, type IndexManagerOptions } from '../../src/index/index-manager.js';
import type { IndexAdmin } from '../../src/http/index-admin.js';
import { NotReadyError } from '../../src/errors.js';
import { readCurrent } from '../../src/index/index-store.js';
import { tinyBundle, tinyDimension } from '../helpers/toolchain-bundle.js';

const modelDir = tinyBundle;
const DIM = tinyDimension();

function corpusLines(prefix: string, n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, title: `${prefix} ${i}`, text: `memory network ${prefix} protocol ${i} `.repeat(8) }),
  ).join('\n') + '\n';
}

function setup(t: { teardown: (f: () => void) => void }): IndexManagerOptions & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'manager-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const demoCorpus = join(dir, 'demo.jsonl');
  writeFileSync(demoCorpus, corpusLines('demo', 6));
  return { dir, indexDir: join(dir, 'index'), modelDir, demoCorpus, device: 'cpu', threads: 1 };
}

function upload(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

t.test('an empty index directory is filled from the demo corpus, and the version survives a restart', async (t) => {
  const opts = setup(t);
  const before = new IndexManager(opts);
  t.notOk(before.ready());
  t.throws(() => before.acquire(), NotReadyError);
  t.equal(before.describe(), undefined);
  await before.start();
  const d = before.describe()!;
  t.match(d, { documents: 6, passages: 6, dimension: DIM, indexType: 'IndexFlatIP', model: /^tiny@[0-9a-f]{12}$/ });
  t.match(d.builtAt, /^\d{4}-\d\d-\d\dT/);
  t.equal(readFileSync(join(opts.indexDir, 'current'), 'utf8').trim(), d.version);
  t.same(readdirSync(join(opts.indexDir, 'versions')), [d.version]);
  await before.close();

  const after = await IndexManager.open({ ...opts, demoCorpus: join(opts.dir, 'missing.jsonl') });
  t.equal(after.describe()!.version, d.version, 'reopened without rebuilding');
  await after.close();

  // Embedded by another context encoder than the bundle's (as after a bundle update): it serves at once, while a
  // job embeds its stored passages again; the new version has the same passages and the bundle's encoder checksum.
  const manifestPath = join(opts.indexDir, 'versions', d.version, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, ctx_encoder_sha256: '0'.repeat(64) }));
  const warnings: string[] = [];
  const changed = await IndexManager.open({ ...opts, log: { info: () => {}, warn: (m) => warnings.push(m) } });
  t.teardown(() => changed.close());
  t.equal(changed.describe()!.version, d.version, 'the stale version serves while the job runs');
  t.equal(warnings.length, 1);
  t.match(warnings[0], /embedded by another context encoder .* while job \S+ embeds its 6 documents again/);
  const job = await changed.waitForJob(changed.reembedJob!.id);
  t.equal(job.state, 'succeeded', job.error ?? 'the re-embedding job succeeded');
  const now = changed.describe()!;
  t.not(now.version, d.version);
  t.match(now, { documents: 6, passages: 6 });
  const versionFile = (v: string, name: string) => readFileSync(join(opts.indexDir, 'versions', v, name), 'utf8');
  t.equal(versionFile(now.version, 'passages.jsonl'), versionFile(d.version, 'passages.jsonl'), 'same passages, ids, order');
  t.equal(JSON.parse(versionFile(now.version, 'manifest.json')).ctx_encoder_sha256, manifest.ctx_encoder_sha256);
  t.notOk(existsSync(join(opts.indexDir, 'staging', `reembed-${d.version}.jsonl`)), 'the recovered corpus is removed');
});

t.test('a stale version whose passages cannot be read back keeps serving, with a warning saying why', async (t) => {
  const opts = setup(t);
  const first = await IndexManager.open(opts);
  const { version } = first.describe()!;
  await first.close();
  const dir = join(opts.indexDir, 'versions', version);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  // Without checksums (a version built before they were recorded), so that the changed row gets past the load.
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, ctx_encoder_sha256: '0'.repeat(64), files: undefined }));
  const lines = readFileSync(join(dir, 'passages.jsonl'), 'utf8').split('\n');
  lines[lines.length - 2] = 'x' + lines[lines.length - 2].slice(1); // same length: the store still opens
  writeFileSync(join(dir, 'passages.jsonl'), lines.join('\n'));
  const warnings: string[] = [];
  const manager = await IndexManager.open({ ...opts, log: { info: () => {}, warn: (m) => warnings.push(m) } });
  t.teardown(() => manager.close());
  t.equal(manager.describe()!.version, version);
  t.equal(manager.reembedJob, undefined);
  t.equal(warnings.length, 1);
  t.match(warnings[0], /another context encoder .* could not be read back .* PUT \/index to replace it/);
});

t.test('handles search and fetch passages; an old handle keeps working after a swap until released', async (t) => {
  const opts = setup(t);
  const manager: IndexAdmin & IndexManager = await IndexManager.open(opts);
  t.teardown(() => manager.close());
  const old = manager.acquire();
  const oldVersion = old.version;
  const [hits] = old.search(new Float32Array(DIM).fill(0.1), 3);
  t.equal(hits.length, 3);
  t.ok(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score, 'best first');
  const [p] = await old.passages([hits[0].row]);
  t.match(p, { id: /^demo\d-p0$/, docId: /^demo\d$/ });

  const file = upload(opts.dir, 'new.ndjson', corpusLines('fresh', 9));
  const job = manager.startBuild(file);
  t.equal(job.state, 'queued');
  t.ok(manager.isBuilding());
  t.throws(() => manager.startBuild(upload(opts.dir, 'other.ndjson', corpusLines('x', 2))), BuildConflictError);
  t.notOk(existsSync(join(opts.dir, 'other.ndjson')), 'a refused upload file is removed too');
  const done = await manager.waitForJob(job.id);
  t.match(done, { id: job.id, state: 'succeeded', progress: { done: 9, total: 9 } });
  t.not(done.version, oldVersion);
  t.equal(manager.describe()!.version, done.version);
  t.notOk(existsSync(file), 'the manager removed the uploaded file');
  t.notOk(manager.isBuilding());

  // The old handle still reads the old version's passages.
  const [again] = await old.passages([hits[0].row]);
  t.same(again, p);
  old.release();
  old.release(); // idempotent
  t.throws(() => old.search(new Float32Array(DIM), 1), /after release/);
  const fresh = manager.acquire();
  t.equal(fresh.version, done.version);
  const [q] = await fresh.passages([0]);
  t.match(q.docId, /^fresh/);
  fresh.release();
});

t.test('a failed or cancelled build leaves the serving index and no folder behind', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open(opts);
  t.teardown(() => manager.close());
  const serving = manager.describe()!.version;

  const bad = manager.startBuild(upload(opts.dir, 'bad.ndjson', corpusLines('b', 2) + '{"title": 1}\n'));
  const failed = await manager.waitForJob(bad.id);
  t.equal(failed.state, 'failed');
  t.match(failed.error, /line 3: "title" is required and must be a string/);
  t.equal(manager.describe()!.version, serving);

  const big = upload(opts.dir, 'big.ndjson', corpusLines('c', 400));
  const job = manager.startBuild(big);
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if ((manager.getJob(job.id)?.progress.done ?? 0) > 0) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
  const closing = manager.close(); // the product's way to cancel: a shutdown cancels the running build
  const cancelled = await manager.waitForJob(job.id);
  t.match(cancelled, { state: 'failed', error: 'cancelled' });
  await closing;
  t.equal(await readCurrent(opts.indexDir), serving, 'current still names the version that served');
  t.same(readdirSync(join(opts.indexDir, 'versions')), [serving]);
  t.same(existsSync(join(opts.indexDir, 'staging')) ? readdirSync(join(opts.indexDir, 'staging')) : [], []);
  t.equal(manager.getJob('nope'), undefined);
});

t.test('old versions beyond keepVersions are deleted once their last handle is released', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open({ ...opts, keepVersions: 1 });
  t.teardown(() => manager.close());
  const first = manager.describe()!.version;
  const held = manager.acquire();
  const job = manager.startBuild(upload(opts.dir, 'next.ndjson', corpusLines('next', 3)));
  const second = (await manager.waitForJob(job.id)).version!;
  const versions = () => readdirSync(join(opts.indexDir, 'versions')).sort();
  t.same(versions(), [first, second].sort(), 'the old version stays while a request holds it');
  held.release();
  for (let i = 0; i < 100 && versions().length > 1; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(versions(), [second]);
});
