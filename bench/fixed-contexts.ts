/**
 * Generator inputs of one exact length, for benchmarks whose shapes must not depend on what was retrieved: the
 * longest FOLDOC entries of the demo corpus, each tokenized by the bundle's generator tokenizer and cut to
 * `length` tokens (special tokens included).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TextTokenizer } from '../src/tokenizer/tokenizer.js';

const DEMO_CORPUS = resolve(import.meta.dirname, '../index-data/demo/foldoc.jsonl');

/** `count` token-id rows of exactly `length` ids each, from distinct documents; throws when too few are that long. */
export async function fixedLengthContexts(generatorDir: string, count: number, length: number): Promise<number[][]> {
  const tokenizer = await TextTokenizer.load(join(generatorDir));
  const docs = (await readFile(DEMO_CORPUS, 'utf8')).split('\n').filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { title: string; text: string });
  // Longest first: a few hundred characters per 100 tokens, so the first `count` suffice for any length used here.
  docs.sort((a, b) => b.text.length - a.text.length);
  const rows: number[][] = [];
  for (const doc of docs) {
    if (rows.length === count) break;
    const ids = tokenizer.encode(`${doc.title} / ${doc.text}`, { maxLength: length }).ids;
    if (ids.length === length) rows.push(ids);
  }
  if (rows.length < count) throw new Error(`only ${rows.length} demo documents reach ${length} tokens`);
  return rows;
}
