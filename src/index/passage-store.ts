/**
 * Passages on disk, read by row with positioned reads, so that an index of a million passages costs the JS heap
 * nothing but the offsets (8 bytes per passage, held in an off-heap Buffer):
 *
 *     passages.jsonl     one JSON object {"id", "doc_id", "title", "text"} per line, row order = FAISS label order
 *     passages.offsets   (n + 1) little-endian uint64 byte offsets into passages.jsonl; the last is its size
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Passage } from '../types/corpus.js';
import { IndexDamageError } from './damage.js';

/** File name of the passages (JSON lines) inside a version folder. */
export const PASSAGES_FILE = 'passages.jsonl';
/** File name of the byte offsets (uint64 LE) inside a version folder. */
export const OFFSETS_FILE = 'passages.offsets';

const FLUSH_BYTES = 1 << 20;

/** Appends passages to a new store; synchronous writes, since it runs inside the build worker. */
export class PassageStoreWriter {
  private readonly passagesFd: number;
  private readonly offsetsFd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offsets: Buffer[] = [];
  private position = 0;
  private count = 0;

  constructor(dir: string) {
    this.passagesFd = openSync(join(dir, PASSAGES_FILE), 'wx');
    this.offsetsFd = openSync(join(dir, OFFSETS_FILE), 'wx');
    this.pushOffset(0);
  }

  /** Number of passages appended so far (the next passage's row). */
  get size(): number {
    return this.count;
  }

  /** Appends one passage at row `size`. */
  append(p: Passage): void {
    const line = Buffer.from(JSON.stringify({ id: p.id, doc_id: p.docId, title: p.title, text: p.text }) + '\n', 'utf8');
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.position += line.length;
    this.count++;
    this.pushOffset(this.position);
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Flushes and closes both files. */
  close(): void {
    this.flush();
    closeSync(this.passagesFd);
    closeSync(this.offsetsFd);
  }

  private pushOffset(offset: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(BigInt(offset));
    this.offsets.push(b);
  }

  private flush(): void {
    if (this.pending.length > 0) writeAll(this.passagesFd, Buffer.concat(this.pending));
    if (this.offsets.length > 0) writeAll(this.offsetsFd, Buffer.concat(this.offsets));
    this.pending = [];
    this.offsets = [];
    this.pendingBytes = 0;
  }
}

/** One stored line back to a passage; anything else is damage. */
function parseRow(buf: Buffer, path: string, row: number): Passage {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new IndexDamageError(path, `row ${row} is not valid JSON`);
  }
  const { id, doc_id: docId, title, text } = o ?? {};
  if (typeof id !== 'string' || typeof docId !== 'string' || typeof title !== 'string' || typeof text !== 'string') {
    throw new IndexDamageError(path, `row ${row} is not a passage {"id", "doc_id", "title", "text"}`);
  }
  return { id, docId, title, text };
}

function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done);
}

/** A read-only store opened from a version folder; safe for concurrent `getMany` calls. */
export class PassageStore {
  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly offsets: Buffer,
    readonly size: number,
  ) {}

  /** Opens the store and checks that the offsets cover exactly the passages file. */
  static async open(dir: string): Promise<PassageStore> {
    const offsets = await readFile(join(dir, OFFSETS_FILE));
    if (offsets.length < 8 || offsets.length % 8 !== 0) {
      throw new Error(`${OFFSETS_FILE} in ${dir} has ${offsets.length} bytes, not a whole number of uint64 offsets`);
    }
    const size = offsets.length / 8 - 1;
    const file = await open(join(dir, PASSAGES_FILE), 'r');
    const bytes = (await file.stat()).size;
    const last = Number(offsets.readBigUInt64LE(size * 8));
    if (last !== bytes) {
      await file.close();
      throw new Error(`${PASSAGES_FILE} in ${dir} has ${bytes} bytes but its offsets end at ${last}`);
    }
    return new PassageStore(join(dir, PASSAGES_FILE), file, offsets, size);
  }

  /** The passage at one row; IndexDamageError (naming the file) when the bytes there are not a passage. */
  async get(row: number): Promise<Passage> {
    if (!Number.isInteger(row) || row < 0 || row >= this.size) {
      throw new RangeError(`passage row ${row} is outside 0..${this.size - 1}`);
    }
    const start = Number(this.offsets.readBigUInt64LE(row * 8));
    const end = Number(this.offsets.readBigUInt64LE(row * 8 + 8));
    const buf = Buffer.allocUnsafe(end - start);
    for (let got = 0; got < buf.length;) {
      const { bytesRead } = await this.file.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) throw new IndexDamageError(this.path, `ended early at row ${row}`);
      got += bytesRead;
    }
    return parseRow(buf, this.path, row);
  }

  /** The passages at these rows, in the same order. */
  getMany(rows: number[]): Promise<Passage[]> {
    return Promise.all(rows.map((r) => this.get(r)));
  }

  /** Closes the passages file. */
  async close(): Promise<void> {
    await this.file.close();
  }
}
