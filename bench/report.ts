/**
 * The printed report: the machine, then one table per topic over every bundle measured. Ratios are of medians
 * measured in the same run, which is the only comparison a shared, noisy machine allows.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BundleResult } from './bundle-bench.js';
import { formatTable, ms, ratio } from './stats.js';

const ROOT = join(import.meta.dirname, '..');

/** Cores, CPU model, memory, node and onnxruntime versions, and the load the machine is under right now. */
export function describeMachine(): string {
  const ortPackage = JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `machine: ${availableParallelism()} cores, ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `node ${process.versions.node}, onnxruntime-node ${ortPackage.version} (CPU), ${process.platform}-${process.arch}`,
  ].join('\n');
}

const mb = (value: number) => value.toFixed(0);
// Rounded first, so that a tiny negative change prints as +0.0 rather than -0.0.
const signedMb = (value: number) => {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded >= 0 ? '+' : ''}${(rounded === 0 ? 0 : rounded).toFixed(1)}`;
};

/** Table 1: decoder steps with and without the key/value cache, and the encoder that runs once before them. */
export function stepsTable(results: readonly BundleResult[]): string {
  const rows = results.flatMap((r) => r.steps.rows.map((s) => [
    r.name, String(s.rows), String(s.tokens), ms(s.cached.median), ms(s.cached.p90), ms(s.uncached.median),
    ms(s.uncached.p90), ratio(s.uncached.median, s.cached.median),
  ]));
  const notes = results.map(({ name, steps }) => `   ${name}: the encoder over ${steps.rows[0]?.rows ?? 0} inputs of ` +
    `${steps.contextTokens} tokens takes ${ms(steps.encoder.median)} ms (p50, p90 ${ms(steps.encoder.p90)}) before the ` +
    `first step; the cached first step (cross-attention keys/values) ${ms(steps.firstStep.median)} ms`);
  return formatTable('1. decoder, ms per generated token: key/value cache vs re-decoding the prefix every step',
    ['bundle', 'rows', 'tokens', 'cached p50', 'cached p90', 'uncached p50', 'uncached p90', 'uncached/cached'], rows) +
    '\n' + notes.join('\n');
}

/** Table 2: end-to-end answer latency per mode, split into retrieve and generate. */
export function modesTable(results: readonly BundleResult[], maxNewTokens: number): string {
  const rows = results.flatMap((r) => {
    const greedy = r.modes[0]?.total.median;
    return r.modes.map((m) => [
      r.name, m.label, String(m.nDocs), m.tokens.toFixed(1), ms(m.retrieve.median), ms(m.retrieve.p90),
      ms(m.generate.median), ms(m.generate.p90), ms(m.total.median), ms(m.total.p90), ratio(m.total.median, greedy),
    ]);
  });
  const notes = results.map((r) => `   ${r.name}: the bench pipeline's answers ` +
    (r.pipelineAgrees ? 'equal the engine\'s (greedy and thorough)' : `DIFFER from the engine's: ${r.pipelineDetail}`));
  return formatTable(`2. answer latency, ms (at most ${maxNewTokens} new tokens; "tokens" = mean generated)`,
    ['bundle', 'mode', 'n_docs', 'tokens', 'retrieve p50', 'retrieve p90', 'generate p50', 'generate p90',
      'total p50', 'total p90', 'total/greedy'], rows, 2) +
    '\n' + notes.join('\n');
}

/** Table 3: throughput of N concurrent clients through one engine, without and with cross-request batching. */
export function concurrencyTable(results: readonly BundleResult[]): string {
  const rows = results.flatMap((r) => {
    const single = r.concurrency.find((c) => !c.batched)?.perSecond;
    return r.concurrency.map((c) => [
      r.name, c.batched ? 'on' : 'off', String(c.concurrency), String(c.requests), c.wallSeconds.toFixed(2),
      c.perSecond.toFixed(2), ms(c.latency.median), ms(c.latency.p90), ratio(c.perSecond, single),
      c.meanRows === undefined ? '-' : c.meanRows.toFixed(1), c.meanMembers === undefined ? '-' : c.meanMembers.toFixed(1),
    ]);
  });
  return formatTable('3. concurrent greedy RAG-Token answers through one engine, without and with cross-request batching',
    ['bundle', 'batching', 'clients', 'requests', 'wall s', 'requests/s', 'latency p50', 'latency p90',
      'req/s vs 1 client unbatched', 'rows per run', 'requests per batch'], rows);
}

/** Table 4: RSS at start, after loading, and before and after the leak check's requests. */
export function memoryTable(results: readonly BundleResult[]): string {
  const rows = results.map(({ name, memory: m, passages }) => [
    name, mb(m.start), `${mb(m.afterIndex)} (${passages} p.)`, mb(m.afterLoad), m.loadSeconds.toFixed(2), String(m.requests),
    mb(m.beforeRequests), mb(m.afterRequests), signedMb(m.afterRequests - m.beforeRequests),
    `${signedMb(m.afterRequests - m.beforeTail)} (${m.tailRequests})`, signedMb(m.heapAfterRequests - m.heapBeforeRequests),
  ]);
  return formatTable('4. memory, MB of RSS after a full GC: at start, loaded, then around the engine\'s requests (tables 2-3, then greedy)',
    ['bundle', 'start', 'with index', 'engine loaded', 'load s', 'requests', 'before', 'after', 'growth',
      'greedy tail growth', 'JS heap growth'], rows);
}

/** Table 5: the HTTP service with the models on the main thread and in worker threads. */
export function servingTable(results: readonly Pick<BundleResult, 'name' | 'serving'>[]): string {
  const rows = results.flatMap((r) => r.serving.map((s) => [
    r.name, s.workers === 0 ? '0 (main thread)' : String(s.workers), s.threads, String(s.maxConcurrent), String(s.probes),
    String(s.failedProbes),
    ms(s.healthP50), ms(s.healthP99), s.perSecond1.toFixed(2), s.perSecond8.toFixed(2), ratio(s.perSecond8, s.perSecond1),
  ]));
  return formatTable('5. HTTP service: GET /healthz while 4 clients generate, and default /answer requests/s at 1 and 8 clients',
    ['bundle', 'workers', 'threads/session', 'max concurrent', 'probes', 'failed probes', 'healthz p50', 'healthz p99',
      'req/s 1 client', 'req/s 8 clients', '8 vs 1'], rows, 2);
}

/** Per bundle: the index used and the machine's load while it was measured. */
export function runNotes(results: readonly BundleResult[]): string {
  return results.map((r) => `${r.name}: ${r.passages} passages` +
    (r.indexBuildSeconds === null ? ' (cached index)' : ` (index built in ${r.indexBuildSeconds.toFixed(1)} s)`) +
    `, load average ${r.loadAverage.start.toFixed(2)} -> ${r.loadAverage.end.toFixed(2)}`).join('\n');
}
