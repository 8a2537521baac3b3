// Extractive answers: the span rule (the same cases as onnx/tests/test_span_constraint.py), the processor's place
// among the others, and greedy / beam / RAG-Sequence decoding under it.
import t from 'tap';
import { DEFAULT_GENERATION_CONFIG, type GenerationConfig } from '../../../src/generator/decoding/generation-config.js';
import { decode } from '../../../src/generator/decoding/decode.js';
import { applyLogitsProcessors } from '../../../src/generator/decoding/logits-processors.js';
import { normalizeSpanText, PieceVocabulary, SpanConstraint } from '../../../src/generator/decoding/span-constraint.js';
import type { StepFn } from '../../../src/types/generation.js';
import { logProbsOf } from './log-probs.js';

const BOS = 0;
const EOS = 2;
// id -> decoded text of a made-up byte-level vocabulary (leading space = word start); 0..2 are special
const PIECES: Record<number, string> = {
  3: ' Ada', 4: ' Love', 5: 'lace', 6: ' Lovel', 7: ' Babbage', 8: ' Charles', 9: 'ace', 10: ' the', 11: '\ufffd',
  12: ' ada', 13: 'Love', 14: 's',
};
const V = 15;
const tokenizer = {
  ids: () => Array.from({ length: V }, (_, i) => i),
  isSpecial: (id: number) => id <= 2,
  decode: (ids: readonly number[]) => ids.map((id) => PIECES[id] ?? '').join(''),
};
const vocab = new PieceVocabulary(tokenizer);
const spans = (...docs: string[][]) => SpanConstraint.over(vocab, docs, EOS, BOS);
const sorted = (ids: Set<number>) => [...ids].sort((a, b) => a - b);

t.test('an answer starts at a word of a document, in any case', async (t) => {
  const { ids, eosOk } = spans(['Ada Lovelace', 'Ada Lovelace wrote the first program.']).allowed([EOS, BOS]);
  t.same(sorted(ids), [3, 4, 6, 10, 12, 13], '"ada", "love", "lovel" at "lovelace", "the"; not "lace" (mid-word)');
  t.notOk(eosOk, 'an empty answer may not end');
});

t.test('an answer continues only with the text that follows it, and ends only at a word end', async (t) => {
  const c = spans(['Ada  Lovelace']);
  let { ids, eosOk } = c.allowed([EOS, BOS, 3]);
  t.same(sorted(ids), [4, 6], '" love", " lovel" (the double space is one)');
  t.ok(eosOk, '"ada" is a whole word');
  ({ ids, eosOk } = c.allowed([EOS, BOS, 3, 4]));
  t.same(sorted(ids), [5], '"ada love" must go on with "lace"');
  t.notOk(eosOk);
});

t.test('pieces that split a character and special tokens are never allowed', async (t) => {
  t.same(sorted(spans(['\ufffd Ada']).allowed([EOS, BOS]).ids), [3, 12]);
  t.equal(normalizeSpanText('  Ada\n\tLOVELACE '), 'ada lovelace');
});

t.test('restrict keeps bos on the first step only, and eos when nothing else fits', async (t) => {
  const c = spans(['Ada']);
  const finite = (s: Float64Array) => [...s.keys()].filter((i) => s[i] > -Infinity);
  t.same(finite(c.restrict(new Float64Array(V), [EOS])), [BOS, 3, 12]);
  t.same(finite(c.restrict(new Float64Array(V), [EOS, BOS, 3])), [EOS], '"ada" ends the document');
});

t.test('forDocs restricts to those documents\' texts', async (t) => {
  const c = spans(['Charles Babbage'], ['Ada Lovelace']);
  t.same(sorted(c.forDocs([0]).allowed([EOS, BOS]).ids), [7, 8]);
  t.same(sorted(c.forDocs([1]).allowed([EOS, BOS]).ids), [3, 4, 6, 12, 13]);
});

t.test('the constraint runs before forced eos, which still ends the answer at max_length', async (t) => {
  const cfg = { ...DEFAULT_GENERATION_CONFIG, maxLength: 4 };
  const out = applyLogitsProcessors(new Float64Array(V), [EOS, BOS, 3], cfg, spans(['Ada Lovelace']));
  t.same([...out.keys()].filter((i) => out[i] > -Infinity), [EOS]);
});

/** A step function from a table: the generated tokens joined by ',' -> {token: probability}; the rest of the mass
 * spread evenly, and eos almost surely after a prefix the table lacks. */
function tableStep(table: Record<string, Record<number, number>>): StepFn {
  let prefixes: number[][] = [];
  return async ({ tokens, parents }) => {
    prefixes = Array.from(tokens, (tok, r) => (parents[r] < 0 ? [] : [...prefixes[parents[r]], tok]));
    const out = new Float32Array(tokens.length * V);
    prefixes.forEach((prefix, r) => {
      const probs = table[prefix.join(',')] ?? { [EOS]: 0.99 };
      const known = Object.keys(probs).length;
      const rest = (1 - Object.values(probs).reduce((a, b) => a + b, 0)) / (V - known);
      for (let v = 0; v < V; v++) out[r * V + v] = Math.log(probs[v] ?? rest);
    });
    return logProbsOf(out, V);
  };
}

const cfg: GenerationConfig = {
  ...DEFAULT_GENERATION_CONFIG, minLength: 0, badWordsIds: [[BOS, BOS]], forcedBosTokenId: BOS, maxLength: 8, numBeams: 1,
};
// Free decoding copies "Ada Lovel" and ends it wrongly ("Lovels"); held to the passage, "ace" is the only way on.
const garbling = { '': { [BOS]: 0.9 }, [`${BOS}`]: { 3: 0.9 }, [`${BOS},3`]: { 6: 0.9 }, [`${BOS},3,6`]: { 14: 0.6, 9: 0.3 } };

t.test('a garbled name becomes the passage\'s name, greedy and with beams', async (t) => {
  const free = await decode(tableStep(garbling), [0], cfg, { mode: 'token' });
  t.equal(tokenizer.decode(free.tokens), ' Ada Lovels');
  const constraint = spans(['Ada Lovelace']);
  const held = await decode(tableStep(garbling), [0], cfg, { mode: 'token', constraint });
  t.same(held.tokens, [BOS, 3, 6, 9, EOS]);
  const beams = await decode(tableStep(garbling), [0], { ...cfg, numBeams: 2 }, { mode: 'token', constraint });
  t.equal(tokenizer.decode(beams.tokens), ' Ada Lovelace');
});

t.test('RAG-Sequence holds each document\'s beams to its own passage', async (t) => {
  const table = { '': { [BOS]: 0.9 }, [`${BOS}`]: { 7: 0.5, 3: 0.4 }, [`${BOS},3`]: { 6: 0.5, 4: 0.4 }, [`${BOS},3,4`]: { 5: 0.9 } };
  const out = await decode(tableStep(table), [Math.log(0.5), Math.log(0.5)], { ...cfg, numBeams: 2 },
    { mode: 'sequence', constraint: spans(['Charles Babbage'], ['Ada Lovelace']) });
  if (out.mode !== 'sequence') throw new Error('expected a RAG-Sequence decoding');
  t.ok(out.docHypotheses[0].every((h) => !h.tokens.includes(3)), 'document 0 never says "Ada"');
  t.ok(out.docHypotheses[1].every((h) => !h.tokens.includes(7)), 'document 1 never says "Babbage"');
  t.same(out.docHypotheses[1][0].tokens, [BOS, 3, 4, 5, EOS], 'document 1 copies "Ada Lovelace"');
});
