/**
 * The CPU time of a default answer outside onnxruntime (mostly the decoding's JavaScript), before and after a
 * change, in one run. Each sample is a fresh process answering `requests` default questions (the bundle's n_docs,
 * beam 4, extractive, `explain` on) in process, with one onnxruntime thread so that every run computes on the
 * main thread and is timed there (bench/onnxruntime-clock.cjs). Processes alternate between the two checkouts
 * (ABBA), and each reports a digest of its answers' texts, which must agree, and one of the texts, confidences and
 * per-token posteriors, which agree unless the change moves the arithmetic (then the confidences differ in far digits).
 *
 *     git worktree add --detach /tmp/old <commit>; ln -s "$PWD/node_modules" /tmp/old/node_modules
 *     npx tsx bench/decoding-js.ts --before=/tmp/old [--bundle=demo] [--requests=16] [--rounds=2]
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { BroadcastChannel } from 'node:worker_threads';
import { parseOptions } from './options.js';
import { formatTable } from './stats.js';

const opts = parseOptions(process.argv.slice(2), { before: '', bundle: 'demo', requests: 16, rounds: 2, child: false });

/** What one process measured, per answer. */
interface Sample { cpuMs: number; onnxruntimeMs: number; wallMs: number; textsDigest: string; digest: string }

async function measureHere(): Promise<Sample> {
  const clock = createRequire(import.meta.url)('./onnxruntime-clock.cjs') as { CHANNEL: string; install(): void; threadCpuNs(): number };
  clock.install();
  const { loadConfig } = await import('../src/config.js');
  const { createRagEngine } = await import('../src/rag/rag-engine.js');
  const { BENCH_QUESTIONS, bundleDir, openBenchIndex } = await import('./bench-index.js');
  const bundle = bundleDir(opts.bundle);
  const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: 100, cache: false });
  const config = loadConfig({
    RAG_MODEL_DIR: bundle.dir, RAG_INDEX_DIR: '/tmp/none', RAG_WORKERS: '0', RAG_ONNX_THREADS: '1', LOG_LEVEL: 'silent',
  });
  const engine = await createRagEngine({ config, indexManager: bench.index, logger: { warn: console.error } });
  const ask = (question: string) => engine.answer({ question, nDocs: engine.defaultDocs, mode: 'token', numBeams: 4, maxNewTokens: 50, explain: true });
  await ask(BENCH_QUESTIONS[0]);
  const onnxruntime0 = await onnxruntimeCpuNs(clock.CHANNEL);
  const cpu0 = clock.threadCpuNs();
  const t0 = performance.now();
  const answers: unknown[] = [];
  for (let i = 0; i < opts.requests; i++) {
    const out = await ask(BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]);
    answers.push([out.text, out.confidence, out.tokens]);
  }
  const wallMs = performance.now() - t0;
  const cpuNs = clock.threadCpuNs() - cpu0;
  const onnxruntimeNs = (await onnxruntimeCpuNs(clock.CHANNEL)) - onnxruntime0;
  await engine.close();
  await bench.close();
  const n = opts.requests;
  return {
    cpuMs: cpuNs / 1e6 / n, onnxruntimeMs: onnxruntimeNs / 1e6 / n, wallMs: wallMs / n,
    textsDigest: digest(answers.map((a) => (a as unknown[])[0])),
    digest: digest(answers),
  };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/** The onnxruntime CPU time this thread's clock has counted so far (it answers reports on its channel). */
async function onnxruntimeCpuNs(channelName: string): Promise<number> {
  const channel = new BroadcastChannel(channelName);
  const total = new Promise<number>((done) => {
    channel.onmessage = (event) => done((event as { data: { cpuNs: number } }).data.cpuNs);
  });
  channel.postMessage('report');
  const cpuNs = await total;
  channel.close();
  return cpuNs;
}

async function runChild(root: string): Promise<Sample> {
  const script = join(root, 'bench/decoding-js.ts');
  const args = ['--import', 'tsx', script, '--child', `--bundle=${opts.bundle}`, `--requests=${opts.requests}`];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

if (opts.child) {
  console.log(JSON.stringify(await measureHere()));
} else {
  if (!opts.before) throw new Error('--before must name a checkout of the commit to compare with');
  const trees = { before: resolve(opts.before), after: resolve(import.meta.dirname, '..') };
  await copyFile(join(trees.after, 'bench/decoding-js.ts'), join(trees.before, 'bench/decoding-js.ts'));
  const samples: Record<'before' | 'after', Sample[]> = { before: [], after: [] };
  for (let round = 0; round < opts.rounds; round++) {
    const order: ('before' | 'after')[] = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const which of order) {
      const sample = await runChild(trees[which]);
      samples[which].push(sample);
      console.error(`round ${round + 1} ${which}: ${JSON.stringify(sample)}`);
    }
  }
  const rows = (['before', 'after'] as const).map((which) => {
    const s = samples[which];
    const cpu = median(s.map((x) => x.cpuMs));
    const ort = median(s.map((x) => x.onnxruntimeMs));
    const outside = median(s.map((x) => x.cpuMs - x.onnxruntimeMs));
    return [which, cpu.toFixed(1), ort.toFixed(1), outside.toFixed(1), `${((100 * outside) / cpu).toFixed(1)}%`,
      median(s.map((x) => x.wallMs)).toFixed(1), [...new Set(s.map((x) => x.textsDigest))].join(' '),
      [...new Set(s.map((x) => x.digest))].join(' ')];
  });
  console.log(formatTable(`${opts.bundle}, ${opts.requests} default answers per process, medians of ${opts.rounds} processes each (ms per answer)`,
    ['checkout', 'CPU', 'onnxruntime', 'outside', 'outside share', 'wall', 'texts digest', 'answers digest'], rows));
}
