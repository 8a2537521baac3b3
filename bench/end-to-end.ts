/**
 * Tables 2 and 3: end-to-end `answer` latency per decoding mode, split into retrieve and generate as the engine
 * reports them, and throughput when N requests share one engine at once. One engine runs one ONNX session per
 * model: without batching, concurrent requests interleave their decoder runs on the same cores; with it
 * (generator/batching), requests that start together share them.
 */
import { performance } from 'node:perf_hooks';
import type { BatchingStats } from '../src/generator/batching/step-batcher.js';
import type { RagEngine } from '../src/rag/engine.js';
import type { AnswerRequest, GenerationRequest } from '../src/rag/types.js';
import type { RagMode } from '../src/types/generation.js';
import { summarize, type Summary } from './stats.js';

/** A decoding mode of table 2. */
export interface ModeSpec {
  label: string;
  mode: RagMode;
  numBeams: number;
  fast?: boolean;
  /** Answers held to spans of the passages (docs/DECODING.md); the other rows decode freely, whatever the bundle says. */
  extractive?: boolean;
}

/** The modes of table 2, with RAG-Sequence's beams per document. */
export function benchModes(beams: number): ModeSpec[] {
  return [
    { label: 'token greedy', mode: 'token', numBeams: 1 },
    { label: `token beam ${beams}`, mode: 'token', numBeams: beams },
    { label: `token beam ${beams}, extractive`, mode: 'token', numBeams: beams, extractive: true },
    { label: `sequence thorough (${beams} beams)`, mode: 'sequence', numBeams: beams },
    { label: `sequence fast (${beams} beams)`, mode: 'sequence', numBeams: beams, fast: true },
  ];
}

/** One row of table 2. */
export interface ModeRow {
  label: string;
  nDocs: number;
  /** Mean number of tokens generated per answer (eos included). */
  tokens: number;
  retrieve: Summary;
  generate: Summary;
  total: Summary;
}

/** One row of table 3. */
export interface ConcurrencyRow {
  /** Whether the engine shared decoder runs between requests (generator/batching). */
  batched: boolean;
  /** Batched only: mean rows per decoder run, and mean requests per cohort. */
  meanRows?: number;
  meanMembers?: number;
  concurrency: number;
  requests: number;
  wallSeconds: number;
  perSecond: number;
  latency: Summary;
}

interface Timed { retrieveMs: number; generateMs: number; tokens: number }

/** What the benches ask of an engine: only `answer`, so that run counts can wrap it. */
export type Answerer = Pick<RagEngine, 'answer'>;

/** The engine request of a table-2 row: free unless the row is extractive, whatever the bundle's default. */
export function engineRequest(spec: ModeSpec, question: string, nDocs: number, maxNewTokens: number): AnswerRequest {
  return {
    question, nDocs, mode: spec.mode, numBeams: spec.numBeams, maxNewTokens, extractive: spec.extractive ?? false, fast: spec.fast,
  };
}

async function answerOnce(engine: Answerer, spec: ModeSpec, question: string, nDocs: number, maxNewTokens: number): Promise<Timed> {
  const out = await engine.answer(engineRequest(spec, question, nDocs, maxNewTokens));
  return { retrieveMs: out.timingsMs.retrieve, generateMs: out.timingsMs.generate, tokens: out.generatedTokens };
}

/**
 * Table 2 for one bundle: each mode once untimed (unless the caller has warmed it up already), then `repeats`
 * answers over the questions in turn.
 */
export async function benchModesLatency(
  engine: Answerer, questions: readonly string[],
  opts: { nDocs: number; maxNewTokens: number; repeats: number; modes: ModeSpec[]; warmUp: boolean },
): Promise<ModeRow[]> {
  const rows: ModeRow[] = [];
  for (const spec of opts.modes) {
    if (opts.warmUp) await answerOnce(engine, spec, questions[0], opts.nDocs, opts.maxNewTokens);
    const runs: Timed[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      runs.push(await answerOnce(engine, spec, questions[r % questions.length], opts.nDocs, opts.maxNewTokens));
    }
    rows.push({
      label: spec.label, nDocs: opts.nDocs,
      tokens: runs.reduce((s, x) => s + x.tokens, 0) / runs.length,
      retrieve: summarize(runs.map((x) => x.retrieveMs)),
      generate: summarize(runs.map((x) => x.generateMs)),
      total: summarize(runs.map((x) => x.retrieveMs + x.generateMs)),
    });
  }
  return rows;
}

/**
 * Table 3 for one bundle: for each level N, N clients send at least `requests` greedy RAG-Token requests in all
 * (each client ceil(requests / N), back to back) through the same engine; requests per second over the wall time,
 * latency as each client saw it.
 */
export async function benchConcurrency(
  engine: Answerer & { batchingStats?(): Promise<BatchingStats | null> }, questions: readonly string[],
  opts: { nDocs: number; maxNewTokens: number; levels: readonly number[]; requests: number },
): Promise<ConcurrencyRow[]> {
  const req: GenerationRequest = { nDocs: opts.nDocs, mode: 'token', numBeams: 1, maxNewTokens: opts.maxNewTokens };
  const rows: ConcurrencyRow[] = [];
  for (const n of opts.levels) {
    const latencies: number[] = [];
    const perClient = Math.ceil(opts.requests / n);
    const client = async (c: number) => {
      for (let i = 0; i < perClient; i++) {
        const started = performance.now();
        await engine.answer({ ...req, question: questions[(c + i * n) % questions.length] });
        latencies.push(performance.now() - started);
      }
    };
    const before = (await engine.batchingStats?.()) ?? null;
    const started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, c) => client(c)));
    const wallSeconds = (performance.now() - started) / 1000;
    const row: ConcurrencyRow = {
      batched: before !== null, concurrency: n, requests: latencies.length, wallSeconds,
      perSecond: latencies.length / wallSeconds, latency: summarize(latencies),
    };
    const now = (await engine.batchingStats?.()) ?? null;
    if (before && now) {
      row.meanRows = (now.rows - before.rows) / Math.max(1, now.runs - before.runs);
      row.meanMembers = (now.members - before.members) / Math.max(1, now.cohorts - before.cohorts);
    }
    rows.push(row);
  }
  return rows;
}
