/**
 * How much of a default `/answer` is not onnxruntime: one client sends default requests (the bundle's n_docs, beams
 * and extractive setting) one after another to the HTTP service, configured as the server is, while every
 * onnxruntime run in every thread is timed (bench/onnxruntime-clock.cjs). The process's CPU time per request is
 * split into the runs, the rest of the model workers' time (tokenization, the decoding's JavaScript, messages),
 * the main thread (HTTP, the question's routing, FAISS search, passage fetch, and this benchmark's client) and the
 * process's other threads (garbage collection, libuv); the wall time per request into the runs and the rest.
 * Issue 25's target: at most 15% outside onnxruntime.
 *
 *     npx tsx bench/outside-onnxruntime.ts [--bundle=demo] [--requests=16] [--passages=100] [--workers=N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { parseOptions } from './options.js';
import { describeMachine } from './report.js';
import { send } from './serving.js';
import { formatTable, ms, quantile } from './stats.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundle: 'demo', // a name from bench/bench-index.ts or a bundle folder
  requests: 16, // timed /answer requests, after 2 untimed ones
  passages: 100, // passages in the bench index
  workers: -1, // model worker threads (RAG_WORKERS); -1: the server's default
};

const CLOCK_FILE = join(import.meta.dirname, 'onnxruntime-clock.cjs');
const clock = createRequire(import.meta.url)(CLOCK_FILE) as {
  CHANNEL: string; install(): void; threadCpuNs(): number;
};

/** One thread's onnxruntime totals and its own CPU time, as onnxruntime-clock.cjs reports them. */
interface ThreadReport { threadId: number; runs: number; wallNs: number; cpuNs: number; threadCpuNs: number }

/**
 * Every clocked thread's totals, gathered for a second: the model workers, the main thread, and threads that
 * make no runs (each worker's module-loader thread also loads the clock).
 */
async function collect(): Promise<Map<number, ThreadReport>> {
  const channel = new BroadcastChannel(clock.CHANNEL);
  const got = new Map<number, ThreadReport>();
  channel.onmessage = (event) => {
    const report = (event as { data: ThreadReport }).data;
    got.set(report.threadId, report);
  };
  channel.postMessage('report');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  channel.close();
  return got;
}

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

const args = parseOptions(process.argv.slice(2), defaults);
console.log(describeMachine());
const bundle = bundleDir(args.bundle);
const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: args.passages, cache: bundle.name !== 'tiny' });
// Set after the index build's worker and before any model worker starts: each model worker then loads the clock.
process.env.RAG_BENCH_ONNXRUNTIME_CLOCK = '1';
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${CLOCK_FILE}`.trim();
clock.install();
const scratch = await mkdtemp(join(tmpdir(), 'rag-bench-outside-'));
const config = loadConfig({
  RAG_MODEL_DIR: bundle.dir, RAG_INDEX_DIR: scratch, LOG_LEVEL: 'silent',
  ...(args.workers >= 0 ? { RAG_WORKERS: String(args.workers) } : {}),
});
const engine = await createRagEngine({ config, indexManager: bench.index, logger: { warn: console.error } });
const app = await buildApp({ config, engine, indexManager: bench.index, pluginTimeoutMs: 0 });
try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const ask = async (question: string) => {
    const res = await send(`${url}/answer`, 'POST', JSON.stringify({ question }));
    if (res.status !== 200) throw new Error(`/answer answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text) as { generated_tokens?: number };
  };
  for (const q of BENCH_QUESTIONS.slice(0, 2)) await ask(q); // warm-up: onnxruntime's arenas, the span vocabulary
  const before = await collect();
  const main0 = clock.threadCpuNs();
  const cpu0 = cpuMs();
  const started = performance.now();
  const latencies: number[] = [];
  for (let i = 0; i < args.requests; i++) {
    const sent = performance.now();
    await ask(BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]);
    latencies.push(performance.now() - sent);
  }
  const wall = performance.now() - started;
  const processCpu = cpuMs() - cpu0;
  const mainCpu = (clock.threadCpuNs() - main0) / 1e6;
  const after = await collect();

  const n = args.requests;
  const delta = (id: number, key: keyof ThreadReport) => (after.get(id)?.[key] ?? 0) - (before.get(id)?.[key] ?? 0);
  const sum = (ids: number[], key: keyof ThreadReport) => ids.reduce((a, id) => a + delta(id, key), 0);
  const MAIN = 0;
  if (!after.has(MAIN)) throw new Error('the main thread did not report its onnxruntime runs');
  // The model workers are the threads that ran the models (threadId 0 is the main thread).
  const workerIds = [...after.keys()].filter((id) => id !== MAIN && delta(id, 'runs') > 0);
  if (config.workers > 0 && workerIds.length === 0) throw new Error('no model worker reported onnxruntime runs');
  const ortCpu = sum([...after.keys()], 'cpuNs') / 1e6;
  const ortWall = sum([...after.keys()], 'wallNs') / 1e6;
  const runs = sum([...after.keys()], 'runs');
  const workersCpu = sum(workerIds, 'threadCpuNs') / 1e6;
  const workersOrt = sum(workerIds, 'cpuNs') / 1e6;
  const mainOrt = delta(MAIN, 'cpuNs') / 1e6;
  const other = processCpu - mainCpu - workersCpu;
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
  const rows = [
    ['onnxruntime runs (every thread)', ms(ortCpu / n), share(ortCpu, processCpu)],
    ['model workers, outside onnxruntime (tokenization, decoding JS, messages)', ms((workersCpu - workersOrt) / n), share(workersCpu - workersOrt, processCpu)],
    ['main thread, outside onnxruntime (HTTP, FAISS, passages, the bench client)', ms((mainCpu - mainOrt) / n), share(mainCpu - mainOrt, processCpu)],
    ['other threads (garbage collection, libuv)', ms(other / n), share(other, processCpu)],
    ['process CPU in all', ms(processCpu / n), '100.0%'],
  ];
  const sorted = latencies.sort((a, b) => a - b);
  console.log(`${bundle.name}: ${n} default /answer requests, 1 client, ${config.workers} model workers (${workerIds.length} ran models) x ` +
    `${config.onnxThreads ?? 'auto'} onnxruntime threads; ${runs} onnxruntime runs (${(runs / n).toFixed(1)} per request)`);
  if (config.onnxThreads !== 1) console.log('NOTE: with more than one onnxruntime thread, its pool threads count under "other threads"');
  console.log(formatTable('CPU time per request, ms', ['part', 'CPU ms per request', 'share of process CPU'], rows));
  console.log(formatTable('wall time per request, ms', ['part', 'ms per request', 'share of request wall'], [
    ['inside onnxruntime runs', ms(ortWall / n), share(ortWall, wall)],
    ['outside onnxruntime', ms((wall - ortWall) / n), share(wall - ortWall, wall)],
    ['request (client-side), p50 / mean', `${ms(quantile(sorted, 0.5))} / ${ms(wall / n)}`, '100.0%'],
  ]));
  console.log(`outside onnxruntime: ${share(processCpu - ortCpu, processCpu)} of the process's CPU, ` +
    `${share(wall - ortWall, wall)} of the wall time (issue 25's target: at most 15%)`);
  console.log(describeMachine().split('\n')[0]);
} finally {
  await app.close();
  await bench.close();
  await rm(scratch, { recursive: true, force: true });
}
