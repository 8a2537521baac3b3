/**
 * Table 1: the decoder's cost per generated token with the key/value cache (`createStep`: one new token per row
 * and step) and without it (`createUncachedStep`: every step re-decodes each row's whole prefix), at several
 * output lengths. Rows are those of RAG-Token greedy decoding: one per retrieved document, all fed the same token.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { joinContext } from '../src/generator/context-input.js';
import { decode } from '../src/generator/decoding/decode.js';
import { parseGenerationConfig } from '../src/generator/decoding/generation-config.js';
import { loadRagConfig } from '../src/generator/rag-config.js';
import { BartGenerator, type EncodedContexts } from '../src/onnx/bart-generator.js';
import { TextTokenizer } from '../src/tokenizer/tokenizer.js';
import type { LogProbs, StepFn } from '../src/types/generation.js';
import { BENCH_QUESTIONS } from './bench-index.js';
import type { BenchPipeline } from './pipeline.js';
import { describeMachine } from './report.js';
import { formatTable, ms, ratio, summarize, type Summary } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');

/** One output length of table 1: milliseconds per generated token over repeats, with and without the cache. */
export interface StepRow {
  rows: number;
  tokens: number;
  cached: Summary;
  uncached: Summary;
}

/**
 * Runs `tokens` steps through `step` over `rows` rows (contexts 0..rows-1) and returns the time elapsed after
 * each step, cumulative: entry `n - 1` is what generating `n` tokens cost. The next token is the argmax of row 0:
 * the cost of a step does not depend on which token it is, but a real token keeps the decoder's inputs realistic.
 */
async function generateTokens(step: StepFn, rows: number, tokens: number, startToken: number): Promise<number[]> {
  const contexts = Int32Array.from({ length: rows }, (_, r) => r);
  const identity = Int32Array.from({ length: rows }, (_, r) => r);
  let input = { tokens: new Int32Array(rows).fill(startToken), parents: new Int32Array(rows).fill(-1), contexts };
  const elapsed: number[] = [];
  const started = performance.now();
  for (let t = 0; t < tokens; t++) {
    const logits = await step(input);
    elapsed.push(performance.now() - started);
    const vocab = logits.length / rows;
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
    input = { tokens: new Int32Array(rows).fill(best), parents: identity, contexts };
  }
  return elapsed;
}

/** Table 1 for one bundle, and what the generator's encoder costs once per request before any step. */
export interface StepsResult {
  rows: StepRow[];
  /** The encoder over the K joined inputs, milliseconds. */
  encoder: Summary;
  /** Length of the encoded inputs in tokens (the longest of the K, the others padded to it). */
  contextTokens: number;
  /**
   * The cached decoder's first step alone, milliseconds: it has no cache yet, so it also projects the encoder states
   * into every layer's cross-attention keys and values, which later steps reuse (and uncached steps redo).
   */
  firstStep: Summary;
}

/**
 * Table 1 for one bundle: `repeats` timed generations of the longest output length with and without the cache,
 * over the same encoded contexts (after one untimed short warm-up each, which pays onnxruntime's first-run
 * allocations), read at every length; and the encoder timed `repeats` times over the same inputs.
 */
export async function benchDecoderSteps(
  pipeline: BenchPipeline, question: string, nDocs: number, lengths: readonly number[], repeats: number,
): Promise<StepsResult> {
  const { contexts, inputIds } = await pipeline.prepare(question, nDocs);
  const encoder: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    await pipeline.generator.encode(inputIds, pipeline.padTokenId);
    encoder.push(performance.now() - started);
  }
  const start = pipeline.generation.decoderStartTokenId;
  const longest = Math.max(...lengths);
  const timeCached = async (tokens: number) => {
    const cached = pipeline.generator.createStep(contexts);
    try {
      return await generateTokens(cached.step, contexts.count, tokens, start);
    } finally {
      cached.release();
    }
  };
  const timeUncached = (tokens: number) => generateTokens(pipeline.generator.createUncachedStep(contexts), contexts.count, tokens, start);
  await timeCached(Math.min(...lengths));
  await timeUncached(Math.min(...lengths));
  // One run of the longest output per repeat serves every length: generating n tokens is its first n steps.
  const cachedRuns: number[][] = [];
  const uncachedRuns: number[][] = [];
  for (let r = 0; r < repeats; r++) {
    // Interleaved, so that a burst of load from the machine's other jobs hits both sides alike.
    cachedRuns.push(await timeCached(longest));
    uncachedRuns.push(await timeUncached(longest));
  }
  const perToken = (runs: number[][], n: number) => summarize(runs.map((elapsed) => elapsed[n - 1] / n));
  const rows = lengths.map((n) => ({ rows: contexts.count, tokens: n, cached: perToken(cachedRuns, n), uncached: perToken(uncachedRuns, n) }));
  return { rows, encoder: summarize(encoder), contextTokens: contexts.length, firstStep: summarize(cachedRuns.map((e) => e[0])) };
}

/**
 * Beams sharing cross-attention (docs/BENCHMARKS.md, "Beams share cross-attention"): the same generator in the
 * per-row and per-document layouts (onnx/ragkit/export/graphs.py), CPU milliseconds per cached beam-search step.
 * Each repeat runs, for each layout in turn, the first step over the K document rows and then `steps` cached steps
 * over B*K beam-major rows whose parents rotate the beams (so the self-attention cache is gathered every step, as
 * in beam search). Sessions have one intra-op thread, as each model worker of the service has, so process CPU time
 * is the decoder's. Then, per repeat and layout, one whole RAG-Token beam decoding (`decode`, uniform document
 * weights, at most steps + 1 new tokens; the encoder not included), whose tokens must be the same in both layouts.
 * Inputs: the bench's first question joined with the first K FOLDOC documents (their first 100 words, as the
 * service's passages are cut), tokenized and cut as the engine does.
 *
 *     npx tsx bench/decoder-steps.ts [--pairs=tiny,demo] [--n-docs=5] [--beams=4] [--steps=16] [--repeats=5]
 *
 * A pair `NAME` is `onnx/build/tiny` vs `onnx/build/tiny-per-document` (`npm run fixtures`) for tiny, and
 * `onnx/demo` vs `onnx/build/demo-per-document` (`cd onnx && /usr/bin/python3 -m ragkit.bundle.relayout`) for demo.
 */
const LAYOUT_PAIRS: Record<string, [string, string]> = {
  tiny: ['onnx/build/tiny', 'onnx/build/tiny-per-document'],
  demo: ['onnx/build/demo-per-row', 'onnx/demo'],
};

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** What one layout of one pair measured. */
interface LayoutRun {
  layout: string;
  crossRows: number;
  firstCpu: number[];
  stepCpu: number[];
  stepWall: number[];
  /** Whole RAG-Token beam decodings (`decode`, uniform document weights): CPU ms each, and the tokens of the last. */
  decodeCpu: number[];
  tokens: number[];
  /** Whole RAG-Sequence decodings (K beam searches, then every candidate rescored against every document). */
  sequenceCpu: number[];
  sequenceTokens: number[];
}

/** K generator inputs from the first FOLDOC documents, joined with `question` as the engine joins them. */
async function foldocInputs(bundle: string, question: string, k: number): Promise<number[][]> {
  const lines = (await readFile(join(ROOT, 'index-data/demo/foldoc.jsonl'), 'utf8')).split('\n').filter(Boolean).slice(0, k);
  const rag = await loadRagConfig(bundle);
  const tokenizer = await TextTokenizer.load(join(bundle, 'generator'));
  return lines.map((line) => {
    const doc = JSON.parse(line) as { title: string; text: string };
    const text = doc.text.split(/\s+/).slice(0, 100).join(' ');
    return tokenizer.encode(joinContext(doc.title, text, rag.prefixes.answer + question, rag.titleSep, rag.docSep),
      { maxLength: rag.maxCombinedLength }).ids;
  });
}

/** One timed decoding: the first step on K rows, then `steps` cached steps on B*K rows; returns its log-probabilities too. */
async function beamSteps(generator: BartGenerator, contexts: EncodedContexts, beams: number, steps: number, start: number, run: LayoutRun, logits: LogProbs[]) {
  const k = contexts.count;
  const step = generator.createStep(contexts);
  try {
    const docs = Int32Array.from({ length: k }, (_, d) => d);
    let t = cpuMs();
    let out = await step.step({ tokens: new Int32Array(k).fill(start), parents: new Int32Array(k).fill(-1), contexts: docs });
    run.firstCpu.push(cpuMs() - t);
    logits.push(out.slice());
    const rows = beams * k;
    const contextsOf = Int32Array.from({ length: rows }, (_, r) => r % k);
    for (let s = 0; s < steps; s++) {
      // Beam b continues beam (b + s) % B of the previous step (on the first cached step every beam continues the K rows).
      const parents = Int32Array.from({ length: rows }, (_, r) => (s === 0 ? r % k : ((Math.floor(r / k) + s) % beams) * k + (r % k)));
      const vocab = out.length / (s === 0 ? k : rows);
      let best = 0;
      for (let v = 1; v < vocab; v++) if (out[v] > out[best]) best = v;
      t = cpuMs();
      const wall = performance.now();
      out = await step.step({ tokens: new Int32Array(rows).fill(best), parents, contexts: contextsOf });
      run.stepWall.push(performance.now() - wall);
      run.stepCpu.push(cpuMs() - t);
      logits.push(out.slice());
    }
    run.crossRows = step.crossAttentionRows();
  } finally {
    step.release();
  }
}

/** Both layouts of one pair, interleaved per repeat; returns the runs and the largest logit difference between them. */
async function benchLayoutPair(dirs: [string, string], opts: { nDocs: number; beams: number; steps: number; repeats: number }) {
  const generators = await Promise.all(dirs.map((d) => BartGenerator.load(join(d, 'generator'), { intraOpThreads: 1 })));
  try {
    const generation = parseGenerationConfig(JSON.parse(await readFile(join(dirs[0], 'generator/generation_config.json'), 'utf8')));
    const inputs = await foldocInputs(dirs[0], BENCH_QUESTIONS[0], opts.nDocs);
    const pad = generation.padTokenId ?? 1;
    const encoded = await Promise.all(generators.map((g) => g.encode(inputs, pad)));
    const runs: LayoutRun[] = generators.map((g) => ({
      layout: g.crossAttention, crossRows: 0, firstCpu: [], stepCpu: [], stepWall: [], decodeCpu: [], tokens: [], sequenceCpu: [],
      sequenceTokens: [],
    }));
    const cfg = { ...generation, numBeams: opts.beams, maxLength: opts.steps + 2 };
    const w = new Array<number>(opts.nDocs).fill(-Math.log(opts.nDocs));
    let worst = 0;
    for (let r = 0; r <= opts.repeats; r++) {
      // Repeat 0 is an untimed warm-up (onnxruntime's first-run allocations).
      const scratch = runs.map((run) => (r === 0 ? { ...run, firstCpu: [], stepCpu: [], stepWall: [], decodeCpu: [], sequenceCpu: [] } : run));
      const logits: LogProbs[][] = [[], []];
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
        await beamSteps(generators[i], encoded[i], opts.beams, opts.steps, generation.decoderStartTokenId, scratch[i], logits[i]);
        runs[i].crossRows = scratch[i].crossRows;
        for (const mode of ['token', 'sequence'] as const) {
          const step = generators[i].createStep(encoded[i]);
          const t = cpuMs();
          const tokens = (await decode(step.step, w, cfg, { mode })).tokens;
          (mode === 'token' ? scratch[i].decodeCpu : scratch[i].sequenceCpu).push(cpuMs() - t);
          if (mode === 'token') runs[i].tokens = tokens;
          else runs[i].sequenceTokens = tokens;
          step.release();
        }
      }
      logits[0].forEach((l, s) => { for (let j = 0; j < l.length; j++) worst = Math.max(worst, Math.abs(l[j] - logits[1][s][j])); });
    }
    return { runs, worst, contextTokens: encoded[0].length };
  } finally {
    await Promise.all(generators.map((g) => g.close()));
  }
}

async function mainLayouts(argv: string[]): Promise<void> {
  const opts = { pairs: 'tiny,demo', 'n-docs': 5, beams: 4, steps: 16, repeats: 5 };
  for (const arg of argv) {
    const m = /^--([\w-]+)=(.+)$/.exec(arg);
    if (!m || !(m[1] in opts)) throw new Error(`unknown argument ${arg}; known: ${Object.keys(opts).map((k) => `--${k}`).join(', ')}`);
    (opts as Record<string, unknown>)[m[1]] = m[1] === 'pairs' ? m[2] : Number(m[2]);
  }
  console.log(describeMachine());
  console.log(`K=${opts['n-docs']} documents, beam ${opts.beams}, ${opts.steps} cached steps per decoding, ${opts.repeats} repeats (medians)\n`);
  const rows: string[][] = [];
  for (const name of opts.pairs.split(',')) {
    const pair = LAYOUT_PAIRS[name];
    if (!pair) throw new Error(`unknown pair ${name}; known: ${Object.keys(LAYOUT_PAIRS).join(', ')}`);
    const dirs = pair.map((d) => join(ROOT, d)) as [string, string];
    const missing = dirs.find((d) => !existsSync(join(d, 'generator')));
    if (missing) { console.log(`${name}: ${missing} is missing, skipped`); continue; }
    const { runs, worst, contextTokens } = await benchLayoutPair(dirs, { nDocs: opts['n-docs'], beams: opts.beams, steps: opts.steps, repeats: opts.repeats });
    const [perRow, perDoc] = runs.map((run) => ({
      ...run, step: summarize(run.stepCpu).median, decode: summarize(run.decodeCpu).median, sequence: summarize(run.sequenceCpu).median,
    }));
    const sameTokens = perRow.tokens.join() === perDoc.tokens.join() && perRow.sequenceTokens.join() === perDoc.sequenceTokens.join();
    for (const run of [perRow, perDoc]) {
      const second = run === perDoc;
      rows.push([name, run.layout, String(contextTokens), String(run.crossRows), ms(summarize(run.firstCpu).median), ms(run.step),
        ms(summarize(run.stepWall).median), second ? ratio(perRow.step, perDoc.step) : '', second ? worst.toExponential(1) : '',
        ms(run.decode), second ? ratio(perRow.decode, perDoc.decode) : '', ms(run.sequence),
        second ? ratio(perRow.sequence, perDoc.sequence) : '', second ? (sameTokens ? 'yes' : 'NO') : '']);
    }
    console.log(`${name} done, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  }
  console.log('\n' + formatTable('CPU ms per decoder run, median over repeats (one intra-op thread)',
    ['bundle', 'layout', 'context tokens', 'cross rows held', 'first step (K rows)', 'cached step (B*K rows)', 'cached step wall ms',
      'per-row / per-document', 'max |Δ log p|', 'RAG-Token beam decoding', 'per-row / per-document', 'RAG-Sequence decoding',
      'per-row / per-document', 'same tokens'], rows, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await mainLayouts(process.argv.slice(2));
