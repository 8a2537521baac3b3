/**
 * Differential test against the PyTorch reference (onnx/ragkit/rag_reference.py): random logits tables over a
 * small vocabulary, decoded by both under many configurations. Both compute in float64 from the same float32
 * logits (the fake step gives decoding their log_softmax, as the reference computes it), so tokens must be
 * identical and scores equal to ~1e-9.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decode } from '../../../src/generator/decoding/decode.js';
import type { GenerationConfig } from '../../../src/generator/decoding/generation-config.js';
import type { StepFn } from '../../../src/types/generation.js';
import { testConfig } from './config.js';
import { logProbsOf } from './log-probs.js';
import { mulberry32 } from '../../helpers/seeded-random.js';

const V = 6;
const K = 3;
const MAX_LENGTH = 5;
const python = process.env.PYTHON ?? '/usr/bin/python3';
const oracle = fileURLToPath(new URL('./reference-oracle.py', import.meta.url));

type Logits = Record<string, Record<string, number[]>>;

/** float32 logits for every (context, generated prefix) up to the longest prefix decoding can reach. */
function randomTable(seed: number): Logits {
  const rand = mulberry32(seed);
  const table: Logits = {};
  for (let c = 0; c < K; c++) {
    table[c] = {};
    let level: number[][] = [[]];
    for (let len = 0; len <= MAX_LENGTH - 2; len++) {
      for (const prefix of level) {
        // Spread logits, eos (2) a little favoured so that hypotheses end at various lengths.
        table[c][prefix.join(',')] = Array.from({ length: V }, (_, v) => Math.fround(3 * (rand() - 0.5) + (v === 2 ? 0.8 : 0)));
      }
      level = level.flatMap((p) => Array.from({ length: V }, (_, v) => [...p, v]));
    }
  }
  return table;
}

function tableStep(table: Logits): StepFn {
  let prefixes: number[][] = [];
  return async ({ tokens, parents, contexts }) => {
    prefixes = Array.from(tokens, (tok, r) => (parents[r] < 0 ? [] : [...prefixes[parents[r]], tok]));
    const out = new Float32Array(tokens.length * V);
    prefixes.forEach((p, r) => out.set(table[contexts[r]][p.join(',')], r * V));
    return logProbsOf(out, V);
  };
}

interface Case { w: number[]; cfg: GenerationConfig; mode: 'token' | 'sequence'; numBeams: number; fast: boolean }

function snake(cfg: GenerationConfig): Record<string, unknown> {
  return {
    decoder_start_token_id: cfg.decoderStartTokenId, bos_token_id: cfg.bosTokenId, eos_token_id: cfg.eosTokenId,
    pad_token_id: cfg.padTokenId, num_beams: cfg.numBeams, min_length: cfg.minLength, max_length: cfg.maxLength,
    bad_words_ids: cfg.badWordsIds, no_repeat_ngram_size: cfg.noRepeatNgramSize,
    forced_bos_token_id: cfg.forcedBosTokenId, forced_eos_token_id: cfg.forcedEosTokenId,
    length_penalty: cfg.lengthPenalty, early_stopping: cfg.earlyStopping,
  };
}

const variants: Partial<GenerationConfig>[] = [
  {},
  { badWordsIds: [[0, 0], [3, 4]], minLength: 3, forcedEosTokenId: 2 },
  { forcedBosTokenId: 0 },
  { earlyStopping: true },
  { lengthPenalty: 0 },
  { lengthPenalty: 2, badWordsIds: [[5]] },
  { noRepeatNgramSize: 2 },
  { noRepeatNgramSize: 1, minLength: 2 },
];

function casesFor(seed: number): Case[] {
  const rand = mulberry32(seed + 1000);
  const w = Array.from({ length: K }, () => 4 * rand());
  const lse = Math.log(w.reduce((s, x) => s + Math.exp(x), 0));
  const logw = w.map((x) => x - lse);
  const cases: Case[] = [];
  variants.forEach((variant, i) => {
    const cfg = testConfig({ maxLength: MAX_LENGTH, ...variant });
    const numBeams = 1 + ((seed + i) % 3);
    cases.push({ w: logw, cfg, mode: 'token', numBeams: 1, fast: false });
    cases.push({ w: logw, cfg, mode: 'token', numBeams: Math.max(2, numBeams), fast: false });
    cases.push({ w: logw, cfg, mode: 'sequence', numBeams, fast: false });
    cases.push({ w: logw, cfg, mode: 'sequence', numBeams, fast: true });
  });
  return cases;
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9;

for (const seed of [1, 2, 3]) {
  t.test(`decodings equal the PyTorch reference on random logits (seed ${seed})`, async (t) => {
    const table = randomTable(seed);
    const cases = casesFor(seed);
    const request = { logits: table, cases: cases.map((c) => ({ w: c.w, cfg: snake(c.cfg), mode: c.mode, num_beams: c.numBeams, fast: c.fast })) };
    const run = spawnSync(python, [oracle], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 26 });
    t.equal(run.status, 0, `reference oracle ran (${run.stderr?.slice(-500)})`);
    // Python's json writes -Infinity bare; JavaScript's JSON does not know it.
    const expected = JSON.parse(run.stdout.replace(/-Infinity/g, '"-inf"'), (_, v) => (v === '-inf' ? -Infinity : v));
    for (const [i, c] of cases.entries()) {
      const name = `case ${i}: ${c.mode} beams=${c.numBeams}${c.fast ? ' fast' : ''} ${JSON.stringify(variants[Math.floor(i / 4)])}`;
      const got = await decode(tableStep(table), c.w, { ...c.cfg, numBeams: c.numBeams }, { mode: c.mode, fast: c.fast });
      const ref = expected[i];
      t.same(got.tokens, ref.tokens, `${name}: tokens`);
      if (got.mode === 'token') {
        t.ok(got.logprobs.every((lp, j) => close(lp, ref.logprobs[j])), `${name}: logprobs`);
        t.ok(got.docPosteriors.every((row, j) => row.every((p, k) => close(p, ref.doc_posteriors[j][k]))), `${name}: posteriors`);
        if (c.numBeams > 1) {
          t.ok(close(got.score!, ref.score), `${name}: score ${got.score} vs ${ref.score}`);
          t.same(got.hypotheses!.map((h) => h.tokens), ref.hypotheses.map((h: { tokens: number[] }) => h.tokens), `${name}: hypotheses`);
        }
      } else {
        t.ok(close(got.score, ref.score), `${name}: score ${got.score} vs ${ref.score}`);
        t.same(got.candidates.map((x) => x.tokens), ref.candidates.map((x: { tokens: number[] }) => x.tokens), `${name}: candidates`);
        t.ok(got.candidates.every((x, j) => x.docScores.every((s, k) => close(s, ref.candidates[j].doc_scores[k]))), `${name}: doc scores`);
        t.ok(got.docPosteriors.every((p, k) => close(p, ref.doc_posteriors[0][k])), `${name}: posteriors`);
      }
    }
  });
}
