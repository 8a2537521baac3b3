/**
 * `vectors.f32`: a segment's float vectors, row-major little-endian float32, no header, kept beside an IVF-PQ
 * index for exact re-ranking. Rows are read by offset with synchronous reads (a search is synchronous), so the
 * vectors stay in the page cache, never in the JavaScript heap.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { IndexDamageError } from './damage.js';

/** File name of the float vectors inside a segment folder. */
export const VECTORS_FILE = 'vectors.f32';

/** Appends vectors to a new `vectors.f32`. */
export class VectorFileWriter {
  private fd: number | undefined;
  rows = 0;

  constructor(dir: string, readonly dimension: number) {
    this.fd = openSync(join(dir, VECTORS_FILE), 'wx');
  }

  /** Appends rows (row-major, n x dimension). */
  append(vectors: Float32Array): void {
    if (this.fd === undefined) throw new Error('vector file written after close()');
    const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at);
    this.rows += vectors.length / this.dimension;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** An open `vectors.f32`, read by row. */
export class VectorFile {
  private constructor(private fd: number | undefined, readonly path: string, readonly dimension: number, readonly rows: number) {}

  /** Opens the file; throws IndexDamageError when its size is not `rows` vectors of `dimension`. */
  static open(dir: string, dimension: number, rows: number): VectorFile {
    const path = join(dir, VECTORS_FILE);
    const fd = openSync(path, 'r');
    const bytes = fstatSync(fd).size;
    if (bytes !== rows * dimension * 4) {
      closeSync(fd);
      throw new IndexDamageError(path, `has ${bytes} bytes; ${rows} vectors of dimension ${dimension} take ${rows * dimension * 4}`);
    }
    return new VectorFile(fd, path, dimension, rows);
  }

  /** The vectors at these rows, in order (row-major). */
  readRows(rows: readonly number[]): Float32Array {
    const out = new Float32Array(rows.length * this.dimension);
    const bytes = new Uint8Array(out.buffer);
    const rowBytes = this.dimension * 4;
    rows.forEach((row, i) => this.readInto(bytes, i * rowBytes, rowBytes, row));
    return out;
  }

  /** `count` consecutive vectors from row `first`. */
  readRange(first: number, count: number): Float32Array {
    const out = new Float32Array(count * this.dimension);
    this.readInto(new Uint8Array(out.buffer), 0, out.byteLength, first);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readInto(bytes: Uint8Array, offset: number, length: number, row: number): void {
    if (this.fd === undefined) throw new Error('vector file read after close()');
    if (!Number.isInteger(row) || row < 0 || row * this.dimension * 4 + length > this.rows * this.dimension * 4) {
      throw new IndexDamageError(this.path, `has no rows ${row}..${row + length / (this.dimension * 4) - 1}`);
    }
    for (let done = 0; done < length;) {
      const n = readSync(this.fd, bytes, offset + done, length - done, row * this.dimension * 4 + done);
      if (n === 0) throw new IndexDamageError(this.path, `ends before row ${row}`);
      done += n;
    }
  }
}
