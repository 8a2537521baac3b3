// Scoring only the tokens the processors leave gives what scoring the whole vocabulary gives: the marginal against
// the former K x V computation, the allowed list against the processors, the sparse ranking against the full one,
// and whole decodings (greedy, beam, RAG-Sequence) on random logits, bit for bit.
import t from 'tap';
import { topCandidates, topSparseCandidates, type SparseRow } from '../../../src/generator/decoding/candidates.js';
import { decode, type DecodeRequest } from '../../../src/generator/decoding/decode.js';
import { allowedTokens, applyLogitsProcessors } from '../../../src/generator/decoding/logits-processors.js';
import { StepMarginal } from '../../../src/generator/decoding/marginal.js';
import { logSoftmaxInto, softmax } from '../../../src/generator/decoding/math.js';
import { PieceVocabulary, SpanConstraint } from '../../../src/generator/decoding/span-constraint.js';
import type { StepFn } from '../../../src/types/generation.js';
import { testConfig } from './config.js';
import { logProbsOf } from './log-probs.js';
import { mulberry32 } from '../../helpers/seeded-random.js';

/** Logits with ties (a few distinct values), some -inf entries, and now and then a row that is all -inf. */
function randomLogits(rand: () => number, rows: number, vocab: number): Float32Array {
  const logits = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    const dead = rand() < 0.1;
    for (let v = 0; v < vocab; v++) {
      const x = rand();
      logits[r * vocab + v] = dead || x < 0.05 ? -Infinity : x < 0.3 ? 1.5 : Math.round(x * 40) / 8 - 2;
    }
  }
  return logits;
}

/** The former full computation: every document's log_softmax row, then the marginal of every token. */
function fullMarginal(logits: Float32Array, firstRow: number, vocab: number, w: number[]): { doc: Float64Array; m: Float64Array } {
  const k = w.length;
  const doc = new Float64Array(k * vocab);
  for (let d = 0; d < k; d++) logSoftmaxInto(logits, (firstRow + d) * vocab, vocab, doc, d * vocab);
  const m = new Float64Array(vocab);
  for (let v = 0; v < vocab; v++) {
    let max = -Infinity;
    for (let d = 0; d < k; d++) max = Math.max(max, w[d] + doc[d * vocab + v]);
    if (max === -Infinity) {
      m[v] = -Infinity;
      continue;
    }
    let sum = 0;
    for (let d = 0; d < k; d++) sum += Math.exp(w[d] + doc[d * vocab + v] - max);
    m[v] = max + Math.log(sum);
  }
  return { doc, m };
}

t.test('the marginal and the posteriors match the full K x V computation exactly', async (t) => {
  const rand = mulberry32(1);
  let mismatches = 0;
  for (let trial = 0; trial < 200; trial++) {
    const k = 1 + Math.floor(rand() * 5);
    const vocab = 2 + Math.floor(rand() * 40);
    const w = Array.from({ length: k }, () => (rand() < 0.1 ? -Infinity : Math.log(0.05 + rand())));
    const logits = randomLogits(rand, k + 2, vocab);
    const { doc, m } = fullMarginal(logits, 1, vocab, w);
    const marginal = new StepMarginal(w).load(logProbsOf(logits, vocab), 1, vocab);
    for (let v = 0; v < vocab; v++) {
      const expectedPosterior = softmax(w.map((wk, d) => wk + doc[d * vocab + v]));
      if (!Object.is(marginal.at(v), m[v])
        || JSON.stringify(marginal.posterior(v)) !== JSON.stringify(expectedPosterior)) mismatches++;
    }
  }
  t.equal(mismatches, 0, 'every entry and posterior is bit for bit the same');
});

t.test('fillBest keeps the n best of the processed marginal exact, and every other entry below them', async (t) => {
  const rand = mulberry32(5);
  let mismatches = 0;
  let pruned = 0;
  for (let trial = 0; trial < 400; trial++) {
    const k = 1 + Math.floor(rand() * 5);
    const vocab = 2 + Math.floor(rand() * 60);
    const n = 1 + Math.floor(rand() * 8);
    const w = Array.from({ length: k }, () => (rand() < 0.1 ? -Infinity : Math.log(0.05 + rand())));
    const marginal = new StepMarginal(w).load(logProbsOf(randomLogits(rand, k, vocab), vocab), 0, vocab);
    const banned = new Set([...Array(vocab).keys()].filter(() => rand() < 0.2));
    const forced = rand() < 0.1 ? Math.floor(rand() * vocab) : -1;
    const process = (scores: Float64Array) => {
      for (const v of banned) scores[v] = -Infinity;
      if (forced >= 0) scores.forEach((_, v) => { if (v !== forced) scores[v] = -Infinity; });
    };
    const exact = Float64Array.from({ length: vocab }, (_, v) => marginal.at(v));
    process(exact);
    const best = marginal.fillBest(new Float64Array(vocab), n, process);
    const same = JSON.stringify(topCandidates([best], [0], n)) === JSON.stringify(topCandidates([exact], [0], n));
    const below = best.every((x, v) => Object.is(x, exact[v]) || x <= exact[v]);
    if (!same || !below) mismatches++;
    pruned += best.filter((x, v) => !Object.is(x, exact[v])).length;
  }
  t.equal(mismatches, 0, 'the n best candidates and their scores are those of the exact row; no entry overstates');
  t.ok(pruned > 1000, `most entries are left as bounds (${pruned})`);
});

// A made-up vocabulary for span constraints: 0 bos, 1 pad, 2 eos, then words and word pieces.
const PIECES = ['<s>', '<pad>', '</s>', ' a', ' b', ' c', 'a', 'b', 'c', ' ab', 'bc', ' ca', ' d'];
const V = PIECES.length;
const tokenizer = {
  ids: () => PIECES.map((_, i) => i),
  isSpecial: (id: number) => id <= 2,
  decode: (ids: readonly number[]) => ids.map((id) => PIECES[id]).join(''),
};
const pieces = new PieceVocabulary(tokenizer);

function randomDocs(rand: () => number, k: number): string[][] {
  const words = ['a', 'ab', 'abc', 'b', 'bc', 'ca', 'cab', 'd'];
  return Array.from({ length: k }, () => [Array.from({ length: 1 + Math.floor(rand() * 5) }, () => words[Math.floor(rand() * words.length)]).join(' ')]);
}

t.test('the allowed list is exactly what the processors leave finite', async (t) => {
  const rand = mulberry32(2);
  let mismatches = 0;
  let empty = 0;
  for (let trial = 0; trial < 400; trial++) {
    const cfg = testConfig({
      minLength: rand() < 0.3 ? 4 : null,
      badWordsIds: rand() < 0.3 ? [[3], [4, 5]] : null,
      noRepeatNgramSize: rand() < 0.3 ? 2 : null,
      forcedBosTokenId: rand() < 0.3 ? 0 : null,
      forcedEosTokenId: rand() < 0.3 ? 2 : null,
      maxLength: 3 + Math.floor(rand() * 3),
    });
    const constraint = rand() < 0.7 ? SpanConstraint.over(pieces, randomDocs(rand, 2), 2, 0) : null;
    const tokens = [2, ...Array.from({ length: Math.floor(rand() * 4) }, () => 3 + Math.floor(rand() * (V - 3)))];
    const scores = applyLogitsProcessors(Float64Array.from({ length: V }, (_, v) => -v - 1), tokens, cfg, constraint);
    const finite = [...scores.keys()].filter((v) => scores[v] > -Infinity);
    const allowed = allowedTokens(tokens, cfg, V, constraint);
    if (allowed === null) {
      const forced = (cfg.forcedBosTokenId !== null && tokens.length === 1) || tokens.length === cfg.maxLength - 1 && cfg.forcedEosTokenId !== null;
      if (constraint || forced) mismatches++;
    } else if (JSON.stringify(allowed) !== JSON.stringify(finite)) mismatches++;
    if (allowed?.length === 0) empty++;
  }
  t.equal(mismatches, 0);
  t.ok(empty > 0, `some rows have every token forbidden (${empty})`);
});

t.test('the sparse ranking matches the full one, ties, -inf and short rows included', async (t) => {
  const rand = mulberry32(3);
  let mismatches = 0;
  for (let trial = 0; trial < 500; trial++) {
    const beams = 1 + Math.floor(rand() * 4);
    const vocab = 3 + Math.floor(rand() * 12);
    const rows: SparseRow[] = Array.from({ length: beams }, () => {
      const ids = [...Array(vocab).keys()].filter(() => rand() < 0.3);
      return { ids, scores: ids.map(() => (rand() < 0.2 ? -Infinity : -Math.floor(rand() * 4) / 2)) };
    });
    const scoresOf = (row: SparseRow) => {
      const full = new Float64Array(vocab).fill(-Infinity);
      row.ids.forEach((v, i) => { full[v] = row.scores[i]; });
      return full;
    };
    const beamScores = Array.from({ length: beams }, (_, b) => (b === 0 ? 0 : rand() < 0.2 ? -Infinity : rand() < 0.5 ? -1e9 : -0.5));
    const n = 2 * beams;
    const sparse = topSparseCandidates(rows, beamScores, vocab, n);
    const full = topCandidates(rows.map(scoresOf), beamScores, n);
    if (JSON.stringify(sparse) !== JSON.stringify(full)) mismatches++;
  }
  t.equal(mismatches, 0);
});

/** Logits that depend only on a row's context and prefix (as a real model's would), drawn from a seed. */
function randomModel(seed: number, vocab: number): StepFn {
  let prefixes: string[] = [];
  return async ({ tokens, parents, contexts }) => {
    const next = Array.from(tokens, (tok, r) => (parents[r] < 0 ? `${contexts[r]}:` : `${prefixes[parents[r]]},${tok}`));
    prefixes = next;
    const logits = new Float32Array(tokens.length * vocab);
    next.forEach((key, r) => {
      let h = seed;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      logits.set(randomLogits(mulberry32(h), 1, vocab), r * vocab);
    });
    return logProbsOf(logits, vocab);
  };
}

t.test('greedy, beam and RAG-Sequence decode exactly alike on either path', async (t) => {
  const rand = mulberry32(4);
  let compared = 0;
  for (let trial = 0; trial < 60; trial++) {
    const k = 1 + Math.floor(rand() * 4);
    const w = Array.from({ length: k }, () => Math.log(0.1 + rand()));
    const cfg = testConfig({
      numBeams: 1 + Math.floor(rand() * 4),
      maxLength: 4 + Math.floor(rand() * 4),
      minLength: rand() < 0.3 ? 3 : null,
      noRepeatNgramSize: rand() < 0.3 ? 2 : null,
      forcedBosTokenId: rand() < 0.5 ? 0 : null,
      forcedEosTokenId: rand() < 0.3 ? 2 : null,
    });
    const constraint = rand() < 0.8 ? SpanConstraint.over(pieces, randomDocs(rand, k), 2, 0) : null;
    const request: DecodeRequest = { mode: rand() < 0.3 ? 'sequence' : 'token', fast: rand() < 0.5, constraint };
    const sparse = await decode(randomModel(trial, V), w, cfg, request);
    const full = await decode(randomModel(trial, V), w, cfg, { ...request, scoreEveryToken: true });
    t.strictSame(sparse, full, `trial ${trial}: ${request.mode}, ${cfg.numBeams} beams, K=${k}`);
    compared++;
  }
  t.equal(compared, 60);
});
