/**
 * The three index kinds (flat, HNSW, IVF-PQ with exact re-ranking; src/retriever/index-spec.ts) on synthetic
 * vectors: build time, memory once loaded, disk, queries per second, how long one search holds the event loop, and
 * recall@k against the exact (flat) answer. Each build and each search runs in a child process of its own, so that
 * one kind's memory does not blur another's. Prints one table; not part of the test suite.
 *
 *     npm run bench:index-types -- [--sizes=100000] [--dim=768] [--queries=200] [--k=10] [--kinds=flat,hnsw,ivf_pq]
 *
 * The vectors: 1,000 Gaussian cluster centres, each vector a centre plus Gaussian noise of the same scale, fixed
 * seed; each query is a stored vector plus noise. Uniform random 768-dimensional vectors would have no near
 * neighbours at all (every point about equally far), which no embedding model produces.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SegmentIndexWriter, rerankExact } from '../src/index/segment-index.js';
import { VectorFile, VectorFileWriter, VECTORS_FILE } from '../src/index/vector-file.js';
import { FaissIndex } from '../src/retriever/faiss-index.js';
import type { SearchHit } from '../src/types/serving-index.js';
import { indexSpec, INDEX_KINDS, type IndexKind } from '../src/retriever/index-spec.js';
import { formatTable, memoryMb, quantile } from './stats.js';

const defaults = { sizes: '100000', dim: 768, queries: 200, k: 10, kinds: INDEX_KINDS.join(',') };
type Args = typeof defaults;
type Job =
  | { mode: 'build'; dir: string; source: string; kind: IndexKind; n: number; dim: number }
  | { mode: 'search'; dir: string; source: string; kind: IndexKind; n: number; dim: number; queries: number; k: number };
interface BuildResult { seconds: number }
interface SearchResult { rssMb: number; loadS: number; times: number[]; hits: number[][] }

const MB = 1024 * 1024;
const CHUNK = 50_000;

function parseArgs(argv: string[]): Args {
  const args: Record<string, unknown> = { ...defaults };
  for (const arg of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${arg}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(', ')}`);
    args[m[1]] = typeof defaults[m[1] as keyof Args] === 'number' ? Number(m[2]) : m[2];
  }
  return args as Args;
}

/** Deterministic Gaussian numbers (Box-Muller over a fixed-seed LCG). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Writes n clustered vectors to `dir`/vectors.f32 (the layout IVF-PQ segments keep) and the queries to `dir`/queries/. */
function writeDataset(dir: string, n: number, dim: number, queries: number): void {
  const next = gaussian(7);
  const centres = Float32Array.from({ length: 1000 * dim }, next);
  const writer = new VectorFileWriter(dir, dim);
  for (let first = 0; first < n; first += CHUNK) {
    const rows = Math.min(CHUNK, n - first);
    const chunk = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const c = ((first + r) * 7919) % 1000;
      for (let j = 0; j < dim; j++) chunk[r * dim + j] = centres[c * dim + j]! + next();
    }
    writer.append(chunk);
  }
  writer.close();
  const file = VectorFile.open(dir, dim, n);
  const qs = file.readRows(Array.from({ length: queries }, (_, i) => Math.floor((i * n) / queries) + (i % 7)));
  file.close();
  for (let i = 0; i < qs.length; i++) qs[i] += 0.5 * next();
  mkdirSync(join(dir, 'queries'));
  const out = new VectorFileWriter(join(dir, 'queries'), dim);
  out.append(qs);
  out.close();
}

/** The queries main() stored next to the data. */
function queryData(job: Job & { queries: number }): Float32Array {
  const file = VectorFile.open(join(job.source, 'queries'), job.dim, job.queries);
  const qs = file.readRange(0, job.queries);
  file.close();
  return qs;
}

function build(job: Job): BuildResult {
  const source = VectorFile.open(job.source, job.dim, job.n);
  const t0 = performance.now();
  const writer = new SegmentIndexWriter(job.dir, indexSpec(job.kind, job.n, job.dim));
  for (let first = 0; first < job.n; first += CHUNK) writer.add(source.readRange(first, Math.min(CHUNK, job.n - first)), job.dim);
  writer.finish();
  source.close();
  return { seconds: (performance.now() - t0) / 1000 };
}

function search(job: Job & { mode: 'search' }): SearchResult {
  const qs = queryData(job);
  const spec = indexSpec(job.kind, job.n, job.dim);
  const before = memoryMb().rss;
  const t0 = performance.now();
  const index = FaissIndex.read(job.dir);
  index.applyParams(spec.params);
  const vectors = job.kind === 'ivf_pq' ? VectorFile.open(job.dir, job.dim, job.n) : undefined;
  const one = (q: Float32Array): SearchHit[] => {
    if (!vectors) return index.search(q, job.k)[0]!;
    return rerankExact(q, index.search(q, Math.max(job.k, spec.params.rerank!)), vectors, job.k)[0]!;
  };
  one(qs.subarray(0, job.dim)); // warm-up, as a segment's open does
  const loadS = (performance.now() - t0) / 1000;
  const rssMb = memoryMb().rss - before;
  const times: number[] = [];
  const hits: number[][] = [];
  for (let q = 0; q < job.queries; q++) {
    const s = performance.now();
    const found = one(qs.subarray(q * job.dim, (q + 1) * job.dim)); // one synchronous call: the event loop waits
    times.push(performance.now() - s);
    hits.push(found.map((h) => h.row));
  }
  return { rssMb, loadS, times, hits };
}

function inChild<T>(job: Job): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--child', JSON.stringify(job)], { execArgv: process.execArgv });
    child.on('message', (msg: { ok: boolean; value?: T; error?: string }) => (msg.ok ? resolve(msg.value!) : reject(new Error(msg.error))));
    child.on('exit', (code) => { if (code !== 0) reject(new Error(`${job.mode} of ${job.kind} exited with ${code}`)); });
  });
}

function dirBytes(dir: string, files: string[]): number {
  return files.reduce((n, f) => n + (readdirSync(dir).includes(f) ? statSync(join(dir, f)).size : 0), 0);
}

async function main(args: Args): Promise<void> {
  const kinds = args.kinds.split(',') as IndexKind[];
  const rows: string[][] = [];
  for (const n of args.sizes.split(',').map(Number)) {
    const root = mkdtempSync(join(tmpdir(), 'bench-index-types-'));
    try {
      const source = join(root, 'data');
      mkdirSync(source);
      writeDataset(source, n, args.dim, args.queries);
      let truth: number[][] | undefined;
      for (const kind of ['flat', ...kinds.filter((k) => k !== 'flat')] as IndexKind[]) {
        const dir = join(root, kind);
        mkdirSync(dir);
        const common = { dir, source, kind, n, dim: args.dim };
        const built = await inChild<BuildResult>({ mode: 'build', ...common });
        const found = await inChild<SearchResult>({ mode: 'search', ...common, queries: args.queries, k: args.k });
        truth ??= found.hits;
        const recall = found.hits.reduce((s, hits, q) => s + hits.filter((h) => truth![q]!.includes(h)).length, 0)
          / (args.queries * args.k);
        const times = [...found.times].sort((a, b) => a - b);
        const mean = times.reduce((a, b) => a + b, 0) / times.length;
        if (kinds.includes(kind)) {
          rows.push([indexSpec(kind, n, args.dim).factory, n.toLocaleString('en'), built.seconds.toFixed(1),
            (dirBytes(dir, ['index.faiss']) / MB).toFixed(0), found.rssMb.toFixed(0),
            (dirBytes(dir, [VECTORS_FILE]) / MB).toFixed(0), found.loadS.toFixed(2), (1000 / mean).toFixed(0),
            quantile(times, 0.5).toFixed(2), quantile(times, 0.99).toFixed(2), recall.toFixed(3)]);
          console.log(rows.at(-1)!.join(' | '));
        }
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  console.log('\n' + formatTable(`index kinds, dim ${args.dim}, k ${args.k}, ${args.queries} single-vector queries`,
    ['index', 'vectors', 'build s', 'index MB', 'RSS MB', 'disk vectors MB', 'load s', 'queries/s', 'hold p50 ms',
      'hold p99 ms', `recall@${args.k}`], rows));
}

if (process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3]!) as Job;
  try {
    const value = job.mode === 'build' ? build(job) : search(job);
    process.send!({ ok: true, value }, () => process.exit(0));
  } catch (err) {
    process.send!({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1));
  }
} else {
  await main(parseArgs(process.argv.slice(2)));
}
