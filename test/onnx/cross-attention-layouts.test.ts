/**
 * The same tiny generator exported in both cross-attention layouts (`npm run fixtures` makes onnx/build/tiny and
 * onnx/build/tiny-per-document): every decoding gives the same tokens and, step by step, the same logits; the
 * per-document decoder holds one cross-attention row per document through beam search, where the per-row one holds
 * one per beam and document. (test/onnx/bart-generator.test.ts holds both to re-decoding without cache.)
 */
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { decode, type Decoding } from '../../src/generator/decoding/decode.js';
import { parseGenerationConfig } from '../../src/generator/decoding/generation-config.js';
import { PieceVocabulary, SpanConstraint } from '../../src/generator/decoding/span-constraint.js';
import { BartGenerator } from '../../src/onnx/bart-generator.js';
import { documentRows, heldDocumentRows, periodicOrder } from '../../src/onnx/cross-attention.js';
import { TextTokenizer } from '../../src/tokenizer/tokenizer.js';
import type { LogProbs, StepFn } from '../../src/types/generation.js';

const root = new URL('../../onnx/build/', import.meta.url).pathname;
if (!existsSync(`${root}tiny-per-document/generator`)) throw new Error(`${root}tiny-per-document is missing: run npm run fixtures`);
const fixtures = JSON.parse(readFileSync(`${root}tiny/fixtures.json`, 'utf8'));
const cfg = parseGenerationConfig(fixtures.config.generation);
const PAD = cfg.padTokenId!;
const perRow = await BartGenerator.load(`${root}tiny/generator`);
const perDocument = await BartGenerator.load(`${root}tiny-per-document/generator`);
const pieces = new PieceVocabulary(await TextTokenizer.load(`${root}tiny/generator`));
t.teardown(async () => { await perRow.close(); await perDocument.close(); });

/** Float32 noise between two graphs computing the same products in another order (about 1e-6 observed). */
const TOL = 1e-4;

t.test('the layout is read from the decoder graph', async (t) => {
  t.equal(perRow.crossAttention, 'per-row');
  t.equal(perDocument.crossAttention, 'per-document');
  const manifest = JSON.parse(readFileSync(`${root}tiny-per-document/generator/manifest.json`, 'utf8'));
  t.equal(manifest.config.cross_attention, 'per_document', 'and the manifest says so');
});

t.test('document rows: the shortest repeating prefix of the row contexts, or every row', async (t) => {
  const rows = (...c: number[]) => Array.from(documentRows('per-document', Int32Array.from(c)));
  t.same(rows(0, 1, 2, 0, 1, 2, 0, 1, 2), [0, 1, 2], 'beam-major RAG-Token rows');
  t.same(rows(0, 1, 2), [0, 1, 2], 'the first step');
  t.same(rows(3, 3, 3, 3), [3], 'one document, four beams');
  t.same(rows(0, 0, 1, 1), [0, 0, 1, 1], 'document-major rows (RAG-Sequence) keep a row each');
  t.same(rows(0, 1, 0), [0, 1, 0], 'no period that divides the rows');
  t.same(Array.from(documentRows('per-row', Int32Array.of(0, 1, 0, 1))), [0, 1, 0, 1], 'per row: the rows themselves');
  t.same(Array.from(heldDocumentRows(Int32Array.of(4, 2, 7), Int32Array.of(7, 7, 4))), [2, 2, 0]);
  t.throws(() => heldDocumentRows(Int32Array.of(4, 2), Int32Array.of(5)), /context 5/);
});

t.test('periodic order: rows that hold each document equally often run so that the documents repeat', async (t) => {
  const order = (...c: number[]) => { const o = periodicOrder(Int32Array.from(c)); return o && Array.from(o); };
  t.same(order(0, 0, 1, 1), [0, 2, 1, 3], 'document-major beams run beam-major');
  t.same(order(5, 5, 5, 2, 2, 2), [0, 3, 1, 4, 2, 5], 'documents in order of first appearance');
  t.same(order(1, 0, 0, 1), [0, 1, 3, 2], 'each document\'s rows keep their order');
  t.equal(order(0, 0, 1), null, 'unequal counts: no such order');
  t.equal(order(0, 1, 2), null, 'no document shared');
  t.equal(order(), null, 'no rows');
});

/** Wraps a step to keep a copy of every log-probabilities array it returns. */
function recording(step: StepFn): { step: StepFn; logits: LogProbs[] } {
  const logits: LogProbs[] = [];
  return { logits, step: async (input) => { const out = await step(input); logits.push(out.slice()); return out; } };
}

function maxAbsDiff(a: LogProbs, b: LogProbs): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function worstOf(a: number[], b: number[]): number {
  return a.length !== b.length ? Infinity : Math.max(0, ...a.map((x, i) => Math.abs(x - b[i])));
}

/** Decodes one fixture question with a generator; returns the decoding, each step's logits and the cross rows held. */
async function run(generator: BartGenerator, q: any, mode: 'token' | 'sequence', numBeams: number, extractive: boolean, fast = false) {
  const encoded = await generator.encode(q.generator_input_ids, PAD);
  const passages = q.top_k.map((i: number) => fixtures.passages[i]);
  const constraint = extractive
    ? SpanConstraint.over(pieces, passages.map((p: { title: string; text: string }) => [p.title, p.text]), cfg.eosTokenId, cfg.bosTokenId)
    : null;
  const cached = generator.createStep(encoded);
  const crossRows: number[] = [];
  const rec = recording(async (input) => {
    const out = await cached.step(input);
    crossRows.push(cached.crossAttentionRows());
    return out;
  });
  try {
    const out = await decode(rec.step, q.doc_log_weights, { ...cfg, numBeams }, { mode, fast, constraint });
    return { out, logits: rec.logits, crossRows };
  } finally {
    cached.release();
  }
}

const decodings = [
  ['greedy', 'token', 1, false], ['beam', 'token', cfg.numBeams, false], ['extractive greedy', 'token', 1, true],
  ['extractive beam', 'token', cfg.numBeams, true], ['RAG-Sequence', 'sequence', cfg.numBeams, false],
  ['extractive RAG-Sequence', 'sequence', cfg.numBeams, true], ['RAG-Sequence fast', 'sequence', cfg.numBeams, false, true],
] as const;

for (const [i, q] of [...fixtures.questions, ...fixtures.jeopardy].entries()) {
  t.test(`case ${i}: both layouts decode the same, step by step`, async (t) => {
    for (const [name, mode, numBeams, extractive, fast] of decodings) {
      const a = await run(perRow, q, mode, numBeams, extractive, fast ?? false);
      const b = await run(perDocument, q, mode, numBeams, extractive, fast ?? false);
      t.same(b.out.tokens, a.out.tokens, `${name}: same tokens`);
      t.equal(b.logits.length, a.logits.length, `${name}: same number of steps`);
      const worst = Math.max(...a.logits.map((l, s) => maxAbsDiff(l, b.logits[s])));
      t.ok(worst < TOL, `${name}: largest logit difference ${worst.toExponential(2)}`);
      const lp = (d: Decoding) => (d.mode === 'token' ? d.logprobs : (d.logprobs ?? []).flat());
      t.ok(worstOf(lp(b.out), lp(a.out)) < TOL, `${name}: same per-step log-probabilities`);
      if (mode === 'token' && numBeams > 1) {
        const K = q.generator_input_ids.length;
        // After the first step (one row per document), beam search has numBeams rows per document.
        t.same(b.crossRows.slice(1), b.crossRows.slice(1).map(() => K), `${name}: one cross-attention row per document`);
        t.same(a.crossRows.slice(1), a.crossRows.slice(1).map(() => numBeams * K), `${name}: per row, one per beam and document`);
      }
      if (mode === 'sequence') {
        // The K beam searches' rows are document-major; they run beam-major, one cross-attention row per document.
        const K = q.generator_input_ids.length;
        t.equal(b.crossRows[1], K, `${name}: the beam searches hold one row per document`);
        t.equal(a.crossRows[1], numBeams * K, `${name}: per row, one per beam and document`);
      }
      if (mode === 'sequence' && !fast) {
        // The rescoring's rows are candidate-major (candidate c, document d at c*K + d): shared per document.
        t.equal(b.crossRows.at(-1), q.generator_input_ids.length, `${name}: the rescoring holds one row per document`);
      }
    }
  });
}
