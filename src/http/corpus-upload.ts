/**
 * Receives the body of PUT /index or POST /index/documents: streams it to a temporary NDJSON file while the corpus
 * reader (index/corpus.ts) checks every document, so the corpus is never buffered whole. The file holds one
 * normalized `{"id"?, "title", "text"}` per line, ready for the index builder. Until this function returns, the file
 * is its own: a bad line, a duplicate id or an oversize body stop the upload and remove the file; so does a full disk,
 * which is a 507 naming the folder instead of a 500. Once returned, the file belongs to the index manager job it
 * is handed to (IndexAdmin.startBuild, startChange), refused or not.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClientGoneError, InsufficientStorageError, isDiskFull, PayloadTooLargeError } from '../errors.js';
import { CorpusReader, type CorpusFormat } from '../index/corpus.js';

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
  let pendingOutput: string[] = [];
  const reader = new CorpusReader({
    format: opts.format, requireIds: opts.requireIds,
    onDocument: ({ doc }) => pendingOutput.push(JSON.stringify(doc) + '\n'),
  });

  try {
    const flush = async () => {
      if (writeError) throw writeError;
      await write(out, pendingOutput);
      pendingOutput = [];
    };
    const bytes = await pump(opts.body, opts.maxBytes, async (chunk) => {
      reader.push(chunk);
      await flush();
    });
    reader.end();
    await flush();
    out.end();
    await finished(out); // rejects with the write error, even one that came before this line
    return { path, documents: reader.documents, bytes };
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
