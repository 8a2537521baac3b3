/**
 * The decoder's key/value cache layout (Optimum names) and the row gathers that beam search needs: each row of a
 * step continues the cache of its parent row, so cache tensors are re-ordered by `parents` between steps.
 */
import { ort } from './session.js';

/** One cache input of the merged decoder and the output that refreshes it. */
export interface CacheEntry {
  /** `past_key_values.{i}.{decoder|encoder}.{key|value}` */
  past: string;
  /** `present.{i}.{decoder|encoder}.{key|value}` */
  present: string;
  /** Self-attention entries grow by one position per step; cross-attention (encoder) entries are fixed per context. */
  kind: 'decoder' | 'encoder';
  heads: number;
  headDim: number;
}

const PAST = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/;

/**
 * Reads the cache entries from the decoder's input metadata.
 * NOTE: past tensors are `[batch, heads, length, head_dim]`; heads and head_dim must be fixed numbers.
 */
export function cacheLayout(session: ort.InferenceSession): CacheEntry[] {
  const entries: CacheEntry[] = [];
  for (const meta of session.inputMetadata) {
    const m = PAST.exec(meta.name);
    if (!m) continue;
    const shape = meta.isTensor ? meta.shape : [];
    const [, heads, , headDim] = shape;
    if (typeof heads !== 'number' || typeof headDim !== 'number' || shape.length !== 4) {
      throw new Error(`decoder input ${meta.name} has shape [${shape}]; expected [batch, heads, length, head_dim]`);
    }
    const present = `present.${m[1]}.${m[2]}.${m[3]}`;
    if (!session.outputNames.includes(present)) throw new Error(`decoder has input ${meta.name} but no output ${present}`);
    entries.push({ past: meta.name, present, kind: m[2] as 'decoder' | 'encoder', heads, headDim });
  }
  if (entries.length === 0) throw new Error('the decoder has no past_key_values inputs: a merged decoder with cache is required');
  return entries;
}

/** Rows of `data` (each `rowSize` values) picked by `index`: out row r is in row index[r]. */
export function gatherRows<T extends Float32Array | BigInt64Array>(data: T, rowSize: number, index: ArrayLike<number>): T {
  const out = new (data.constructor as { new(n: number): T })(index.length * rowSize);
  for (let r = 0; r < index.length; r++) {
    const from = index[r] * rowSize;
    out.set(data.subarray(from, from + rowSize) as never, r * rowSize);
  }
  return out;
}

/** The tensor's rows picked by `index` (its first axis). */
export function gatherTensor(tensor: ort.Tensor, index: ArrayLike<number>): ort.Tensor {
  const rows = tensor.dims[0];
  const rowSize = rows > 0 ? tensor.size / rows : 0;
  for (let r = 0; r < index.length; r++) {
    if (!(index[r] >= 0 && index[r] < rows)) throw new Error(`row ${r} names row ${index[r]} of ${rows}`);
  }
  const data = gatherRows(tensor.data as Float32Array | BigInt64Array, rowSize, index);
  return new ort.Tensor(tensor.type as 'float32' | 'int64', data, [index.length, ...tensor.dims.slice(1)]);
}

/** True when `index` is 0, 1, ..., rows-1: a gather would copy everything to where it already is. */
export function isIdentity(index: ArrayLike<number>, rows: number): boolean {
  if (index.length !== rows) return false;
  for (let r = 0; r < rows; r++) if (index[r] !== r) return false;
  return true;
}

/** True when two context lists are equal row by row. */
export function sameRows(a: ArrayLike<number> | null, b: ArrayLike<number>): boolean {
  if (!a || a.length !== b.length) return false;
  for (let r = 0; r < b.length; r++) if (a[r] !== b[r]) return false;
  return true;
}
