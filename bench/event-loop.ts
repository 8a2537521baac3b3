/**
 * The event loop under load: `GET /healthz` latency (probed every 10 ms on a connection of its own) while 4 clients
 * send default `/answer` requests, while `PUT /index` builds a new version of `docs` documents, and while both
 * happen at once; and the main thread's busy time per answer (event-loop utilization over the 4-client phase,
 * bench clients included, divided by the answers). One row per worker count: 0 runs the models on the main thread.
 *     npx tsx bench/event-loop.ts [bundle=demo] [requests=8] [workers=the server's default] [docs=2000]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { describeMachine } from './report.js';
import { answerLoad, probeHealth, send } from './serving.js';
import { formatTable, ms, quantile } from './stats.js';

const TOKEN = 'bench-admin';
const CORPUS = resolve(import.meta.dirname, '../index-data/demo/foldoc.jsonl');

/** /healthz latencies during one phase, and how long the phase took. */
interface Probed {
  probes: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}

/** One worker count's measurements. */
export interface EventLoopRow {
  workers: number;
  /** Main-thread busy ms per answer in the 4-client phase. */
  mainMsPerAnswer: number;
  generating: Probed;
  building: Probed;
  both: Probed;
}

/** Probes /healthz while `work` runs. */
async function probeDuring(url: string, work: () => Promise<unknown>): Promise<Probed> {
  const state = { done: false };
  const probing = probeHealth(url, state);
  const started = performance.now();
  try {
    await work();
  } finally {
    state.done = true;
  }
  const seconds = (performance.now() - started) / 1000;
  const { latencies, failed } = await probing;
  const sorted = latencies.sort((a, b) => a - b);
  return { probes: sorted.length, failed, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN, seconds };
}

/** Uploads `corpus` with PUT /index and waits until its build job has finished. */
async function buildIndex(url: string, corpus: string): Promise<void> {
  const res = await send(`${url}/index`, 'PUT', corpus, { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKEN}` });
  if (res.status !== 202) throw new Error(`PUT /index answered ${res.status}: ${res.text}`);
  const statusUrl = (JSON.parse(res.text) as { status_url: string }).status_url;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const job = JSON.parse((await send(`${url}${statusUrl}`, 'GET')).text) as { state: string; error?: string };
    if (job.state === 'succeeded') return;
    if (job.state === 'failed') throw new Error(`the index build failed: ${job.error}`);
  }
}

/** 4 clients sending /answer requests until `until` settles. */
async function answersUntil(url: string, until: Promise<unknown>): Promise<void> {
  let over = false;
  void until.finally(() => { over = true; });
  await Promise.all(Array.from({ length: 4 }, async (_, c) => {
    for (let i = c; !over; i += 4) await answerLoad(url, [BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]], 1, 1);
  }));
}

/** The table's rows for one bundle. */
export async function benchEventLoop(opts: {
  modelDir: string; name: string; workerCounts: readonly number[]; requests: number; docs: number;
}): Promise<EventLoopRow[]> {
  const lines = (await readFile(CORPUS, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const corpus = lines.slice(0, opts.docs).join('\n') + '\n';
  const rows: EventLoopRow[] = [];
  for (const workers of opts.workerCounts) {
    const scratch = await mkdtemp(join(tmpdir(), 'rag-bench-loop-'));
    // A fresh index per row: each row's build replaces what it serves.
    const bench = await openBenchIndex({ name: opts.name, modelDir: opts.modelDir, passages: 300, cache: false });
    const config = loadConfig({
      RAG_MODEL_DIR: opts.modelDir, RAG_INDEX_DIR: scratch, RAG_WORKERS: String(workers), LOG_LEVEL: 'silent',
      RAG_ADMIN_TOKEN: TOKEN, RAG_QUEUE_TIMEOUT_MS: '3600000', RAG_REQUEST_TIMEOUT_MS: '3600000',
    });
    const engine = await createRagEngine({ config, indexManager: bench.index, logger: { warn: console.error } });
    const app = await buildApp({ config, engine, indexManager: bench.index, pluginTimeoutMs: 0 });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      await answerLoad(url, BENCH_QUESTIONS, 1, 1); // warm-up
      const before = performance.eventLoopUtilization();
      const generating = await probeDuring(url, () => answerLoad(url, BENCH_QUESTIONS, 4, opts.requests));
      const busy = performance.eventLoopUtilization(before);
      const building = await probeDuring(url, () => buildIndex(url, corpus));
      const both = await probeDuring(url, async () => {
        const build = buildIndex(url, corpus);
        await Promise.all([build, answersUntil(url, build)]);
      });
      rows.push({ workers, mainMsPerAnswer: busy.active / opts.requests, generating, building, both });
    } finally {
      await app.close();
      await bench.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The table, one line per worker count and phase. */
export function eventLoopTable(name: string, docs: number, rows: readonly EventLoopRow[]): string {
  const out = rows.flatMap((r) => ([
    ['4 clients generate', r.generating], [`PUT /index, ${docs} docs`, r.building], ['both at once', r.both],
  ] as const).map(([phase, p]) => [
    name, r.workers === 0 ? '0 (main thread)' : String(r.workers), phase, p.seconds.toFixed(1), String(p.probes), String(p.failed),
    ms(p.p50), ms(p.p99), ms(p.max), phase === '4 clients generate' ? ms(r.mainMsPerAnswer) : '',
  ]));
  return formatTable('Event loop: GET /healthz latency (ms) under load, and main-thread busy ms per /answer',
    ['bundle', 'workers', 'phase', 'seconds', 'probes', 'failed', 'p50', 'p99', 'max', 'main ms/answer'], out, 3);
}

async function main(args: string[]): Promise<void> {
  const bundle = bundleDir(args[0] ?? 'demo');
  const requests = Number(args[1] ?? 8);
  const workers = Number(args[2] ?? loadConfig({}).workers);
  const docs = Number(args[3] ?? 2000);
  if (!(requests >= 1 && workers >= 1 && docs >= 1)) throw new Error('usage: event-loop.ts [bundle] [requests >= 1] [workers >= 1] [docs >= 1]');
  console.log(describeMachine());
  const rows = await benchEventLoop({ modelDir: bundle.dir, name: bundle.name, workerCounts: [0, workers], requests, docs });
  console.log(eventLoopTable(bundle.name, docs, rows));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
