/**
 * Table 1: the decoder's cost per generated token with the key/value cache (`createStep`: one new token per row
 * and step) and without it (`createUncachedStep`: every step re-decodes each row's whole prefix), at several
 * output lengths. Rows are those of RAG-Token greedy decoding: one per retrieved document, all fed the same token.
 */
import { performance } from 'node:perf_hooks';
import type { StepFn } from '../src/types/generation.js';
import type { BenchPipeline } from './pipeline.js';
import { summarize, type Summary } from './stats.js';

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
