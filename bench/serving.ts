/**
 * Table 5: the HTTP service as a client sees it, with the models on the main thread (`RAG_WORKERS=0`) and in a
 * pool of worker threads: `GET /healthz` latency while 4 clients generate, and requests/s of default `/answer`
 * requests (the bundle's n_docs, beams and extractive setting) with 1 and 8 concurrent clients. Each setting is
 * the server's own configuration for that worker count (RAG_MAX_CONCURRENT and threads per session follow it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { IndexManager } from '../src/index/index-manager.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { describeMachine, servingTable } from './report.js';
import { quantile } from './stats.js';

/** One row of table 5: one worker count. */
export interface ServingRow {
  workers: number;
  /** Intra-op threads per session ('auto': onnxruntime's choice) and generations allowed at once. */
  threads: string;
  maxConcurrent: number;
  /** /healthz while 4 clients generate: probes answered, probes whose connection failed, and latency in ms. */
  probes: number;
  failedProbes: number;
  healthP50: number;
  healthP99: number;
  /** Requests per second with 1 and with 8 concurrent clients. */
  perSecond1: number;
  perSecond8: number;
}

/**
 * One request on a connection of its own: a reused keep-alive connection can be closed by the server just as a
 * request goes out on it (its idle timer fires late when the event loop was held), which is not what is measured.
 */
export function send(url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Probes /healthz back to back (10 ms apart) until `done` is set: each answered probe's latency, and failures. */
export async function probeHealth(url: string, state: { done: boolean }): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  while (!state.done) {
    const started = performance.now();
    const res = await send(`${url}/healthz`, 'GET').catch(() => undefined);
    if (res?.status === 200) latencies.push(performance.now() - started);
    else failed++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { latencies, failed };
}

/** `clients` clients send `total` default /answer requests in all, back to back; returns requests per second. */
export async function answerLoad(url: string, questions: readonly string[], clients: number, total: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const question = questions[next++ % questions.length];
      const res = await send(`${url}/answer`, 'POST', JSON.stringify({ question }));
      if (res.status !== 200) throw new Error(`/answer answered ${res.status}: ${res.text}`);
    }
  }));
  return total / ((performance.now() - started) / 1000);
}

/** Table 5 for one bundle over its bench index; `requests` per load level (at least 8). */
export async function benchServing(opts: {
  modelDir: string; index: IndexManager; questions: readonly string[]; workerCounts: readonly number[]; requests: number;
}): Promise<ServingRow[]> {
  const requests = Math.max(8, opts.requests);
  const scratch = await mkdtemp(join(tmpdir(), 'rag-bench-serving-'));
  const rows: ServingRow[] = [];
  try {
    for (const workers of opts.workerCounts) {
      // Queueing without deadlines: this measures throughput, not how the server sheds load it cannot take.
      const config = loadConfig({
        RAG_MODEL_DIR: opts.modelDir, RAG_INDEX_DIR: scratch, RAG_WORKERS: String(workers), LOG_LEVEL: 'silent',
        RAG_QUEUE_TIMEOUT_MS: '3600000', RAG_REQUEST_TIMEOUT_MS: '3600000',
      });
      const engine = await createRagEngine({ config, indexManager: opts.index, logger: { warn: console.error } });
      // No plugin timeout: on a machine shared with training, loading the plugins alone can take over 10 s.
      const app = await buildApp({ config, engine, indexManager: opts.index, pluginTimeoutMs: 0 });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        await answerLoad(url, opts.questions, 1, 1); // warm-up
        const state = { done: false };
        const probes = probeHealth(url, state);
        await answerLoad(url, opts.questions, 4, requests);
        state.done = true;
        const { latencies, failed } = await probes;
        const health = latencies.sort((a, b) => a - b);
        rows.push({
          workers, threads: String(config.onnxThreads ?? 'auto'), maxConcurrent: config.maxConcurrent,
          probes: health.length, failedProbes: failed, healthP50: quantile(health, 0.5), healthP99: quantile(health, 0.99),
          perSecond1: await answerLoad(url, opts.questions, 1, requests),
          perSecond8: await answerLoad(url, opts.questions, 8, requests),
        });
      } finally {
        await app.close(); // closes the engine, and with it the worker pool
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return rows;
}

/**
 * Table 5 alone, without tables 1-4 (minutes fewer on a busy machine):
 *     npx tsx bench/serving.ts [bundle=demo] [requests=16] [workers=the server's default]
 */
async function main(args: string[]): Promise<void> {
  const bundle = bundleDir(args[0] ?? 'demo');
  const requests = Number(args[1] ?? 16);
  const workers = Number(args[2] ?? loadConfig({}).workers);
  if (!(requests >= 1 && workers >= 1)) throw new Error('usage: serving.ts [bundle] [requests >= 1] [workers >= 1]');
  console.log(describeMachine());
  const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: 300, cache: bundle.name !== 'tiny' });
  try {
    const serving = await benchServing({ modelDir: bundle.dir, index: bench.index, questions: BENCH_QUESTIONS, workerCounts: [0, workers], requests });
    console.log(servingTable([{ name: bundle.name, serving }]));
  } finally {
    await bench.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
