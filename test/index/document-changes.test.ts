/**
 * Document changes on a real store (tiny bundle): a change writes a small segment and a version that shares the
 * base's files, searches skip tombstones, a restart and a rollback serve what they should, a failed change leaves
 * everything as it was, retention keeps N versions and the segments they use, and compaction merges segments.
 */
import t from 'tap';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { waitFor } from '../helpers/build-test-app.js';
import { tinyDimension } from '../helpers/toolchain-bundle.js';
import { freshStore } from './store-fixture.js';

const setup = (t: { teardown: (f: () => void) => void }) => freshStore(t, 'changes-test-', 6);

let uploads = 0;
/** Writes an upsert file the manager will own (and remove). */
function upsert(dir: string, docs: { id: string; title?: string; text: string }[]): string {
  const path = join(dir, `upsert-${uploads++}.jsonl`);
  writeFileSync(path, docs.map((d) => JSON.stringify({ title: d.id, ...d })).join('\n') + '\n');
  return path;
}

/** Applies a change once no job runs (a compaction may follow a change), and waits for it. */
async function change(manager: IndexManager, c: Parameters<IndexManager['startChange']>[0]) {
  await waitFor(() => !manager.isBuilding(), 60_000);
  return manager.waitForJob(manager.startChange(c).id);
}

const NO_COMPACTION = { compaction: { maxSmallSegments: 100, maxDeadShare: 1 } };

/** Doc ids of every passage a search over the whole version returns, and the text of each document's first. */
function searchAll(manager: IndexManager): Promise<Map<string, string>> {
  const handle = manager.acquire();
  const query = new Float32Array(tinyDimension()).fill(0.1);
  const [hits] = handle.search(query, 100);
  return handle.passages(hits!.map((h) => h.row)).then((passages) => {
    handle.release();
    return new Map(passages.map((p) => [p.docId, p.text]));
  });
}

const segmentsOnDisk = (indexDir: string) => readdirSync(join(indexDir, 'segments')).sort();
const versionsOnDisk = (indexDir: string) => readdirSync(join(indexDir, 'versions')).sort();
const manifestOf = (indexDir: string, version: string) =>
  JSON.parse(readFileSync(join(indexDir, 'versions', version, 'manifest.json'), 'utf8'));

t.test('upserts, replacements and deletions make versions that share files; restart and rollback', async (t) => {
  const opts = { ...setup(t), ...NO_COMPACTION };
  const manager = await IndexManager.open(opts);
  const base = manager.describe()!.version;

  const added = await change(manager, { upsertPath: upsert(opts.dir, [
    { id: 'demo1', text: 'a replaced text about compilers' }, { id: 'fresh', text: 'a new document about caches' },
  ]) });
  t.match(added, { state: 'succeeded', changes: { upserted: 2, deleted: 0, unknownIds: [] } });
  const v1 = added.version!;
  t.not(v1, base);
  t.match(manager.describe(), { version: v1, documents: 7, passages: 7 });
  t.same(readdirSync(join(opts.indexDir, 'versions', v1)), ['manifest.json'], 'the new version is a manifest only');
  const m1 = manifestOf(opts.indexDir, v1);
  t.equal(m1.segments.length, 2);
  t.same(m1.segments[0].deleted, ['demo1'], 'the replaced document is a tombstone in the base segment');
  t.equal(statSync(join(opts.indexDir, 'segments', base, 'index.faiss')).ino,
    statSync(join(opts.indexDir, 'versions', base, 'index.faiss')).ino, 'the base\'s index is shared, not copied');
  let live = await searchAll(manager);
  t.same([...live.keys()].sort(), ['demo0', 'demo1', 'demo2', 'demo3', 'demo4', 'demo5', 'fresh']);
  t.equal(live.get('demo1'), 'a replaced text about compilers', 'a search finds only the new text of a replaced document');
  t.match(await manager.getDocument('demo1'), { id: 'demo1', text: 'a replaced text about compilers', passages: 1 });

  const deleted = await change(manager, { deleteIds: ['demo2', 'fresh', 'nobody'] });
  t.match(deleted, { state: 'succeeded', changes: { upserted: 0, deleted: 2, unknownIds: ['nobody'] } });
  const v2 = deleted.version!;
  live = await searchAll(manager);
  t.same([...live.keys()].sort(), ['demo0', 'demo1', 'demo3', 'demo4', 'demo5']);
  t.equal(await manager.getDocument('demo2'), undefined);
  t.match(manager.describe(), { version: v2, documents: 5, passages: 5 });
  const unchanged = await change(manager, { deleteIds: ['nobody'] });
  t.match(unchanged, { state: 'succeeded', version: v2, changes: { deleted: 0, unknownIds: ['nobody'] } },
    'a change that changes nothing makes no version');
  await manager.close();

  const restarted = await IndexManager.open(opts);
  t.equal(restarted.describe()!.version, v2, 'a restart serves the last version');
  t.same([...(await searchAll(restarted)).keys()].sort(), ['demo0', 'demo1', 'demo3', 'demo4', 'demo5']);
  const rolled = await restarted.waitForJob((await restarted.activate(base)).id);
  t.match(rolled, { state: 'succeeded', version: base });
  t.equal(restarted.describe()!.version, base, 'a rollback serves the earlier version');
  t.match(await restarted.getDocument('demo2'), { id: 'demo2' });
  t.equal(await restarted.getDocument('fresh'), undefined);
  t.match((await restarted.listVersions()).map((v) => [v.version, v.current, v.serving]),
    [[base, true, true], [v1, false, false], [v2, false, false]]);
  const unknown = await restarted.activate('20990101T000000000Z-ffff').catch((err) => err);
  t.equal(unknown.statusCode, 404, 'activating a version that does not exist is a 404');
  await restarted.close();
  const again = await IndexManager.open(opts);
  t.equal(again.describe()!.version, base, 'the rollback is kept across a restart');
  await again.close();
});

t.test('a change that fails while writing its segment leaves the serving version and current as they were', async (t) => {
  const opts = { ...setup(t), ...NO_COMPACTION };
  const manager = await IndexManager.open(opts);
  t.teardown(() => manager.close());
  const base = manager.describe()!.version;
  writeFileSync(join(opts.indexDir, 'segments'), 'not a folder'); // the segment cannot be moved into place
  const failed = await change(manager, { upsertPath: upsert(opts.dir, [{ id: 'demo1', text: 'never served' }]) });
  t.equal(failed.state, 'failed');
  t.equal(manager.describe()!.version, base);
  t.equal(readFileSync(join(opts.indexDir, 'current'), 'utf8').trim(), base);
  t.same(versionsOnDisk(opts.indexDir), [base], 'no version was left behind');
  t.same(readdirSync(join(opts.indexDir, 'staging')), [], 'nothing half-written is left in staging');
  t.notMatch((await searchAll(manager)).get('demo1'), /never served/);

  rmSync(join(opts.indexDir, 'segments'));
  const everything = await change(manager, { deleteIds: ['demo0', 'demo1', 'demo2', 'demo3', 'demo4', 'demo5'] });
  t.match(everything, { state: 'failed', error: /every document/ }, 'a change may not empty the index');
  t.equal(manager.describe()!.version, base);

  const ok = await change(manager, { upsertPath: upsert(opts.dir, [{ id: 'demo1', text: 'served now' }]) });
  t.equal(ok.state, 'succeeded', 'the next change succeeds once the fault is gone');
  t.equal((await searchAll(manager)).get('demo1'), 'served now');
});

t.test('retention keeps the last N versions and exactly the segments they use', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open({ ...opts, ...NO_COMPACTION, keepVersions: 3 });
  t.teardown(() => manager.close());
  const held = manager.acquire(); // a request in flight on the first version holds it
  for (let i = 0; i < 4; i++) {
    t.equal((await change(manager, { upsertPath: upsert(opts.dir, [{ id: `new${i}`, text: `document ${i}` }]) })).state,
      'succeeded');
  }
  const listedBy = (versions: string[]) =>
    [...new Set(versions.flatMap((v) => (manifestOf(opts.indexDir, v).segments ?? []).map((s: { name: string }) => s.name)))];
  t.ok(versionsOnDisk(opts.indexDir).includes(held.version), 'a version a request holds is not removed');
  held.release();
  await waitFor(() => versionsOnDisk(opts.indexDir).length === 3);
  const kept = versionsOnDisk(opts.indexDir);
  t.equal(kept.at(-1), manager.describe()!.version);
  await waitFor(() => segmentsOnDisk(opts.indexDir).length === listedBy(kept).length);
  t.same(segmentsOnDisk(opts.indexDir), listedBy(kept).sort(), 'the segments on disk are those the kept versions use');
  for (const version of kept) {
    const job = await manager.waitForJob((await manager.activate(version)).id);
    t.equal(job.state, 'succeeded', `kept version ${version} still opens`);
  }
});

t.test('compaction merges small segments into one version without the dead rows', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open({ ...opts, compaction: { maxSmallSegments: 2, maxDeadShare: 1 } });
  const first = await change(manager, { upsertPath: upsert(opts.dir, [{ id: 'demo0', text: 'first replacement' }]) });
  t.equal(manifestOf(opts.indexDir, first.version!).segments.length, 2, 'two small segments: no compaction yet');
  t.equal(manager.isBuilding(), false);
  const second = await change(manager, { upsertPath: upsert(opts.dir, [{ id: 'x1', text: 'another document' }]) });
  const before = await searchAll(manager);
  await waitFor(() => manager.describe()!.version !== second.version! && !manager.isBuilding(), 60_000);
  const compacted = manifestOf(opts.indexDir, manager.describe()!.version);
  t.equal(compacted.segments.length, 1, 'one segment left');
  t.same(compacted.segments[0].deleted, [], 'without tombstones');
  t.match(compacted, { documents: 7, passages: 7 });
  t.same([...(await searchAll(manager)).entries()].sort(), [...before.entries()].sort(), 'the same live documents are found');
  await manager.close();
  const restarted = await IndexManager.open(opts);
  t.equal(restarted.describe()!.version, compacted.version, 'the compacted version is kept across a restart');
  t.same([...(await searchAll(restarted)).entries()].sort(), [...before.entries()].sort());
  await restarted.close();
});
