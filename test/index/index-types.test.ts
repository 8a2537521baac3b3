/**
 * Each index kind end to end on a real store (tiny bundle): a build of each kind serves the same answers as a
 * flat one, its manifest names the kind, a restart loads it, and compaction keeps the kind the version was built as.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { SegmentPool } from '../../src/index/open-segment.js';
import { segmentsOf } from '../../src/index/segment-refs.js';
import type { IndexKind } from '../../src/retriever/index-spec.js';
import { waitFor } from '../helpers/build-test-app.js';
import { tinyDimension } from '../helpers/toolchain-bundle.js';
import { corpus, freshStore } from './store-fixture.js';

const DIM = tinyDimension();

const setup = (t: { teardown: (f: () => void) => void }) => freshStore(t, 'index-types-test-', 4);

/** Builds 40 documents as `kind` (undefined: by size) and waits until the version serves. */
async function build(manager: IndexManager, dir: string, kind: IndexKind | undefined): Promise<string> {
  const path = join(dir, `corpus-${kind}.jsonl`);
  writeFileSync(path, corpus('doc', 40));
  const job = await manager.waitForJob(manager.startBuild(path, kind).id);
  if (job.state !== 'succeeded') throw new Error(`build failed: ${job.error}`);
  return job.version!;
}

const QUERIES = Array.from({ length: 5 }, (_, q) => Float32Array.from({ length: DIM }, (_, j) => Math.sin(q * 7 + j)));

/** The doc ids of the top 5 passages for each query. */
async function answers(manager: IndexManager): Promise<string[][]> {
  const handle = manager.acquire();
  try {
    const out: string[][] = [];
    for (const q of QUERIES) {
      const [hits] = handle.search(q, 5);
      out.push((await handle.passages(hits!.map((h) => h.row))).map((p) => p.id));
    }
    return out;
  } finally {
    handle.release();
  }
}

const manifestOf = (indexDir: string, version: string) =>
  JSON.parse(readFileSync(join(indexDir, 'versions', version, 'manifest.json'), 'utf8'));

t.test('a build of each kind serves the flat answers, names its kind, and loads again after a restart', async (t) => {
  const opts = setup(t);
  let manager = await IndexManager.open(opts);
  await build(manager, opts.dir, 'flat');
  const exact = await answers(manager);
  const types: Record<IndexKind, RegExp> = { flat: /^IndexFlatIP$/, hnsw: /^HNSW32,Flat$/, ivf_pq: /^IVF\d+,PQ\d+x\d+np$/ };
  for (const kind of ['flat', 'hnsw', 'ivf_pq'] as const) {
    const version = kind === 'flat' ? manager.describe()!.version : await build(manager, opts.dir, kind);
    t.match(manager.describe(), { version, indexType: types[kind] }, `${kind}: GET /index names the factory string`);
    t.match(manifestOf(opts.indexDir, version), { index_type: types[kind], index_kind: kind });
    // 40 passages: HNSW visits all of them, and IVF-PQ re-ranks all of them exactly.
    t.same(await answers(manager), exact, `${kind}: the same top 5 as flat`);
    await manager.close();
    manager = await IndexManager.open(opts);
    t.match(manager.describe(), { version, indexType: types[kind] }, `${kind}: loads after a restart`);
    t.same(await answers(manager), exact, `${kind}: answers as before after the restart`);
  }
  await manager.close();
});

t.test('compaction merges small segments into the kind the version was built as', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open({ ...opts, compaction: { maxSmallSegments: 1, maxDeadShare: 1 } });
  await build(manager, opts.dir, 'ivf_pq');
  for (const id of ['new1', 'new2']) {
    await waitFor(() => !manager.isBuilding(), 60_000);
    const path = join(opts.dir, `${id}.jsonl`);
    writeFileSync(path, JSON.stringify({ id, title: id, text: `memory protocol ${id} network` }) + '\n');
    await manager.waitForJob(manager.startChange({ upsertPath: path }).id);
  }
  await waitFor(() => !manager.isBuilding() && manifestOf(opts.indexDir, manager.describe()!.version).segments.length === 2, 60_000);
  const compacted = manifestOf(opts.indexDir, manager.describe()!.version);
  t.match(compacted.segments.map((s: { index_type: string }) => s.index_type), [/^IVF/, /^IVF1,PQ\d+x1np$/],
    'the two small flat segments became one IVF-PQ segment');
  t.equal(compacted.index_kind, 'ivf_pq');
  const handle = manager.acquire();
  t.equal((await handle.document('new2'))?.id, 'new2', 'its documents are served');
  handle.release();
  await manager.close();
});

t.test('an IVF-PQ version whose float vectors are cut short is damaged, named, and not served', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open(opts);
  const flat = manager.describe()!.version;
  const version = await build(manager, opts.dir, 'ivf_pq');
  await manager.close();
  const vectors = join(opts.indexDir, 'versions', version, 'vectors.f32');
  writeFileSync(vectors, readFileSync(vectors).subarray(0, 100));
  const restarted = await IndexManager.open(opts);
  t.equal(restarted.describe()!.version, flat, 'the older intact version serves');
  t.match(restarted.describe()!.degraded, /vectors\.f32/, 'the damaged file is named');
  await restarted.close();
});

t.test('segments open with the operator\'s nprobe and efSearch over their builds\', for their kind, and search', async (t) => {
  const opts = setup(t);
  const manager = await IndexManager.open(opts);
  t.teardown(() => manager.close());
  for (const kind of ['hnsw', 'ivf_pq'] as const) {
    const manifest = manifestOf(opts.indexDir, await build(manager, opts.dir, kind));
    const [location] = segmentsOf(opts.indexDir, manifest);
    const recorded = location.ref.index_params!;
    const [own, overridden] = [new SegmentPool(), new SegmentPool({ nprobe: 1000, ef_search: 7 })];
    const plain = await own.acquire(location, manifest.dimension);
    const tuned = await overridden.acquire(location, manifest.dimension);
    t.same(plain.params, recorded, `${kind}: without overrides, the build's parameters`);
    if (kind === 'hnsw') t.same(tuned.params, { ...recorded, ef_search: 7 }, 'HNSW: efSearch overridden');
    else t.same(tuned.params, { ...recorded, nprobe: recorded.nlist }, 'IVF: nprobe overridden, at most nlist');
    t.equal(tuned.search(QUERIES[0], 5)[0]!.length, 5, `${kind}: searches with them`);
    plain.release();
    tuned.release();
  }
});
