import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaissIndex } from '../../src/retriever/faiss-index.js';
import { randomVectors } from '../../bench/random-vectors.js';
import type { SearchHit } from '../../src/types/serving-index.js';

/** The rows of each query's hits, best first. */
const rowsOf = (hits: SearchHit[][]) => hits.map((h) => h.map((x) => x.row));

/** Top-k rows by exact inner product, computed in JS. */
function bruteForce(data: Float32Array, query: Float32Array, d: number, k: number): { row: number; score: number }[] {
  const scores: { row: number; score: number }[] = [];
  for (let r = 0; r < data.length / d; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[r * d + j] * query[j];
    scores.push({ row: r, score: s });
  }
  return scores.sort((a, b) => b.score - a.score).slice(0, k);
}

t.test('IndexFlatIP returns the exact inner-product top-k for several queries at once', async (t) => {
  const d = 8;
  const data = randomVectors(300, d, 1);
  const queries = randomVectors(3, d, 2);
  const index = FaissIndex.create(d, 'IndexFlatIP');
  index.add(data);
  t.equal(index.size, 300);
  t.equal(index.dimension, d);
  const hits = index.search(queries, 5);
  t.equal(hits.length, 3);
  for (let q = 0; q < 3; q++) {
    const want = bruteForce(data, queries.subarray(q * d, (q + 1) * d), d, 5);
    t.same(hits[q].map((h) => h.row), want.map((w) => w.row), `query ${q} rows`);
    hits[q].forEach((h, i) => t.ok(Math.abs(h.score - want[i].score) < 1e-5, `query ${q} score ${i}`));
  }
});

t.test('a flat index survives write/read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'faiss-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const index = FaissIndex.create(4, 'IndexFlatIP');
  const data = randomVectors(50, 4, 9);
  index.add(data);
  index.write(dir);
  const back = FaissIndex.read(dir);
  t.equal(back.size, 50);
  t.same(back.search(data.subarray(0, 8), 3), index.search(data.subarray(0, 8), 3));
});

t.test('k larger than the index returns every vector; an empty index returns nothing', async (t) => {
  const index = FaissIndex.create(4, 'IndexFlatIP');
  t.same(index.search(new Float32Array(4), 3), [[]]);
  index.add(randomVectors(2, 4, 3));
  t.equal(index.search(randomVectors(1, 4, 4), 10)[0].length, 2);
  t.throws(() => index.search(new Float32Array(3), 1), /multiple of dimension 4/);
  t.throws(() => index.add(new Float32Array(5)), /multiple of dimension 4/);
  t.throws(() => index.search(new Float32Array(4), 0), /k must be a positive integer/);
});

t.test('HNSW32,Flat finds the inner-product nearest neighbour and survives write/read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'faiss-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const d = 16;
  const data = randomVectors(2000, d, 5);
  const index = FaissIndex.create(d, 'HNSW32,Flat');
  index.add(data);
  // Querying with stored vectors scaled up: under inner product a stored vector is not always its own best match,
  // so compare with the brute-force answer rather than the row itself.
  const queries = data.slice(0, 10 * d);
  const hits = index.search(queries, 1);
  let agree = 0;
  for (let q = 0; q < 10; q++) {
    if (hits[q][0].row === bruteForce(data, queries.subarray(q * d, (q + 1) * d), d, 1)[0].row) agree++;
  }
  t.ok(agree >= 9, `HNSW agrees with brute force on ${agree}/10 queries`);
  index.write(dir);
  const back = FaissIndex.read(dir);
  t.equal(back.size, 2000);
  t.same(back.search(queries, 1), hits, 'the read index answers as the written one');
  back.dispose();
  t.throws(() => back.size, /after dispose/);
});

t.test('an IVF index trains, takes nprobe, and keeps it in its file', async (t) => {
  const d = 16;
  const data = randomVectors(2000, d, 3);
  const queries = randomVectors(20, d, 4);
  const flat = FaissIndex.create(d, 'IndexFlatIP');
  flat.add(data);
  const exact = flat.search(queries, 5);
  const ivf = FaissIndex.create(d, 'IVF16,Flat');
  ivf.train(data);
  ivf.add(data);
  ivf.applyParams({ nprobe: 1 });
  const narrow = ivf.search(queries, 5);
  t.notSame(narrow, exact, 'one list of sixteen misses some neighbours');
  ivf.applyParams({ nprobe: 16 });
  t.same(rowsOf(ivf.search(queries, 5)), rowsOf(exact), 'every list: exact');
  const dir = mkdtempSync(join(tmpdir(), 'faiss-ivf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  ivf.write(dir);
  t.same(rowsOf(FaissIndex.read(dir).search(queries, 5)), rowsOf(exact),
    'nprobe survives write and read');
  t.throws(() => ivf.applyParams({ ef_search: 10 }), /efSearch|HNSW|parameter/i, 'efSearch is refused by an IVF index');
});

t.test('vectors are read in place from a Float32Array view, wherever it starts in its buffer', async (t) => {
  const d = 8;
  const data = randomVectors(200, d, 5);
  const queries = randomVectors(4, d, 6);
  const whole = FaissIndex.create(d, 'IndexFlatIP');
  whole.add(data);
  const halves = FaissIndex.create(d, 'IndexFlatIP');
  halves.add(data.subarray(0, 77 * d));
  halves.add(data.subarray(77 * d));
  t.equal(halves.size, 200);
  t.same(halves.search(queries, 5), whole.search(queries, 5), 'two views at different offsets: the same index');
  const ivf = FaissIndex.create(d, 'IVF4,Flat');
  ivf.train(data.subarray(50 * d));
  ivf.add(data);
  ivf.applyParams({ nprobe: 4 });
  t.same(rowsOf(ivf.search(queries, 5)), rowsOf(whole.search(queries, 5)),
    'trained on a view, every list searched: exact');
});

t.test('the native add refuses what is not a Float32Array of whole vectors, by name', async (t) => {
  const index = FaissIndex.create(4, 'IndexFlatIP');
  t.throws(() => index.add(new Float32Array(6)), /not a multiple of dimension 4/);
  const native = (index as unknown as { live(): { addFloat32(v: unknown): void } }).live();
  t.throws(() => native.addFloat32(new Float64Array(4)), /Expected one Float32Array/);
  t.throws(() => native.addFloat32([1, 2, 3, 4]), /Expected one Float32Array/);
  t.equal(index.size, 0, 'nothing was added');
});
