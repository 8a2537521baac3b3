/**
 * What cross-request batching buys through the HTTP service: default `/answer` requests (the bundle's n_docs,
 * beams and extractive setting) with 1 and with 8 concurrent clients, under the settings of ARMS (everything else
 * the server's defaults). The services are loaded side by side and measured in alternating rounds within one
 * process, so that the load of a shared machine falls on all alike: compare the ratios of one run, not absolute
 * numbers across runs. CPU per request is the process's (every thread), the steadiest figure on a busy machine.
 *
 *     npx tsx bench/batching.ts [--bundles=demo,random-base] [--arms=off,on] [--requests=16] [--rounds=2] [--passages=100]
 *                               [--max-new-tokens=N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { IndexManager } from '../src/index/index-manager.js';
import { createRagEngine, type OnnxRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { describeMachine } from './report.js';
import { send } from './serving.js';
import { formatTable, ms, quantile, ratio } from './stats.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundles: 'demo,random-base', // names from bench/bench-index.ts or bundle folders
  arms: 'off,on', // service settings to compare, from ARMS
  requests: 16, // /answer requests per load level (1 client, 8 clients), per round
  rounds: 2, // alternating rounds of off and on; the table gives each round and the medians
  passages: 100, // passages in the bench index
  'max-new-tokens': 0, // sent as max_new_tokens when set (random weights seldom stop early); 0: the bundle's default
};

/**
 * The settings compared: the server's defaults with batching off (one generation per batch, the default) and on (16), on with
 * the generations in flight held to off's 4, and two other layouts of the 2 cores with batching on (one worker
 * using both; two workers each using both, oversubscribed).
 */
const ARMS: Record<string, Record<string, string>> = {
  off: { RAG_BATCH_MAX_REQUESTS: '1' },
  on: { RAG_BATCH_MAX_REQUESTS: '16' },
  'on-c4': { RAG_BATCH_MAX_REQUESTS: '16', RAG_MAX_CONCURRENT: '4' },
  'on-1x2': { RAG_BATCH_MAX_REQUESTS: '16', RAG_WORKERS: '1', RAG_ONNX_THREADS: '2' },
  'on-2x2': { RAG_BATCH_MAX_REQUESTS: '16', RAG_WORKERS: '2', RAG_ONNX_THREADS: '2' },
};

/** One load level's figures. */
interface Level {
  perSecond: number;
  latencyP50: number;
  /** Process CPU time (every thread) per request, ms. */
  cpuPerRequest: number;
}

interface Measured {
  bundle: string;
  arm: string;
  round: number;
  one: Level;
  eight: Level;
  /** Mean rows per decoder run and requests per batch over the round (batching on only). */
  rowsPerRun?: number;
  membersPerCohort?: number;
}

function parseArgs(argv: string[]): typeof defaults {
  const args: Record<string, unknown> = { ...defaults };
  for (const arg of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${arg}; known: ${Object.keys(defaults).map((k) => `--${k}=`).join(', ')}`);
    if (typeof defaults[m[1] as keyof typeof defaults] === 'number') {
      const least = m[1] === 'max-new-tokens' ? 0 : 1;
      if (!(Number.isInteger(Number(m[2])) && Number(m[2]) >= least)) throw new Error(`--${m[1]} must be an integer >= ${least}, got ${m[2]}`);
      args[m[1]] = Number(m[2]);
    } else args[m[1]] = m[2];
  }
  return args as typeof defaults;
}

/** `clients` clients send `total` default /answer requests in all, back to back. */
let body = (question: string) => JSON.stringify({ question });

async function load(url: string, clients: number, total: number): Promise<Level> {
  let next = 0;
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const question = BENCH_QUESTIONS[next++ % BENCH_QUESTIONS.length];
      const sent = performance.now();
      const res = await send(`${url}/answer`, 'POST', body(question));
      if (res.status !== 200) throw new Error(`/answer answered ${res.status}: ${res.text}`);
      latencies.push(performance.now() - sent);
    }
  }));
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: total / (wall / 1000), latencyP50: quantile(latencies.sort((a, b) => a - b), 0.5),
    cpuPerRequest: (cpu.user + cpu.system) / 1000 / total,
  };
}

/** A listening service over the bench index with the server's configuration plus `env`. */
async function startService(modelDir: string, index: IndexManager, scratch: string, env: Record<string, string>) {
  const config = loadConfig({
    RAG_MODEL_DIR: modelDir, RAG_INDEX_DIR: scratch, LOG_LEVEL: 'silent',
    RAG_QUEUE_TIMEOUT_MS: '3600000', RAG_REQUEST_TIMEOUT_MS: '3600000', ...env,
  });
  const engine: OnnxRagEngine = await createRagEngine({ config, indexManager: index, logger: { warn: console.error } });
  const app = await buildApp({ config, engine, indexManager: index, pluginTimeoutMs: 0 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await load(url, 1, 2); // warm-up
  return { url, engine, app, config };
}

async function benchBundle(name: string, args: typeof defaults): Promise<Measured[]> {
  const bundle = bundleDir(name);
  const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: args.passages, cache: bundle.name !== 'tiny' });
  const scratch = await mkdtemp(join(tmpdir(), 'rag-bench-batching-'));
  const out: Measured[] = [];
  try {
    const arms = args.arms.split(',').map((a) => a.trim());
    for (const arm of arms) if (!(arm in ARMS)) throw new Error(`unknown arm ${arm}; known: ${Object.keys(ARMS).join(', ')}`);
    const services: Record<string, Awaited<ReturnType<typeof startService>>> = {};
    try {
      for (const arm of arms) {
        const s = services[arm] = await startService(bundle.dir, bench.index, scratch, ARMS[arm]);
        settings.push(`${bundle.name}, ${arm}: ${s.config.workers} workers x ${s.config.onnxThreads ?? 'auto'} threads, ` +
          `RAG_MAX_CONCURRENT ${s.config.maxConcurrent}, RAG_BATCH_MAX_REQUESTS ${s.config.batching.maxMembers}`);
      }
      for (let round = 1; round <= args.rounds; round++) {
        for (const mode of arms) {
          const s = services[mode];
          const before = await s.engine.batchingStats();
          const one = await load(s.url, 1, args.requests);
          const eight = await load(s.url, 8, args.requests);
          const after = await s.engine.batchingStats();
          const m: Measured = { bundle: bundle.name, arm: mode, round, one, eight };
          if (before && after && after.runs > before.runs) {
            m.rowsPerRun = (after.rows - before.rows) / (after.runs - before.runs);
            m.membersPerCohort = (after.members - before.members) / Math.max(1, after.cohorts - before.cohorts);
          }
          out.push(m);
          console.error(JSON.stringify(m));
        }
      }
    } finally {
      for (const s of Object.values(services)) await s.app.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await bench.close();
  }
  return out;
}

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

function table(results: Measured[]): string {
  const rows = results.map((m) => [
    m.bundle, m.arm, String(m.round), m.one.perSecond.toFixed(2), ms(m.one.latencyP50), ms(m.one.cpuPerRequest),
    m.eight.perSecond.toFixed(2), ms(m.eight.latencyP50), ms(m.eight.cpuPerRequest), ratio(m.eight.perSecond, m.one.perSecond),
    m.rowsPerRun === undefined ? '-' : m.rowsPerRun.toFixed(1), m.membersPerCohort === undefined ? '-' : m.membersPerCohort.toFixed(1),
  ]);
  return formatTable('default /answer requests through the HTTP service, batching off and on, alternating rounds',
    ['bundle', 'setting', 'round', 'req/s 1 client', 'p50 ms 1 client', 'CPU ms/req 1', 'req/s 8 clients', 'p50 ms 8 clients',
      'CPU ms/req 8', '8 vs 1', 'rows per run', 'requests per batch'], rows, 2);
}

function summary(results: Measured[]): string {
  const rows = [...new Set(results.map((m) => m.bundle))].map((bundle) => {
    const of = (arm: string) => results.filter((m) => m.bundle === bundle && m.arm === arm);
    const pick = (set: Measured[], f: (m: Measured) => number) => median(set.map(f));
    const off = of('off');
    return [...new Set(results.filter((m) => m.bundle === bundle).map((m) => m.arm))].map((arm) => {
      const set = of(arm);
      return [
        bundle, arm, ratio(pick(set, (m) => m.eight.perSecond), pick(set, (m) => m.one.perSecond)),
        ratio(pick(set, (m) => m.eight.perSecond), pick(off, (m) => m.one.perSecond)),
        ratio(pick(set, (m) => m.one.latencyP50), pick(off, (m) => m.one.latencyP50)),
        ratio(pick(set, (m) => m.one.cpuPerRequest), pick(off, (m) => m.one.cpuPerRequest)),
        ratio(pick(set, (m) => m.eight.cpuPerRequest), pick(off, (m) => m.one.cpuPerRequest)),
      ];
    });
  }).flat();
  return formatTable('medians over the rounds, against batching off with 1 client',
    ['bundle', 'setting', '8 vs 1 client', '8 clients vs off at 1 client', '1-client p50 latency vs off',
      'CPU per request, 1 client, vs off', 'CPU per request, 8 clients, vs off at 1 client'], rows, 2);
}

const args = parseArgs(process.argv.slice(2));
if (args['max-new-tokens'] > 0) body = (question) => JSON.stringify({ question, max_new_tokens: args['max-new-tokens'] });
console.log(describeMachine());
const settings: string[] = [];
const results: Measured[] = [];
for (const name of args.bundles.split(',').map((b) => b.trim()).filter(Boolean)) results.push(...await benchBundle(name, args));
console.log(`${args.requests} requests per load level, ${args.rounds} rounds, ${args.passages} passages, ` +
  `max_new_tokens ${args['max-new-tokens'] || 'the bundle default'}`);
console.log(settings.join('\n'));
console.log(table(results));
console.log(summary(results));
console.log(describeMachine().split('\n')[0]);
