/**
 * `rag eval qa.jsonl`: asks every question of a file (`{"question", "answers": [...], "doc_id"?}` per line) and
 * prints retrieval recall@1/5/k (the document the question was written from among the retrieved passages'
 * documents, when `doc_id` is given), exact match and F1. With `misses`, every question answered wrongly is
 * printed first with what was expected, what came out and where its document was retrieved, to read where a model
 * fails. With `records`, one line per question is written there (question, answer, confidence, correct) for
 * `rag calibrate`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { exactMatch, f1Score } from '../eval/answer-metrics.js';
import type { RagEngine } from '../rag/engine.js';
import type { AnswerRequest } from '../rag/types.js';

interface QaItem {
  question: string;
  answers: string[];
  doc_id?: string;
}

/** Where the question's document came among the retrieved ones, for a miss line ("" without a `doc_id`). */
function goldRank(docs: string[], docId: string | undefined): string {
  if (docId === undefined) return '';
  const rank = docs.indexOf(docId);
  return rank < 0 ? ' (its document not retrieved)' : ` (its document retrieved at rank ${rank + 1})`;
}

/** Runs the evaluation and prints a table; returns the numbers. */
export async function evaluate(
  engine: RagEngine, path: string, gen: Omit<AnswerRequest, 'question'>, limit: number,
  { misses = false, records }: { misses?: boolean; records?: string } = {},
) {
  const items = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim()).map((l, i) => {
    const item = JSON.parse(l) as QaItem;
    if (typeof item.question !== 'string' || !Array.isArray(item.answers)) {
      throw new Error(`${path} line ${i + 1}: needs "question" and "answers"`);
    }
    return item;
  }).slice(0, limit);
  const ks = [1, 5, gen.nDocs].filter((k, i, all) => k <= gen.nDocs && all.indexOf(k) === i);
  const hits = new Map(ks.map((k) => [k, 0]));
  let withDoc = 0;
  let em = 0;
  let f1 = 0;
  let ms = 0;
  const lines: string[] = [];
  for (const item of items) {
    const result = await engine.answer({ ...gen, question: item.question });
    const exact = exactMatch(result.text, item.answers);
    const docs = result.documents.map((d) => d.docId);
    em += exact;
    lines.push(JSON.stringify({ question: item.question, answers: item.answers, answer: result.text, confidence: result.confidence, correct: exact === 1 }));
    if (misses && !exact) {
      console.log(`miss  ${item.question}\n      expected ${JSON.stringify(item.answers)}, got ${JSON.stringify(result.text)}`
        + goldRank(docs, item.doc_id));
    }
    f1 += f1Score(result.text, item.answers);
    ms += result.timingsMs.total;
    if (item.doc_id !== undefined) {
      withDoc++;
      for (const k of ks) if (docs.slice(0, k).includes(item.doc_id)) hits.set(k, hits.get(k)! + 1);
    }
  }
  if (records) await writeFile(records, lines.join('\n') + '\n');
  const n = Math.max(1, items.length);
  const rows: [string, string][] = [
    ['questions', String(items.length)],
    ...ks.map((k): [string, string] => [`recall@${k}`, withDoc ? (hits.get(k)! / withDoc).toFixed(3) : 'n/a']),
    ['exact match', (em / n).toFixed(3)],
    ['F1', (f1 / n).toFixed(3)],
    ['mean latency ms', (ms / n).toFixed(0)],
  ];
  console.log(`${gen.mode === 'token' ? 'RAG-Token' : 'RAG-Sequence'}, ${gen.nDocs} documents, ${gen.numBeams} beams`);
  for (const [name, value] of rows) console.log(`${name.padEnd(18)}${value}`);
  return Object.fromEntries(rows);
}
