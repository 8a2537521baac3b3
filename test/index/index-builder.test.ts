import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndexVersion, bundleIdentity } from '../../src/index/index-builder.js';
import { runBuildInWorker } from '../../src/index/build-worker.js';
import { readManifest } from '../../src/index/manifest.js';
import { PassageStore } from '../../src/index/passage-store.js';
import { DprEncoder } from '../../src/onnx/dpr-encoder.js';
import { FaissIndex } from '../../src/retriever/faiss-index.js';
import { tinyBundle, tinyDimension } from '../helpers/toolchain-bundle.js';

const modelDir = tinyBundle;
const DIM = tinyDimension();
const WORDS = 'the computer language program data system network protocol memory algorithm city world'.split(' ');

/** A corpus of `n` documents of 30..230 words; some without id. */
function writeCorpus(path: string, n: number): void {
  const lines = Array.from({ length: n }, (_, i) => {
    const text = Array.from({ length: 30 + ((i * 37) % 200) }, (_, j) => WORDS[(i + j * j) % WORDS.length]).join(' ');
    return JSON.stringify(i % 3 === 0 ? { title: `Doc ${i}`, text } : { id: `id${i}`, title: `Doc ${i}`, text });
  });
  writeFileSync(path, lines.join('\n') + '\n');
}

function setup(t: { teardown: (f: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'builder-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = join(dir, 'corpus.jsonl');
  return { dir, corpus, indexDir: join(dir, 'index') };
}

t.test('a build embeds every passage with the context encoder, in row order, with a manifest', async (t) => {
  const { corpus, indexDir } = setup(t);
  writeCorpus(corpus, 12);
  const progress: number[] = [];
  const result = await buildIndexVersion({ indexDir, corpus, modelDir, device: 'cpu', batchSize: 5, version: 'v1' },
    (p) => progress.push(p.done));
  const m = await readManifest(result.staging);
  t.match(m, { version: 'v1', documents: 12, dimension: DIM, index_type: 'IndexFlatIP', model: /^tiny@[0-9a-f]{12}$/ });
  t.match(m.ctx_encoder_sha256, /^[0-9a-f]{64}$/);
  t.equal(progress.at(-1), m.passages);
  t.ok(progress.length > 2, 'progress reported per batch');

  const store = await PassageStore.open(result.staging);
  t.teardown(() => store.close());
  const index = FaissIndex.read(result.staging);
  t.equal(store.size, m.passages);
  t.equal(index.size, m.passages);
  const all = await store.getMany(Array.from({ length: m.passages }, (_, i) => i));
  t.equal(all[0].id, 'doc-1-p0', 'first document had no id: named by position');
  t.equal(all.at(-1)!.docId, 'id11');
  const encoder = await DprEncoder.load(join(modelDir, 'ctx_encoder'));
  t.teardown(() => encoder.close());
  const vectors = await encoder.encode(all.map((p) => [p.title, p.text] as const));
  // Row r of the index must hold passage r's vector: FAISS's top-3 equals the brute-force top-3 over store order.
  for (const q of [0, 5, m.passages - 1]) {
    const query = vectors.subarray(q * DIM, (q + 1) * DIM);
    const want = Array.from({ length: m.passages }, (_, r) => ({ r, s: dot(vectors, r, query) }))
      .sort((a, b) => b.s - a.s).slice(0, 3).map((x) => x.r);
    t.same(index.search(query, 3)[0].map((h) => h.row), want, `query from row ${q}`);
  }
});

function dot(v: Float32Array, row: number, q: Float32Array): number {
  let s = 0;
  for (let j = 0; j < q.length; j++) s += v[row * q.length + j] * q[j];
  return s;
}

t.test('a bad line fails the build before any folder is made', async (t) => {
  const { corpus, indexDir } = setup(t);
  writeFileSync(corpus, '{"title":"a","text":"b"}\n{"title":"a"}\n');
  await t.rejects(buildIndexVersion({ indexDir, corpus, modelDir, device: 'cpu' }), /line 2: "text" is required and must be a string/);
  t.notOk(existsSync(join(indexDir, 'staging')) && readdirSync(join(indexDir, 'staging')).length > 0);
});

t.test('the size thresholds switch the index type, and an asked-for kind wins over them', async (t) => {
  const { corpus, indexDir } = setup(t);
  writeCorpus(corpus, 4);
  const hnsw = await buildIndexVersion({ indexDir, corpus, modelDir, device: 'cpu', thresholds: { hnsw: 2, ivfPq: 1000 } });
  t.match(hnsw.manifest, { index_type: 'HNSW32,Flat', index_kind: 'hnsw', index_params: { ef_search: 128 } });
  const ivf = await buildIndexVersion({ indexDir, corpus, modelDir, device: 'cpu', thresholds: { hnsw: 2, ivfPq: 3 } });
  t.match(ivf.manifest, { index_type: /^IVF\d+,PQ\d+x\d+np$/, index_kind: 'ivf_pq', index_params: { nprobe: 1, rerank: 100 } });
  t.ok(ivf.manifest.files!['vectors.f32'], 'the float vectors for re-ranking are written and checksummed');
  const flat = await buildIndexVersion({ indexDir, corpus, modelDir, device: 'cpu', indexKind: 'flat', thresholds: { hnsw: 2, ivfPq: 3 } });
  t.match(flat.manifest, { index_type: 'IndexFlatIP', index_kind: 'flat' });
  t.notOk(flat.manifest.files!['vectors.f32']);
});

t.test('the worker builds with progress, and a cancelled worker leaves no staging folder', async (t) => {
  const { corpus, indexDir } = setup(t);
  writeCorpus(corpus, 30);
  const seen: number[] = [];
  const built = await runBuildInWorker({ indexDir, corpus, modelDir, device: 'cpu', batchSize: 8, threads: 1 },
    (p) => seen.push(p.done), new AbortController().signal);
  t.ok(existsSync(join(built.staging, 'index.faiss')));
  t.ok(seen.length > 1 && seen.at(-1)! > 0, 'progress crosses the thread boundary');

  const controller = new AbortController();
  const cancelled = runBuildInWorker({ indexDir, corpus, modelDir, device: 'cpu', batchSize: 1, version: 'vc' },
    (p) => { if (p.done >= 2) controller.abort(); }, controller.signal);
  await t.rejects(cancelled, /cancelled/);
  t.notOk(existsSync(join(indexDir, 'staging', 'vc')), 'staging folder removed');
});

t.test('the bundle identity names the bundle and pins its manifest', async (t) => {
  const { dir } = setup(t);
  const bundle = join(dir, 'my-bundle');
  mkdirSync(bundle);
  t.equal(await bundleIdentity(bundle), 'my-bundle', 'no manifest: the folder name');
  writeFileSync(join(bundle, 'manifest.json'), '{"source": "x"}');
  const first = await bundleIdentity(bundle);
  t.match(first, /^my-bundle@[0-9a-f]{12}$/);
  writeFileSync(join(bundle, 'manifest.json'), '{"name": "demo", "source": "y"}');
  const second = await bundleIdentity(bundle);
  t.match(second, /^demo@[0-9a-f]{12}$/);
  t.not(second.split('@')[1], first.split('@')[1]);
});
