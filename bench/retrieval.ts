/**
 * How long faiss-node's synchronous search blocks the event loop, flat vs HNSW, at 100k and 1M random vectors,
 * and what the passage store costs for a million passages. Prints a table; not part of the test suite.
 *
 *     npx tsx bench/retrieval.ts [--sizes=100000,1000000] [--dim=128] [--queries=200] [--k=5] [--passages=1000000]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PassageStore, PassageStoreWriter } from '../src/index/passage-store.js';
import { FaissIndex } from '../src/retriever/faiss-index.js';
import { randomVectors } from './random-vectors.js';

const defaults = { sizes: '100000,1000000', dim: 128, queries: 200, k: 5, passages: 1_000_000 };
const args = { ...defaults };
for (const arg of process.argv.slice(2)) {
  const m = /^--(\w+)=(.*)$/.exec(arg);
  if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${arg}; known: ${Object.keys(defaults).join(', ')}`);
  (args as Record<string, unknown>)[m[1]] = typeof defaults[m[1] as keyof typeof defaults] === 'number' ? Number(m[2]) : m[2];
}

const MB = 1024 * 1024;
const INDEX_HEADER = ['index', 'vectors', 'build s', 'file MB', 'load s', 'block p50 ms', 'block p99 ms', 'block max ms', '16 queries ms'];
const STORE_HEADER = ['passages', 'file MB', 'write s', 'open ms', 'JS heap MB', 'off-heap MB', 'read p50 ms', 'read p99 ms'];
// A collector to call between measurements, without asking for `node --expose-gc`.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function benchIndex(type: string, n: number): string[] {
  const { dim, queries, k } = args;
  const index = FaissIndex.create(dim, type);
  const t0 = performance.now();
  const chunk = 50_000;
  for (let start = 0; start < n; start += chunk) index.add(randomVectors(Math.min(chunk, n - start), dim, start + 1));
  const buildS = (performance.now() - t0) / 1000;
  const qs = randomVectors(queries, dim, 999);
  // Each search is one synchronous call: its duration is exactly how long the event loop is blocked.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    const s = performance.now();
    index.search(qs.subarray(q * dim, (q + 1) * dim), k);
    times.push(performance.now() - s);
  }
  delay.disable();
  times.sort((a, b) => a - b);
  const batchStart = performance.now();
  index.search(qs.subarray(0, 16 * dim), k);
  const batch16 = performance.now() - batchStart;
  // The index file's size is the index's memory once loaded; loading it is what a restart or a swap pays.
  const dir = mkdtempSync(join(tmpdir(), 'bench-index-'));
  index.write(dir);
  index.dispose();
  const fileMb = statSync(join(dir, 'index.faiss')).size / MB;
  const t1 = performance.now();
  const loaded = FaissIndex.read(dir);
  const loadS = (performance.now() - t1) / 1000;
  loaded.dispose();
  rmSync(dir, { recursive: true, force: true });
  return [type, n.toLocaleString('en'), buildS.toFixed(1), fileMb.toFixed(0), loadS.toFixed(2),
    percentile(times, 0.5).toFixed(2), percentile(times, 0.99).toFixed(2), times[times.length - 1].toFixed(2),
    batch16.toFixed(1)];
  gc();
}

async function benchStore(n: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  try {
    const writer = new PassageStoreWriter(dir);
    const words = 'the memory network protocol algorithm compiler language system data program'.split(' ');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const text = Array.from({ length: 100 }, (_, j) => words[(i + j * 7) % words.length]).join(' ');
      writer.append({ id: `doc${i >> 2}-p${i & 3}`, docId: `doc${i >> 2}`, title: `Document ${i >> 2}`, text });
    }
    writer.close();
    const writeS = (performance.now() - t0) / 1000;
    const fileMb = statSync(join(dir, 'passages.jsonl')).size / MB;
    gc();
    const before = process.memoryUsage();
    const t1 = performance.now();
    const store = await PassageStore.open(dir);
    const openMs = performance.now() - t1;
    gc();
    const after = process.memoryUsage();
    const heapMb = (after.heapUsed - before.heapUsed) / MB;
    const offHeapMb = (after.arrayBuffers - before.arrayBuffers) / MB;
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const rowsWanted = Array.from({ length: 5 }, (_, j) => (i * 7919 + j * 104729) % n);
      const s = performance.now();
      await store.getMany(rowsWanted);
      times.push(performance.now() - s);
    }
    await store.close();
    times.sort((a, b) => a - b);
    return [n.toLocaleString('en'), fileMb.toFixed(0), writeS.toFixed(1), openMs.toFixed(1), heapMb.toFixed(1),
      offHeapMb.toFixed(1), percentile(times, 0.5).toFixed(2), percentile(times, 0.99).toFixed(2)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints rows as they come (a 1M-vector HNSW build takes many minutes), in fixed-width columns. */
function tablePrinter(header: string[]): (row: string[]) => void {
  const widths = header.map((h) => Math.max(h.length, 13));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  return (row) => console.log(line(row));
}

console.log(`passage store, ${args.passages.toLocaleString('en')} passages of 100 words (5 random rows per read)`);
tablePrinter(STORE_HEADER)(await benchStore(args.passages));

const sizes = String(args.sizes).split(',').map(Number);
console.log(`\nfaiss-node search, dim ${args.dim}, k ${args.k}, ${args.queries} single-vector queries each ` +
  '(the event loop is blocked for the whole call)');
const printRow = tablePrinter(INDEX_HEADER);
for (const n of sizes) {
  for (const type of ['IndexFlatIP', 'HNSW32,Flat'] as const) printRow(benchIndex(type, n));
}
