/**
 * The engine end to end on the toolchain's tiny bundle (`npm run fixtures` makes onnx/build/tiny): an index built
 * from the fixture passages, then answers and Jeopardy clues that must equal the PyTorch reference's decodings.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { BatchingOptions } from '../../src/generator/batching/step-batcher.js';
import { IndexManager } from '../../src/index/index-manager.js';
import { normalizeSpanText } from '../../src/generator/decoding/span-constraint.js';
import { readerWindow } from '../../src/generator/reader-window.js';
import { OnnxRagEngine } from '../../src/rag/rag-engine.js';
import type { GenerationRequest } from '../../src/rag/types.js';

const BUNDLE = join(import.meta.dirname, '../../onnx/build/tiny');
const fixtures = JSON.parse(readFileSync(join(BUNDLE, 'fixtures.json'), 'utf8'));
const K: number = fixtures.config.n_docs;

interface Case { query: string; top_k: number[]; outputs: Record<string, { tokens: number[]; text: string }> }

/** An engine over an index built from `docs` in a temporary folder, removed (with the engine) on teardown. */
async function engineOver(
  t: Test, docs: { id?: string; title: string; text: string }[], batching?: BatchingOptions, workers = 0, bundle = BUNDLE,
) {
  const dir = await mkdtemp(join(tmpdir(), 'rag-engine-'));
  const corpus = join(dir, 'corpus.jsonl');
  await writeFile(corpus, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const index = await IndexManager.open({ indexDir: join(dir, 'index'), modelDir: bundle, demoCorpus: corpus });
  const engine = await OnnxRagEngine.load({ modelDir: bundle, index, batching, workers });
  t.teardown(async () => { await engine.close(); await index.close(); await rm(dir, { recursive: true, force: true }); });
  return engine;
}

type FixturePassage = { id: string; title: string; text: string };

// In-thread and in a pool of worker threads (src/onnx/pooled-models.ts), the engine must answer the same.
for (const workers of [0, 2]) {
const where = workers === 0 ? 'in-thread' : `in ${workers} worker threads`;

t.test(`the engine reproduces the reference decodings over an index of the fixture passages (${where})`, async (t) => {
  // Each fixture passage becomes a document of its own (under 100 words, so it stays one passage, in order).
  const docs = fixtures.passages.map((p: FixturePassage) => ({ id: p.id, title: p.title, text: p.text }));
  const engine = await engineOver(t, docs, undefined, workers);
  t.ok(engine.ready(), 'ready once the index serves');

  const base: GenerationRequest = { nDocs: K, mode: 'token', numBeams: 1, maxNewTokens: fixtures.config.generation.max_length - 1 };
  const passageIds = (c: Case) => c.top_k.map((i) => fixtures.passages[i].id);
  for (const c of fixtures.questions as Case[]) {
    const greedy = await engine.answer({ ...base, question: c.query, explain: true });
    t.same(greedy.documents.map((d) => d.docId), passageIds(c), `retrieval for "${c.query}"`);
    t.equal(greedy.text, c.outputs.token_greedy.text.trim(), `RAG-Token greedy for "${c.query}"`);
    const weightSum = greedy.documents.reduce((s, d) => s + d.weight, 0);
    t.ok(Math.abs(weightSum - 1) < 1e-6, 'document weights sum to 1');
    for (const tok of greedy.tokens ?? []) {
      t.ok(Math.abs(tok.docWeights.reduce((s, w) => s + w, 0) - 1) < 1e-5, `posterior of "${tok.text}" sums to 1`);
    }
    const beam = await engine.answer({ ...base, question: c.query, numBeams: fixtures.config.generation.num_beams });
    t.equal(beam.text, c.outputs.token_beam.text.trim(), `RAG-Token beam for "${c.query}"`);
    const seq = await engine.answer({ ...base, question: c.query, mode: 'sequence', numBeams: fixtures.config.generation.num_beams });
    t.equal(seq.text, c.outputs.sequence_thorough.text.trim(), `RAG-Sequence for "${c.query}"`);
    const fast = await engine.answer({ ...base, question: c.query, mode: 'sequence', numBeams: fixtures.config.generation.num_beams, fast: true });
    t.equal(fast.text, c.outputs.sequence_fast.text.trim(), `RAG-Sequence fast for "${c.query}"`);
    // The tiny bundle's answers are free by default; `extractive` holds them to spans of the passages.
    const held = { ...base, question: c.query, extractive: true };
    t.equal((await engine.answer(held)).text, c.outputs.token_greedy_extractive.text.trim(), `extractive greedy for "${c.query}"`);
    const heldBeam = await engine.answer({ ...held, numBeams: fixtures.config.generation.num_beams });
    t.equal(heldBeam.text, c.outputs.token_beam_extractive.text.trim(), `extractive beam for "${c.query}"`);
    const heldSeq = await engine.answer({ ...held, mode: 'sequence', numBeams: fixtures.config.generation.num_beams });
    t.equal(heldSeq.text, c.outputs.sequence_thorough_extractive.text.trim(), `extractive RAG-Sequence for "${c.query}"`);
    const sources = heldBeam.documents.map((d) => `${d.title}\n${d.text}`.toLowerCase()).join('\n');
    t.ok(sources.includes(heldBeam.text.toLowerCase()), `"${heldBeam.text}" is copied from a retrieved passage`);
  }
  for (const c of fixtures.jeopardy as Case[]) {
    const clue = await engine.jeopardy({ ...base, answer: c.query, numBeams: fixtures.config.generation.num_beams });
    t.same(clue.documents.map((d) => d.docId), passageIds(c), `retrieval for the answer "${c.query}"`);
    t.equal(clue.text, c.outputs.token_beam.text.trim(), `Jeopardy clue for "${c.query}"`);
  }
});

t.test(`with cross-request batching, concurrent requests share decoder runs and still decode as the reference (${where})`, async (t) => {
  const docs = fixtures.passages.map((p: FixturePassage) => ({ id: p.id, title: p.title, text: p.text }));
  // The server's default: no window, a batch forms from what is queued.
  const engine = await engineOver(t, docs, { windowMs: 0, maxMembers: 64 }, workers);
  const beams = fixtures.config.generation.num_beams;
  const base: GenerationRequest = { nDocs: K, mode: 'token', numBeams: 1, maxNewTokens: fixtures.config.generation.max_length - 1 };
  const asked = (fixtures.questions as Case[]).flatMap((c) => [
    { c, name: 'token_greedy', req: { ...base, question: c.query } },
    { c, name: 'token_beam', req: { ...base, question: c.query, numBeams: beams } },
    { c, name: 'sequence_thorough', req: { ...base, question: c.query, mode: 'sequence' as const, numBeams: beams } },
    { c, name: 'token_beam_extractive', req: { ...base, question: c.query, numBeams: beams, extractive: true } },
  ]);
  const answers = await Promise.all(asked.map(({ req }) => engine.answer(req)));
  answers.forEach((a, i) => t.equal(a.text, asked[i].c.outputs[asked[i].name].text.trim(), `${asked[i].name} for "${asked[i].c.query}"`));
  const stats = (await engine.batchingStats())!;
  t.ok(stats.members / stats.cohorts > 1, `requests shared runs: ${stats.members} decodings in ${stats.cohorts} batches`);

  // Streaming and explain, concurrently and batched, give what an engine without batching gives.
  const alone = await engineOver(t, docs, undefined, workers);
  const traced = (fixtures.questions as Case[]).flatMap((c) => [
    { ...base, question: c.query, explain: true },
    { ...base, question: c.query, numBeams: beams, explain: true },
    { ...base, question: c.query, mode: 'sequence' as const, numBeams: beams, explain: true },
    { ...base, question: c.query, numBeams: beams },
  ]);
  const streamed = (e: OnnxRagEngine, req: GenerationRequest & { question: string }, i: number) => {
    // Every fourth request streams (greedy, as the HTTP route streams).
    if (i % 4 !== 3) return e.answer(req).then((a) => ({ text: a.text, tokens: a.tokens, pieces: [] as string[] }));
    const pieces: string[] = [];
    return e.answer({ ...req, onToken: (p) => pieces.push(p) }).then((a) => ({ text: a.text, tokens: a.tokens, pieces }));
  };
  const expected = [];
  for (const [i, req] of traced.entries()) expected.push(await streamed(alone, req, i));
  const before = (await engine.batchingStats())!;
  t.same(await Promise.all(traced.map((req, i) => streamed(engine, req, i))), expected, 'texts, explanations and streamed pieces as alone');
  const after = (await engine.batchingStats())!;
  t.ok(after.members - before.members > after.cohorts - before.cohorts, 'and they shared runs');
});
}

t.test('the engine streams greedy tokens that add up to the answer, and stops when aborted', async (t) => {
  const engine = await engineOver(t, fixtures.passages.map((p: FixturePassage) => ({ title: p.title, text: p.text })));
  const question = (fixtures.questions as Case[])[0].query;
  const pieces: string[] = [];
  const streamed = await engine.answer({ question, nDocs: K, mode: 'token', numBeams: 4, maxNewTokens: 8, onToken: (s) => pieces.push(s) });
  t.ok(pieces.length > 0, 'tokens were streamed');
  t.equal(pieces.join('').trim(), streamed.text, 'streamed pieces join to the answer');
  const controller = new AbortController();
  controller.abort(new Error('client went away'));
  await t.rejects(engine.answer({ question, nDocs: K, mode: 'token', numBeams: 1, maxNewTokens: 8, signal: controller.signal }));
});

t.test('a question too long for the generator input is refused with the limit', async (t) => {
  const engine = await engineOver(t, [{ title: 'T', text: 'some text' }]);
  await t.rejects(
    engine.answer({ question: 'word '.repeat(200), nDocs: 1, mode: 'token', numBeams: 1, maxNewTokens: 4 }),
    { statusCode: 400, message: /`question` is \d+ tokens long; this model accepts at most \d+ tokens/ },
  );
});

t.test('confidence, abstention, answer spans and leave-one-out attribution agree with the reference scores', async (t) => {
  const engine = await engineOver(t, fixtures.passages.map((p: FixturePassage) => ({ id: p.id, title: p.title, text: p.text })));
  const base: GenerationRequest = { nDocs: K, mode: 'token', numBeams: 1, maxNewTokens: fixtures.config.generation.max_length - 1 };
  const beams = fixtures.config.generation.num_beams;
  const bos = fixtures.config.generation.bos_token_id;
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-3;
  for (const c of fixtures.questions as (Case & { outputs: Record<string, { logprobs: number[]; score: number }> })[]) {
    const ref = c.outputs.token_greedy;
    const counted = ref.tokens[0] === bos ? ref.logprobs.slice(1) : ref.logprobs;
    const greedy = await engine.answer({ ...base, question: c.query, attribution: true });
    const expected = Math.exp(counted.reduce((s, lp) => s + lp, 0) / counted.length);
    t.ok(near(greedy.confidence, expected), `greedy confidence ${greedy.confidence} = ${expected} for "${c.query}"`);
    t.equal(greedy.attribution!.withoutDocument.length, K, 'a leave-one-out likelihood per document');
    t.equal(greedy.abstained, false, 'no abstention by default');

    const seqRef = c.outputs.sequence_thorough;
    const seq = await engine.answer({ ...base, question: c.query, mode: 'sequence', numBeams: beams, attribution: true });
    t.ok(near(seq.attribution!.logLikelihood, seqRef.score), `RAG-Sequence log p(y|x) ${seq.attribution!.logLikelihood} = ${seqRef.score}`);
    t.ok(near(seq.confidence, Math.exp(seqRef.score / seqRef.tokens.length)), 'RAG-Sequence confidence from its score');
    const dropped = seq.attribution!.withoutDocument[seq.attribution!.dependsOn]!;
    t.ok(seq.attribution!.withoutDocument.every((l) => l === null || l >= dropped), 'it depends most on the document named');

    const held = await engine.answer({ ...base, question: c.query, extractive: true, minConfidence: 1 });
    t.equal(held.abstained, true, 'a minimum of 1 withholds every answer');
    t.ok(held.answerSpans!.length > 0, `"${held.text}" stands in a passage`);
    for (const s of held.answerSpans!) {
      t.equal(normalizeSpanText(held.documents[s.document]![s.field].slice(s.start, s.end)), normalizeSpanText(held.text));
    }
  }
});

/** The tiny bundle with `window_words` set on its answer task, in a temporary folder of links. */
async function windowedBundle(t: Test, words: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rag-windowed-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const entry of readdirSync(BUNDLE)) {
    if (entry !== 'rag_config.json') await symlink(join(BUNDLE, entry), join(dir, entry));
  }
  const config = JSON.parse(readFileSync(join(BUNDLE, 'rag_config.json'), 'utf8'));
  config.tasks = { ...config.tasks, answer: { ...config.tasks?.answer, window_words: words } };
  await writeFile(join(dir, 'rag_config.json'), JSON.stringify(config));
  return dir;
}

t.test('a bundle with reader windows generates from each passage\'s window and returns the whole passage', async (t) => {
  const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda omicron sigma upsilon omega';
  const windowed = await engineOver(t, [{ id: 'd', title: 'Greek', text }], undefined, 0, await windowedBundle(t, 4));
  const whole = await engineOver(t, [{ id: 'd', title: 'Greek', text }]);
  const base: GenerationRequest = { nDocs: 1, mode: 'token', numBeams: 1, maxNewTokens: 8 };
  let differs = 0;
  for (const question of ['where is kappa?', 'what follows alpha?', 'is omega last?', 'what about epsilon and eta?']) {
    const window = readerWindow(text, question, 4);
    const cut = await engineOver(t, [{ id: 'd', title: 'Greek', text: window }]);
    const got = await windowed.answer({ ...base, question });
    t.equal(got.text, (await cut.answer({ ...base, question })).text, `"${question}" is answered from "${window}"`);
    t.equal(got.documents[0].text, text, 'the returned passage is whole');
    if (got.text !== (await whole.answer({ ...base, question })).text) differs++;
  }
  t.ok(differs > 0, 'reading windows changes some answer of the random-weight generator');
});
