/**
 * The one reader of a corpus, whoever sends it: an upload (PUT /index, POST /index/documents) as NDJSON or
 * `{"documents": [...]}` JSON, the builder and a document change reading the file the upload wrote, the CLI's and
 * the demo's corpus files. It splits lines, parses and checks each document (`{"id"?, "title", "text"}`, no other
 * field, a text that is not blank) and refuses a repeated id, naming the line at fault in words a user can act on.
 * Bytes are pushed in as they arrive, so no corpus is ever held in memory whole.
 */
import { createReadStream } from 'node:fs';
import { ValidationError } from '../errors.js';
import type { DocumentInput } from '../types/corpus.js';
import { JsonDocumentsSplitter } from './json-documents-splitter.js';

/** The two accepted corpus formats. */
export type CorpusFormat = 'ndjson' | 'json';

/** A document the corpus reader accepted, with the 1-based line it starts on. */
export interface CorpusEntry {
  doc: DocumentInput;
  line: number;
}

/** What to read and what to do with each document. */
export interface CorpusReaderOptions {
  format: CorpusFormat;
  /** Every document must carry an `id` (a change replaces documents by id). */
  requireIds?: boolean;
  onDocument: (entry: CorpusEntry) => void;
}

const FIELDS = new Set(['id', 'title', 'text']);

/** Splits bytes into lines (1-based numbers); `\n` never occurs inside a UTF-8 multibyte sequence. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private line = 0;

  constructor(private readonly onLine: (text: string, line: number) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      this.pending.push(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  end(): void {
    if (this.pending.length > 0) this.flush();
  }

  private flush(): void {
    const text = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.onLine(text, ++this.line);
  }
}

/** Checks one parsed document; throws ValidationError (400) prefixed with `where` ("line 3"). */
export function checkDocument(value: unknown, where: string): DocumentInput {
  const fail = (reason: string): never => {
    throw new ValidationError(`${where}: ${reason}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('a document must be a JSON object with "title" and "text"');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) fail(`unknown field "${key}" (allowed: id, title, text)`);
  }
  const { id, title, text } = record;
  if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) fail('"id" must be a non-empty string when given');
  if (typeof title !== 'string') return fail('"title" is required and must be a string');
  if (typeof text !== 'string') return fail('"text" is required and must be a string');
  if (text.trim() === '') fail('"text" must not be empty');
  return id === undefined ? { title, text } : { id: id as string, title, text };
}

/** Reads a corpus pushed in chunks; `push` and `end` throw ValidationError naming the line at fault. */
export class CorpusReader {
  private readonly firstLineOfId = new Map<string, number>();
  private readonly splitter: LineSplitter | JsonDocumentsSplitter;
  private count = 0;

  constructor(private readonly opts: CorpusReaderOptions) {
    this.splitter = opts.format === 'ndjson'
      ? new LineSplitter((text, line) => {
        if (text.trim() !== '') this.accept(text, `line ${line}`, line);
      })
      : new JsonDocumentsSplitter((raw, index, line) => this.accept(raw, `line ${line} (document ${index})`, line));
  }

  /** Documents accepted so far. */
  get documents(): number {
    return this.count;
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  /** Ends the corpus: a JSON body must be complete, and a corpus must have a document. */
  end(): void {
    this.splitter.end();
    if (this.count === 0) throw new ValidationError('the corpus has no documents');
  }

  private accept(raw: string, where: string, line: number): void {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new ValidationError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const doc = checkDocument(value, where);
    if (this.opts.requireIds && doc.id === undefined) {
      throw new ValidationError(`${where}: "id" is required: documents are added or replaced by id`);
    }
    if (doc.id !== undefined) {
      const first = this.firstLineOfId.get(doc.id);
      if (first !== undefined) throw new ValidationError(`${where}: duplicate id "${doc.id}" (first on line ${first})`);
      this.firstLineOfId.set(doc.id, line);
    }
    this.count++;
    this.opts.onDocument({ doc, line });
  }
}

/** The lines of a file with their 1-based numbers, split by the corpus reader's line splitter. */
export function readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  return throughFile(path, (emit) => new LineSplitter((text, line) => emit({ text, line })));
}

/** The documents of an NDJSON corpus file, checked as an upload's are; throws ValidationError naming the line. */
export function readCorpusFile(path: string): AsyncGenerator<CorpusEntry> {
  return throughFile(path, (emit) => new CorpusReader({ format: 'ndjson', onDocument: emit }));
}

/** Streams a file through a push parser, yielding what it emits chunk by chunk. */
async function* throughFile<T>(
  path: string,
  parser: (emit: (item: T) => void) => { push(chunk: Buffer): void; end(): void },
): AsyncGenerator<T> {
  let ready: T[] = [];
  const parse = parser((item) => ready.push(item));
  for await (const chunk of createReadStream(path)) {
    parse.push(chunk as Buffer);
    yield* ready;
    ready = [];
  }
  parse.end();
  yield* ready;
}
