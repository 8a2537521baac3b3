/**
 * A model bundle's `rag_config.json`: how passages and the question are joined for the generator, how many
 * documents to retrieve by default, the task prefixes (Jeopardy shares the generator behind a prefix), and the
 * confidence below which /answer abstains by default.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The settings the engine uses, camelCased. */
export interface RagConfig {
  nDocs: number;
  titleSep: string;
  docSep: string;
  /** Longest generator input in tokens (passage, question and special tokens). */
  maxCombinedLength: number;
  /** Per task, the text put before the task's input in the question slot. */
  prefixes: { answer: string; jeopardy: string };
  /** Per task, whether its output must be a span of a retrieved passage (docs/DECODING.md, extractive answers). */
  extractive: { answer: boolean; jeopardy: boolean };
  /** Per task, how many words of each passage the generator reads (reader-window.ts); null: the whole passage. */
  windowWords: { answer: number | null; jeopardy: number | null };
  /** /answer abstains below this confidence unless a request says otherwise (0: never). */
  minConfidence: number;
}

function field<T>(json: Record<string, unknown>, key: string, check: (v: unknown) => boolean, fallback: T, what: string): T {
  const value = json[key];
  if (value === undefined) return fallback;
  if (!check(value)) throw new Error(`rag_config.json: ${key} must be ${what}, got ${JSON.stringify(value)}`);
  return value as T;
}

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const isString = (v: unknown) => typeof v === 'string';
const isProbability = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;

/** Parses a `rag_config.json` object; absent fields take facebook/rag-token-nq's values. */
export function parseRagConfig(json: Record<string, unknown>): RagConfig {
  const tasks = (json.tasks ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const prefix = (task: string) => {
    const p = tasks[task]?.prefix ?? '';
    if (typeof p !== 'string') throw new Error(`rag_config.json: tasks.${task}.prefix must be a string`);
    return p;
  };
  const extractive = (task: string) => {
    const e = tasks[task]?.extractive ?? false;
    if (typeof e !== 'boolean') throw new Error(`rag_config.json: tasks.${task}.extractive must be true or false`);
    return e;
  };
  const windowWords = (task: string) => {
    const w = tasks[task]?.window_words ?? null;
    if (w !== null && !positiveInt(w)) throw new Error(`rag_config.json: tasks.${task}.window_words must be a positive integer`);
    return w as number | null;
  };
  return {
    nDocs: field(json, 'n_docs', positiveInt, 5, 'a positive integer'),
    titleSep: field(json, 'title_sep', isString, ' / ', 'a string'),
    docSep: field(json, 'doc_sep', isString, ' // ', 'a string'),
    maxCombinedLength: field(json, 'max_combined_length', positiveInt, 300, 'a positive integer'),
    prefixes: { answer: prefix('answer'), jeopardy: prefix('jeopardy') },
    extractive: { answer: extractive('answer'), jeopardy: extractive('jeopardy') },
    windowWords: { answer: windowWords('answer'), jeopardy: windowWords('jeopardy') },
    minConfidence: field(json, 'min_confidence', isProbability, 0, 'a number from 0 to 1'),
  };
}

/** Reads `rag_config.json` from a bundle folder. */
export async function loadRagConfig(modelDir: string): Promise<RagConfig> {
  const path = join(modelDir, 'rag_config.json');
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${path}: ${err.code === 'ENOENT' ? 'missing: is RAG_MODEL_DIR a model bundle?' : err.message}`);
  });
  return parseRagConfig(JSON.parse(text) as Record<string, unknown>);
}
