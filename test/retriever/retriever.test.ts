import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { DprEncoder } from '../../src/onnx/dpr-encoder.js';
import { softmax } from '../../src/generator/decoding/math.js';
import { Retriever } from '../../src/retriever/retriever.js';
import { tinyBundle } from '../helpers/toolchain-bundle.js';

const modelDir = tinyBundle;
const TOPICS = ['memory', 'network', 'protocol', 'algorithm', 'language', 'program', 'data', 'system', 'city'];

t.test('retrieval equals brute-force inner product over the whole corpus', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'retriever-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Pseudo-random word sequences (LCG): passages with distinct vectors, so the top-k order has no ties.
  let seed = 7;
  const word = () => TOPICS[(seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % TOPICS.length];
  const docs = Array.from({ length: 25 }, (_, i) => ({
    id: `d${i}`, title: `${TOPICS[i % TOPICS.length]} ${i}`,
    text: Array.from({ length: 20 + i * 7 }, word).join(' '),
  }));
  const demoCorpus = join(dir, 'corpus.jsonl');
  writeFileSync(demoCorpus, docs.map((d) => JSON.stringify(d)).join('\n'));
  const manager = await IndexManager.open({ indexDir: join(dir, 'index'), modelDir, demoCorpus, device: 'cpu', threads: 1 });
  const retriever = await Retriever.load(modelDir, manager);
  const ctx = await DprEncoder.load(join(modelDir, 'ctx_encoder'));
  const questions = await DprEncoder.load(join(modelDir, 'question_encoder'));
  t.teardown(async () => {
    await retriever.close();
    await ctx.close();
    await questions.close();
    await manager.close();
  });

  // Every passage, read back through a handle, embedded again by the test: the brute-force reference.
  const n = manager.describe()!.passages;
  const handle = manager.acquire();
  const all = await handle.passages(Array.from({ length: n }, (_, i) => i));
  handle.release();
  const vectors = await ctx.encode(all.map((p) => [p.title, p.text] as const));
  const d = vectors.length / n;

  for (const question of ['which network protocol?', 'memory of the city', 'algorithm language data']) {
    const q = await questions.encode([question]);
    const scored = all.map((p, r) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += vectors[r * d + j] * q[j];
      return { id: p.id, s };
    }).sort((a, b) => b.s - a.s);
    const got = await retriever.retrieve(question, 5);
    t.equal(got.indexVersion, manager.describe()!.version);
    t.same(got.passages.map((p) => p.id), scored.slice(0, 5).map((x) => x.id), `top 5 ids for "${question}"`);
    got.passages.forEach((p, i) => t.ok(Math.abs(p.score - scored[i].s) < 1e-4, `score ${i}`));
    const total = got.passages.reduce((a, p) => a + p.weight, 0);
    t.ok(Math.abs(total - 1) < 1e-6, 'weights sum to 1');
    t.ok(got.passages.every((p) => p.docId === p.id.replace(/-p\d+$/, '')));
  }
  t.equal((await retriever.retrieve('memory', 500)).passages.length, n, 'k beyond the index returns every passage');
  await t.rejects(retriever.retrieve('memory', 0), /k must be a positive integer/);
});

t.test('softmax is stable for large scores', async (t) => {
  const w = softmax([1000, 999, 0]);
  t.ok(Math.abs(w[0] / w[1] - Math.E) < 1e-9);
  t.same(softmax([]), []);
});
