// The retrieval half of RAG held to the reference the Python toolchain saved with its tiny random bundle
// (onnx/build/tiny/fixtures.json, made by `npm run fixtures`; scripts/test.sh makes it before the TS tests).
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IndexManager } from '../../src/index/index-manager.js';
import { DprEncoder } from '../../src/onnx/dpr-encoder.js';
import { Retriever } from '../../src/retriever/retriever.js';
import { TextTokenizer } from '../../src/tokenizer/tokenizer.js';

const bundle = fileURLToPath(new URL('../../onnx/build/tiny/', import.meta.url));
const fixturesPath = join(bundle, 'fixtures.json');
if (!existsSync(fixturesPath)) {
  throw new Error(`${fixturesPath} is missing: run \`npm run fixtures\` first`);
}

interface Case { query: string; query_ids: number[]; query_type_ids: number[]; query_embedding: number[]; top_k: number[]; top_k_scores: number[]; retrieval_margin: number }
// NOTE: Python's json writes bare Infinity/-Infinity (beam margins, -inf scores); 1e999 parses to the same.
const fxText = readFileSync(fixturesPath, 'utf8').replace(/(?<=[[,:]\s*)(-?)Infinity(?=\s*[\],}])/g, '$11e999');
const fx = JSON.parse(fxText) as {
  config: { n_docs: number; encoder_max_length: number };
  passages: { id: string; doc_id: string; title: string; text: string }[];
  ctx_inputs: { ids: number[]; type_ids: number[] }[];
  ctx_embeddings: number[][];
  tokenizer_cases: { generator: { text: string; ids: number[] }[]; encoder: { text: string; pair: string | null; ids: number[]; type_ids: number[] }[] };
  questions: Case[];
  jeopardy: Case[];
};
// NOTE: onnxruntime's float32 vectors differ from PyTorch's by about 1e-5 here.
const TOL = 1e-4;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

t.test('tokenizers encode as the toolchain does', async (t) => {
  const enc = await TextTokenizer.load(join(bundle, 'ctx_encoder'));
  for (const c of fx.tokenizer_cases.encoder) {
    const got = enc.encode(c.pair === null ? c.text : [c.text, c.pair], { maxLength: fx.config.encoder_max_length });
    t.same([got.ids, got.tokenTypeIds], [c.ids, c.type_ids], `encoder: ${JSON.stringify(c.text).slice(0, 40)}`);
  }
  const gen = await TextTokenizer.load(join(bundle, 'generator'));
  for (const c of fx.tokenizer_cases.generator) t.same(gen.encode(c.text).ids, c.ids, `generator: ${c.text.slice(0, 40)}`);
  fx.passages.forEach((p, i) => {
    const got = enc.encode([p.title, p.text], { maxLength: fx.config.encoder_max_length });
    t.same([got.ids, got.tokenTypeIds], [fx.ctx_inputs[i].ids, fx.ctx_inputs[i].type_ids], `ctx input ${p.id}`);
  });
});

t.test('DPR encoders reproduce the toolchain\'s pooled vectors', async (t) => {
  const ctx = await DprEncoder.load(join(bundle, 'ctx_encoder'));
  const question = await DprEncoder.load(join(bundle, 'question_encoder'));
  t.teardown(async () => {
    await ctx.close();
    await question.close();
  });
  const vectors = await ctx.encode(fx.passages.map((p) => [p.title, p.text] as const), { batchSize: 4 });
  const d = fx.ctx_embeddings[0].length;
  fx.passages.forEach((p, i) => {
    const diff = maxDiff(vectors.subarray(i * d, (i + 1) * d), fx.ctx_embeddings[i]);
    t.ok(diff < TOL, `ctx vector of ${p.id}: max abs diff ${diff.toExponential(2)}`);
  });
  for (const c of [...fx.questions, ...fx.jeopardy]) {
    const enc = question.tokenizer.encode(c.query);
    t.same([enc.ids, enc.tokenTypeIds], [c.query_ids, c.query_type_ids], `question ids of "${c.query}"`);
    const diff = maxDiff(await question.encode([c.query]), c.query_embedding);
    t.ok(diff < TOL, `question vector of "${c.query}": max abs diff ${diff.toExponential(2)}`);
  }
});

t.test('an index built from the fixture corpus retrieves the toolchain\'s top-k', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toolchain-retrieval-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Passages are 100-word chunks joined by single spaces, so joining a document's chunks re-splits identically.
  const docs = new Map<string, { id: string; title: string; text: string[] }>();
  for (const p of fx.passages) {
    const doc = docs.get(p.doc_id) ?? { id: p.doc_id, title: p.title, text: [] };
    doc.text.push(p.text);
    docs.set(p.doc_id, doc);
  }
  const corpus = join(dir, 'corpus.jsonl');
  writeFileSync(corpus, [...docs.values()].map((d) => JSON.stringify({ id: d.id, title: d.title, text: d.text.join(' ') })).join('\n'));
  const manager = await IndexManager.open({ indexDir: join(dir, 'index'), modelDir: bundle, demoCorpus: corpus, device: 'cpu', threads: 1 });
  const retriever = await Retriever.load(bundle, manager);
  t.teardown(async () => {
    await retriever.close();
    await manager.close();
  });
  t.equal(manager.describe()!.passages, fx.passages.length);
  // Jeopardy retrieves with the bare answer (its query_ids carry no task prefix; the prefix is for the generator).
  for (const c of [...fx.questions, ...fx.jeopardy]) {
    const query = c.query;
    const got = await retriever.retrieve(query, fx.config.n_docs);
    const diff = maxDiff(got.passages.map((p) => p.score), c.top_k_scores);
    t.ok(diff < TOL, `scores for "${query}": max abs diff ${diff.toExponential(2)}`);
    if (c.retrieval_margin > TOL) {
      t.same(got.passages.map((p) => p.id), c.top_k.map((i) => fx.passages[i].id), `top-k for "${query}"`);
    }
  }
});
