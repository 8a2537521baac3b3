/**
 * RAG-Token over K documents, batched per decoder step (our generator: one row per document, the marginal over
 * the K rows chooses each token), against what a TypeScript user would reach for: `@huggingface/transformers`
 * running the same K generations one after another on the same generator folder (the same two ONNX graphs,
 * loaded locally, no hub). Both decode greedily and freely (no span constraint) exactly `new-tokens` tokens (the
 * minimum and the maximum alike, so that both do the same number of steps), over the same K token-id inputs:
 * each bench question joined with the K passages the engine retrieves for it. Both on the calling thread with one
 * onnxruntime thread; interleaved per question, alternating which goes first. Timed: the encoder and decoding,
 * not the tokenization. Issue 25's target: ours at least 2x faster.
 *
 *     npx tsx bench/versus-transformers.ts [--bundle=demo] [--k=5] [--new-tokens=16] [--repeats=3] [--passages=100]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AutoModelForSeq2SeqLM, env, Tensor } from '@huggingface/transformers';
import { loadBundleTexts } from '../src/generator/answer-generator.js';
import { joinContext } from '../src/generator/context-input.js';
import { ragTokenGreedy } from '../src/generator/decoding/greedy.js';
import { docLogWeights } from '../src/generator/decoding/math.js';
import { loadConfig } from '../src/config.js';
import { BartGenerator } from '../src/onnx/bart-generator.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { parseOptions } from './options.js';
import { describeMachine } from './report.js';
import { formatTable, ms, ratio, summarize } from './stats.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundle: 'demo', // a name from bench/bench-index.ts or a bundle folder
  k: 5, // documents per question
  'new-tokens': 16, // tokens generated per document (ours: per question), eos included
  repeats: 3, // timed rounds over the 8 bench questions, after one untimed round
  passages: 100, // passages in the bench index the documents come from
};

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Wall and CPU ms of `fn`, and its result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const cpu = cpuMs();
  const wall = performance.now();
  const value = await fn();
  return { wall: performance.now() - wall, cpu: cpuMs() - cpu, value };
}

const args = parseOptions(process.argv.slice(2), defaults);
console.log(describeMachine());
const bundle = bundleDir(args.bundle);
const texts = await loadBundleTexts(bundle.dir);
const { tokenizer, rag, generation } = texts;

// The K retrieved passages of each question, as the engine retrieves them, joined with the question.
const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: args.passages, cache: bundle.name !== 'tiny' });
const engine = await createRagEngine({
  config: loadConfig({ RAG_MODEL_DIR: bundle.dir, RAG_INDEX_DIR: '/nonexistent', RAG_WORKERS: '0', LOG_LEVEL: 'silent' }),
  indexManager: bench.index, logger: { warn: console.error },
});
const cases: { inputs: number[][]; w: Float64Array }[] = [];
for (const question of BENCH_QUESTIONS) {
  const r = await engine.answer({ question, nDocs: args.k, mode: 'token', numBeams: 1, maxNewTokens: 1 });
  cases.push({
    inputs: r.documents.map((d) => tokenizer.encode(joinContext(d.title, d.text, question, rag.titleSep, rag.docSep), { maxLength: rag.maxCombinedLength }).ids),
    w: docLogWeights(r.documents.map((d) => d.score)),
  });
}
await engine.close();
await bench.close();

// Exactly `new-tokens` tokens on both sides: HF's min/max length count the decoder start token.
const cfg = { ...generation, numBeams: 1, minLength: 1 + args['new-tokens'], maxLength: 1 + args['new-tokens'] };
const ours = await BartGenerator.load(join(bundle.dir, 'generator'), { intraOpThreads: 1 });
const pad = generation.padTokenId ?? tokenizer.padId;
/** Tokens generated: ours one answer, theirs one per document ("5 x 16"). */
async function oursGenerate(c: typeof cases[number]): Promise<string> {
  const contexts = await ours.encode(c.inputs, pad);
  const step = ours.createStep(contexts);
  try {
    return String((await ragTokenGreedy(step.step, c.w, cfg)).tokens.length);
  } finally {
    step.release();
  }
}

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = bundle.dir + '/';
const theirs = await AutoModelForSeq2SeqLM.from_pretrained('generator', {
  dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
});
async function theirsGenerate(c: typeof cases[number]): Promise<string> {
  const lengths: number[] = [];
  for (const ids of c.inputs) {
    const inputs = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const out = await theirs.generate({
      inputs, attention_mask: mask, num_beams: 1, do_sample: false,
      max_new_tokens: args['new-tokens'], min_new_tokens: args['new-tokens'],
    }) as unknown as { dims: number[] };
    lengths.push(out.dims[1] - 1); // the decoder start token is not generated
  }
  return new Set(lengths).size === 1 ? `${lengths.length} x ${lengths[0]}` : lengths.join('+');
}

const samples = { ours: { wall: [] as number[], cpu: [] as number[] }, theirs: { wall: [] as number[], cpu: [] as number[] } };
const tokens = { ours: new Set<string>(), theirs: new Set<string>() };
for (let round = 0; round <= args.repeats; round++) {
  for (const [i, c] of cases.entries()) {
    const order = (round + i) % 2 === 0 ? ['ours', 'theirs'] as const : ['theirs', 'ours'] as const;
    for (const who of order) {
      const t = await timed(() => (who === 'ours' ? oursGenerate(c) : theirsGenerate(c)));
      if (round === 0) continue; // warm-up: onnxruntime's arenas for these shapes
      samples[who].wall.push(t.wall);
      samples[who].cpu.push(t.cpu);
      tokens[who].add(t.value);
    }
  }
}
const rows = (['ours', 'theirs'] as const).map((who) => [
  who === 'ours' ? `RAG-Token, ${args.k} documents batched per step (this service)` : `@huggingface/transformers, ${args.k} generations one after another`,
  [...tokens[who]].join(', '), String(samples[who].wall.length), ms(summarize(samples[who].wall).median),
  ms(summarize(samples[who].wall).p90), ms(summarize(samples[who].cpu).median),
]);
console.log(formatTable(`${bundle.name}: one question's generation over K=${args.k} documents, greedy, free decoding, ` +
  `${args['new-tokens']} new tokens per document row, ms`,
['generator', 'tokens generated per question', 'samples', 'wall p50', 'wall p90', 'CPU p50'], rows));
// Each question's two timings were taken back to back: their ratios are the comparison least moved by the load.
const paired = (key: 'wall' | 'cpu') => summarize(samples.theirs[key].map((t, i) => t / samples.ours[key][i])).median.toFixed(2);
console.log(`transformers.js / ours: ${ratio(summarize(samples.theirs.wall).median, summarize(samples.ours.wall).median)} (wall p50), ` +
  `${ratio(summarize(samples.theirs.cpu).median, summarize(samples.ours.cpu).median)} (CPU p50); median of the ` +
  `per-question ratios ${paired('wall')}x (wall), ${paired('cpu')}x (CPU); issue 25's target: at least 2x`);
console.log(describeMachine().split('\n')[0]);
await theirs.dispose();
await ours.close();
