/**
 * Small statistics and table helpers shared by the benchmarks: median and p90 over repeats, ratios of medians,
 * fixed-width tables, and memory readings taken after a full garbage collection.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Median and p90 of a set of samples (milliseconds, usually). */
export interface Summary {
  n: number;
  median: number;
  p90: number;
}

/** The value at quantile `q` (0..1) of sorted samples, interpolated between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median and p90 of `samples` (unsorted). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/** `a / b` printed as "3.2x", or "-" when either side is missing. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  return `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}x`;
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A titled table in fixed-width columns; the first `textColumns` left-aligned (names), the others right (numbers). */
export function formatTable(title: string, header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    '| ' + r.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [title, line(header), rule, ...rows.map(line)].join('\n');
}

// A collector to call before memory readings, without asking for `node --expose-gc` (same trick as retrieval.ts).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Process memory in MB after a full collection: RSS (native ONNX buffers included) and the JS heap. */
export function memoryMb(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
}
