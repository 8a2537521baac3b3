/**
 * `npm run bench`: the engine's speed and memory on each bundle, one table per topic (bench/README.md explains
 * every column). Each bundle is measured in a forked process of its own; missing bundles are skipped with a note.
 *
 *     npm run bench -- [--quick] [--bundles=tiny,demo,random-base] [--repeats=N] [--new-tokens=N]
 *                      [--leak-requests=N] [--passages=N] [--workers=N] [--serving-requests=N]
 *
 * `--quick` measures the tiny bundle only with few repeats (seconds; the smoke test runs it).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { bundleDir } from './bench-index.js';
import type { BundleBenchOptions, BundleResult } from './bundle-bench.js';
import { concurrencyTable, describeMachine, memoryTable, modesTable, runNotes, servingTable, stepsTable } from './report.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundles: 'tiny,demo,random-base',
  repeats: 0, // timed runs per measurement, after one untimed warm-up (0: 5 on the tiny bundle, 3 on bigger ones)
  'new-tokens': 16, // most new tokens per answer: random weights rarely stop early, so this sets the length
  'leak-requests': 50, // at least this many requests between the two memory readings of the leak check
  passages: 300, // passages in each bundle's bench index
  'n-docs': 5,
  beams: 4,
  workers: 0, // model worker threads of table 5's pooled row (0: the server's default, RAG_WORKERS unset)
  'serving-requests': 16, // table 5: /answer requests per load level
  quick: false, // tiny only, 2 repeats, 10 leak requests, 8 serving requests
};

function parseArgs(argv: string[]): typeof defaults {
  const args: Record<string, unknown> = { ...defaults };
  const given = new Set<string>();
  for (const arg of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${arg}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(', ')}`);
    const [, key, value] = m;
    const kind = typeof defaults[key as keyof typeof defaults];
    if (kind === 'boolean') args[key] = value === undefined || value === 'true';
    else if (kind === 'number') {
      if (!Number.isInteger(Number(value)) || Number(value) < 1) throw new Error(`--${key} must be a positive integer, got ${value}`);
      args[key] = Number(value);
    } else args[key] = value ?? '';
    given.add(key);
  }
  // --quick changes the defaults only: explicit values still win.
  if (args.quick) {
    if (!given.has('bundles')) args.bundles = 'tiny';
    if (!given.has('repeats')) args.repeats = 2;
    if (!given.has('leak-requests')) args['leak-requests'] = 10;
    if (!given.has('serving-requests')) args['serving-requests'] = 8;
  }
  return args as typeof defaults;
}

/** Forks bundle-bench.ts for one bundle and waits for its result. */
function benchInChild(opts: BundleBenchOptions): Promise<BundleResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'bundle-bench.ts'), [JSON.stringify(opts)], {
      execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (msg: { ok: boolean; result?: BundleResult; error?: string }) => {
      settled = true;
      if (msg.ok && msg.result) resolve(msg.result);
      else reject(new Error(msg.error ?? 'the bundle bench failed'));
    });
    child.on('error', reject);
    child.on('exit', (code) => { if (!settled) reject(new Error(`the bundle bench exited with code ${code} before reporting`)); });
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  console.log(describeMachine());
  const results: BundleResult[] = [];
  let failures = 0;
  for (const requested of args.bundles.split(',').map((b) => b.trim()).filter(Boolean)) {
    const bundle = bundleDir(requested);
    if (!existsSync(join(bundle.dir, 'rag_config.json'))) {
      console.log(`${bundle.name}: skipped, no bundle at ${bundle.dir} (${bundle.howToMake})`);
      continue;
    }
    try {
      results.push(await benchInChild({
        name: bundle.name, dir: bundle.dir, cacheIndex: bundle.name !== 'tiny', passages: args.passages,
        nDocs: args['n-docs'], beams: args.beams, maxNewTokens: args['new-tokens'],
        repeats: args.repeats || (bundle.name === 'tiny' ? 5 : 3),
        stepLengths: [8, 16, 32], concurrency: [1, 2, 4], leakRequests: args['leak-requests'],
        servingWorkers: [0, args.workers || loadConfig({}).workers], servingRequests: args['serving-requests'],
      }));
    } catch (err) {
      failures++;
      console.log(`${bundle.name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  console.log(`repeats ${args.repeats || '5 (tiny), 3 (others)'} (median and p90 over them), n_docs ${args['n-docs']}, beams ${args.beams}`);
  console.log(runNotes(results));
  for (const table of [stepsTable(results), modesTable(results, args['new-tokens']), concurrencyTable(results), memoryTable(results), servingTable(results)]) {
    console.log('\n' + table);
  }
  return failures === 0 && results.length > 0 ? 0 : 1;
}

process.exitCode = await main();
