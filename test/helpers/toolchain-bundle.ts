// The tiny random-weight bundle the Python toolchain makes at test time (onnx/build/tiny, by `npm run fixtures`;
// scripts/test.sh makes it before the TypeScript tests), and its reference outputs (fixtures.json, documented at the
// top of onnx/ragkit/fixtures.py). Random-weight bundles stay out of git, so tests read this one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the toolchain's tiny bundle (docs/API.md's layout). */
export const tinyBundle = fileURLToPath(new URL('../../onnx/build/tiny/', import.meta.url));

/** One question (or Jeopardy answer) of fixtures.json, the retrieval half. */
export interface FixtureCase {
  query: string;
  query_ids: number[];
  query_type_ids: number[];
  query_embedding: number[];
  top_k: number[];
  top_k_scores: number[];
  retrieval_margin: number;
}

/** The parts of fixtures.json the retrieval-side tests use. */
export interface TinyFixtures {
  config: { n_docs: number; encoder_max_length: number };
  passages: { id: string; doc_id: string; title: string; text: string }[];
  ctx_inputs: { ids: number[]; type_ids: number[] }[];
  ctx_embeddings: number[][];
  tokenizer_cases: {
    generator: { text: string; ids: number[] }[];
    encoder: { text: string; pair: string | null; ids: number[]; type_ids: number[] }[];
  };
  questions: (FixtureCase & { outputs: Record<string, { tokens: number[]; text: string }> })[];
  jeopardy: FixtureCase[];
}

let cached: TinyFixtures | undefined;

/** fixtures.json of the tiny bundle; throws, saying how to make it, when the toolchain has not run. */
export function loadTinyFixtures(): TinyFixtures {
  if (cached) return cached;
  const path = join(tinyBundle, 'fixtures.json');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run fixtures\` first`);
  // NOTE: Python's json writes bare Infinity/-Infinity (beam margins, -inf scores); 1e999 parses to the same.
  const text = readFileSync(path, 'utf8').replace(/(?<=[[,:]\s*)(-?)Infinity(?=\s*[\],}])/g, '$11e999');
  cached = JSON.parse(text) as TinyFixtures;
  return cached;
}

/** Width of the bundle's DPR vectors. */
export function tinyDimension(): number {
  return loadTinyFixtures().ctx_embeddings[0].length;
}

/** Largest absolute difference of two vectors; Infinity when their lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
