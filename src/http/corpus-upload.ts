/**
 * Receives the body of PUT /index: streams it to a temporary NDJSON file while checking every document, so the
 * corpus is never buffered whole. The file holds one normalized `{"id"?, "title", "text"}` per line, ready for the
 * index builder. A bad line, a duplicate id or an oversize body stop the upload and remove the file; so does a full
 * disk, which is a 507 naming the folder instead of a 500.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClientGoneError, InsufficientStorageError, isDiskFull, PayloadTooLargeError, ValidationError } from '../errors.js';
import { checkDocument } from './document-check.js';
import { JsonDocumentsSplitter } from './json-documents-splitter.js';

/** The two accepted upload formats. */
export type CorpusFormat = 'ndjson' | 'json';

/** Where and how to receive an upload. */
export interface CorpusUploadOptions {
  body: Readable;
  format: CorpusFormat;
  maxBytes: number;
  /** Folder for the temporary file (created when missing). */
  dir: string;
  /** Every document must carry an `id` (an upsert replaces documents by id). */
  requireIds?: boolean;
  /** Start of the file's name (default `upload-`): replicas sharing a store name theirs apart. */
  prefix?: string;
}

/** A received, fully validated corpus on disk. */
export interface ReceivedCorpus {
  path: string;
  documents: number;
  bytes: number;
}

/** Splits NDJSON bytes into lines (1-based numbers); `\n` never occurs inside a UTF-8 multibyte sequence. */
class LineSplitter {
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

/** Streams and validates an upload into a temporary NDJSON file; throws ValidationError or PayloadTooLargeError. */
export async function receiveCorpus(opts: CorpusUploadOptions): Promise<ReceivedCorpus> {
  await mkdir(opts.dir, { recursive: true });
  const path = join(opts.dir, `${opts.prefix ?? 'upload-'}${randomUUID()}.ndjson`);
  const out = createWriteStream(path);
  // Held from the start: a write error (ENOSPC) can come while nothing awaits the stream, and unheard it would crash.
  let writeError: Error | undefined;
  out.on('error', (err) => {
    writeError ??= err;
  });
  const firstLineOfId = new Map<string, number>();
  let documents = 0;
  let pendingOutput: string[] = [];

  const accept = (raw: string, where: string, line: number) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new ValidationError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const check = checkDocument(value);
    if (!check.ok) throw new ValidationError(`${where}: ${check.reason}`);
    if (opts.requireIds && check.doc.id === undefined) {
      throw new ValidationError(`${where}: "id" is required: documents are added or replaced by id`);
    }
    if (check.doc.id !== undefined) {
      const first = firstLineOfId.get(check.doc.id);
      if (first !== undefined) throw new ValidationError(`${where}: duplicate id "${check.doc.id}" (first on line ${first})`);
      firstLineOfId.set(check.doc.id, line);
    }
    documents++;
    pendingOutput.push(JSON.stringify(check.doc) + '\n');
  };
  const parser = opts.format === 'ndjson'
    ? new LineSplitter((text, line) => {
      if (text.trim() !== '') accept(text, `line ${line}`, line);
    })
    : new JsonDocumentsSplitter((raw, index, line) => accept(raw, `line ${line} (document ${index})`, line));

  try {
    const flush = async () => {
      if (writeError) throw writeError;
      await write(out, pendingOutput);
      pendingOutput = [];
    };
    const bytes = await pump(opts.body, opts.maxBytes, async (chunk) => {
      parser.push(chunk);
      await flush();
    });
    parser.end();
    await flush();
    if (documents === 0) throw new ValidationError('the corpus has no documents');
    out.end();
    await finished(out); // rejects with the write error, even one that came before this line
    return { path, documents, bytes };
  } catch (err) {
    out.destroy();
    await rm(path, { force: true });
    const failure = writeError ?? err;
    throw isDiskFull(failure) ? new InsufficientStorageError(opts.dir, 'the upload') : err;
  }
}

async function write(out: WriteStream, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  if (!out.write(lines.join(''))) await once(out, 'drain');
}

/**
 * Feeds the body to `onChunk` one chunk at a time with backpressure. On failure it stops listening but does not
 * destroy the request: Node then discards the rest of the body, so the client still reads our 400 or 413.
 */
function pump(body: Readable, maxBytes: number, onChunk: (chunk: Buffer) => Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let busy = Promise.resolve();
    let failed = false;
    let ended = false;
    const stop = (err: unknown) => {
      if (failed) return;
      failed = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onGone);
      body.off('close', onClose);
      body.resume();
      reject(err);
    };
    // A request stream fails or closes early only when the client went away mid-upload.
    const onGone = () => stop(new ClientGoneError());
    const onClose = () => {
      if (!ended) onGone();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) return stop(new PayloadTooLargeError(maxBytes));
      body.pause();
      busy = busy.then(() => onChunk(chunk)).then(() => {
        if (!failed) body.resume();
      }, stop);
    };
    const onEnd = () => {
      ended = true;
      void busy.then(() => {
        if (!failed) resolve(bytes);
      });
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onGone);
    body.on('close', onClose);
  });
}
