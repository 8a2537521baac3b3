// Extractive answers: the span rule (the same cases as onnx/tests/test_span_constraint.py), the processor's place
// among the others, and greedy / beam / RAG-Sequence decoding under it.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_GENERATION_CONFIG, type GenerationConfig } from '../../../src/generator/decoding/generation-config.js';
import { decode } from '../../../src/generator/decoding/decode.js';
import { applyLogitsProcessors } from '../../../src/generator/decoding/logits-processors.js';
import { normalizeSpanText, PieceVocabulary, SpanConstraint } from '../../../src/generator/decoding/span-constraint.js';
import type { StepFn } from '../../../src/types/generation.js';
import { TextTokenizer } from '../../../src/tokenizer/tokenizer.js';
import { mulberry32 } from '../../helpers/seeded-random.js';
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

/** The rule by its definition: every vocabulary piece compared with the text after every place the answer occurs. */
function bruteForceAllowed(pieces: Map<number, string>, texts: string[], answer: string): { ids: number[]; eosOk: boolean } {
  const ids = new Set<number>();
  let eosOk = false;
  for (const text of texts) {
    for (let start = 0; start < text.length; start++) {
      const wordStart = /[a-z0-9]/.test(text[start]) && (start === 0 || !/[a-z0-9]/.test(text[start - 1]));
      if (!wordStart || !text.startsWith(answer, start)) continue;
      const end = start + answer.length;
      if (answer !== '') eosOk ||= end === text.length || !/[a-z0-9]/.test(text[end]);
      for (const [id, piece] of pieces) {
        const wanted = answer === '' ? piece.replace(/^ +/, '') : piece;
        if (wanted !== '' && text.startsWith(wanted, end)) ids.add(id);
      }
    }
  }
  return { ids: [...ids].sort((a, b) => a - b), eosOk };
}

t.test('on a real vocabulary and FOLDOC text, the search finds exactly the pieces the definition allows', async (t) => {
  const real = await TextTokenizer.load(new URL('../../../onnx/demo/generator/', import.meta.url).pathname);
  const realVocab = new PieceVocabulary(real);
  const lines = readFileSync(new URL('../../../index-data/demo/foldoc.jsonl', import.meta.url), 'utf8').split('\n');
  const docs = lines.slice(0, 3).map((line) => { const d = JSON.parse(line) as { title: string; text: string }; return [d.title, d.text]; });
  const texts = docs.flat().map(normalizeSpanText);
  const constraint = SpanConstraint.over(realVocab, docs, EOS, BOS);
  const rand = mulberry32(7);
  const answers = [''];
  for (let i = 0; i < 12; i++) {
    const text = texts[Math.floor(rand() * texts.length)];
    const starts = [...text.matchAll(/(?<![a-z0-9])[a-z0-9]/g)].map((m) => m.index!);
    const start = starts[Math.floor(rand() * starts.length)];
    answers.push(text.slice(start, start + 1 + Math.floor(rand() * 14)));
  }
  for (const answer of answers) {
    const tokens = [EOS, ...real.encode(` ${answer}`, { addSpecialTokens: false }).ids];
    t.equal(constraint.answerText(tokens), answer, `"${answer}" round-trips through the tokenizer`);
    const { ids, eosOk } = constraint.allowed(tokens);
    t.same({ ids: sorted(ids), eosOk }, bruteForceAllowed(realVocab.textOf, texts, answer), `after "${answer}"`);
  }
});
