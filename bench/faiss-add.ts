/**
 * Adding vectors to a flat index and training an IVF one through faiss-node's own methods, which take a JS Array
 * (every vector copied into a temporary array of 8-byte numbers, then element by element through N-API), against
 * the Float32Array methods scripts/build-faiss-node.sh adds, which FAISS reads in place. Alternating repeats in one
 * process, the median of each; and the V8 heap the Array path needs for the same vectors.
 *
 *     npx tsx bench/faiss-add.ts [--rows=20000] [--dim=768] [--repeats=3]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import faiss from 'faiss-node';
import { FaissIndex } from '../src/retriever/faiss-index.js';
import { randomVectors } from './random-vectors.js';
import { formatTable, ms, quantile } from './stats.js';

const defaults = { rows: 20_000, dim: 768, repeats: 3 };
// faiss-node's add copied in chunks of this many numbers (16 MB of temporary array) before the in-place methods.
const ARRAY_CHUNK = 1 << 21;

function parseArgs(argv: string[]): typeof defaults {
  const args = { ...defaults };
  for (const arg of argv) {
    const m = /^--(rows|dim|repeats)=(\d+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}; known: --rows=N, --dim=N, --repeats=N`);
    args[m[1] as keyof typeof defaults] = Number(m[2]);
  }
  return args;
}

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

function addAsArrays(index: faiss.Index, vectors: Float32Array, dim: number): void {
  const step = Math.floor(ARRAY_CHUNK / dim) * dim;
  for (let start = 0; start < vectors.length; start += step) index.add(Array.from(vectors.subarray(start, start + step)));
}

function main(): void {
  const { rows, dim, repeats } = parseArgs(process.argv.slice(2));
  const vectors = randomVectors(rows, dim, 1);
  const sample = vectors.subarray(0, Math.min(rows, 256 * 39) * dim);
  const times = { addArray: [] as number[], addTyped: [] as number[], trainArray: [] as number[], trainTyped: [] as number[] };
  for (let r = 0; r < repeats; r++) {
    times.addArray.push(timed(() => addAsArrays(faiss.Index.fromFactory(dim, 'Flat', faiss.MetricType.METRIC_INNER_PRODUCT), vectors, dim)));
    times.addTyped.push(timed(() => FaissIndex.create(dim, 'IndexFlatIP').add(vectors)));
    times.trainArray.push(timed(() => faiss.Index.fromFactory(dim, 'IVF256,Flat', faiss.MetricType.METRIC_INNER_PRODUCT).train(Array.from(sample))));
    times.trainTyped.push(timed(() => FaissIndex.create(dim, 'IVF256,Flat').train(sample)));
  }
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  const row = (what: string, n: number, array: number[], typed: number[], heapMb: number) =>
    [what, String(n), ms(median(array)), ms(median(typed)), `${(median(array) / median(typed)).toFixed(1)}x`, heapMb.toFixed(0)];
  console.log(formatTable(`faiss-node, ${rows} x ${dim} float32 vectors, median of ${repeats} (ms), load ${loadavg()[0].toFixed(1)}`,
    ['operation', 'vectors', 'JS Array', 'Float32Array in place', 'Array / in place', 'Array heap MB'],
    [row('add to IndexFlatIP', rows, times.addArray, times.addTyped, (Math.min(rows * dim, ARRAY_CHUNK) * 8) / 2 ** 20),
      row('train IVF256,Flat', sample.length / dim, times.trainArray, times.trainTyped, (sample.length * 8) / 2 ** 20)]));
}

main();
