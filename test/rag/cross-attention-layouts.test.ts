/**
 * The engine on the tiny bundle in both cross-attention layouts (`npm run fixtures` makes onnx/build/tiny and
 * onnx/build/tiny-per-document): the same answers, explanations, streamed pieces and attributions, in-thread, in
 * worker threads and with cross-request batching (stacked rows share a cross-attention row per document when every
 * document has as many rows, else hold one each).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { BatchingOptions } from '../../src/generator/batching/step-batcher.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { OnnxRagEngine } from '../../src/rag/rag-engine.js';
import type { GenerationRequest } from '../../src/rag/types.js';

const BUILD = join(import.meta.dirname, '../../onnx/build');
const fixtures = JSON.parse(readFileSync(join(BUILD, 'tiny/fixtures.json'), 'utf8'));
const K: number = fixtures.config.n_docs;
const BEAMS: number = fixtures.config.generation.num_beams;
const TOL = 1e-4;

type Case = { query: string; outputs: Record<string, { text: string }> };

async function engineOver(t: Test, bundle: string, workers = 0, batching?: BatchingOptions) {
  const dir = await mkdtemp(join(tmpdir(), 'layouts-'));
  const corpus = join(dir, 'corpus.jsonl');
  const docs = fixtures.passages.map((p: { id: string; title: string; text: string }) => ({ id: p.id, title: p.title, text: p.text }));
  await writeFile(corpus, docs.map((d: object) => JSON.stringify(d)).join('\n') + '\n');
  const modelDir = join(BUILD, bundle);
  const index = await IndexManager.open({ indexDir: join(dir, 'index'), modelDir, demoCorpus: corpus });
  const engine = await OnnxRagEngine.load({ modelDir, index, workers, batching });
  t.teardown(async () => { await engine.close(); await index.close(); await rm(dir, { recursive: true, force: true }); });
  return engine;
}

/** What a request gives that both layouts must agree on: texts exactly, numbers (posteriors, scores) to float noise. */
async function outcome(engine: OnnxRagEngine, req: GenerationRequest & { question: string }) {
  const pieces: string[] = [];
  const out = await engine.answer({ ...req, onToken: req.numBeams === 1 ? (p) => pieces.push(p) : undefined });
  const numbers = [out.confidence, ...(out.tokens ?? []).flatMap((tok) => tok.docWeights),
    ...(out.attribution?.withoutDocument ?? []).map((l) => l ?? 0)];
  return { texts: { text: out.text, pieces, tokens: out.tokens?.map((tok) => tok.text) }, numbers };
}

const base: GenerationRequest = { nDocs: K, mode: 'token', numBeams: 1, maxNewTokens: fixtures.config.generation.max_length - 1 };
const requests = (fixtures.questions as Case[]).flatMap((c) => [
  { ...base, question: c.query, explain: true, attribution: true },
  { ...base, question: c.query, numBeams: BEAMS, explain: true },
  { ...base, question: c.query, mode: 'sequence' as const, numBeams: BEAMS, attribution: true },
  { ...base, question: c.query, numBeams: BEAMS, extractive: true },
  { ...base, question: c.query, extractive: true },
]);

t.test('both layouts answer, explain, stream and attribute alike (in-thread, then in 2 worker threads)', async (t) => {
  const perRow = await engineOver(t, 'tiny');
  const expected: Awaited<ReturnType<typeof outcome>>[] = [];
  for (const req of requests) expected.push(await outcome(perRow, req));
  t.ok(expected.some((e) => e.texts.pieces.length > 0), 'greedy requests streamed');
  for (const workers of [0, 2]) {
    const perDocument = await engineOver(t, 'tiny-per-document', workers);
    const got: Awaited<ReturnType<typeof outcome>>[] = [];
    for (const req of requests) got.push(await outcome(perDocument, req));
    t.same(got.map((g) => g.texts), expected.map((e) => e.texts), `the same texts, tokens and streamed pieces (${workers} workers)`);
    const worst = Math.max(...got.flatMap((g, i) => g.numbers.map((x, j) => Math.abs(x - expected[i].numbers[j]))));
    t.ok(worst < TOL, `posteriors, confidences and attributions within ${worst.toExponential(1)} (${workers} workers)`);
    t.same(got.map((g) => g.numbers.length), expected.map((e) => e.numbers.length), 'as many of them');
  }
});

t.test('with cross-request batching the per-document bundle still decodes as the reference', async (t) => {
  const engine = await engineOver(t, 'tiny-per-document', 0, { windowMs: 0, maxMembers: 64 });
  const asked = (fixtures.questions as Case[]).flatMap((c) => [
    { c, name: 'token_beam', req: { ...base, question: c.query, numBeams: BEAMS } },
    { c, name: 'sequence_thorough', req: { ...base, question: c.query, mode: 'sequence' as const, numBeams: BEAMS } },
    { c, name: 'token_beam_extractive', req: { ...base, question: c.query, numBeams: BEAMS, extractive: true } },
  ]);
  const answers = await Promise.all(asked.map(({ req }) => engine.answer(req)));
  answers.forEach((a, i) => t.equal(a.text, asked[i].c.outputs[asked[i].name].text.trim(), `${asked[i].name} for "${asked[i].c.query}"`));
  const stats = (await engine.batchingStats())!;
  t.ok(stats.members / stats.cohorts > 1, `requests shared runs: ${stats.members} decodings in ${stats.cohorts} batches`);
});
