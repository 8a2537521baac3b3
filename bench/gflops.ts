/**
 * Achieved GFLOP/s of the generator's encoder and decoder steps against this machine's matrix-multiply limit,
 * all on one onnxruntime thread (one core; the service runs one per model worker). The limit: onnxruntime
 * multiplying square matrices of each size by a constant one (bench/matmul-graph.ts), float32 (`MatMul`) and int8
 * (`MatMulInteger`, uint8 x int8); the best size of each kind. The runs:
 * the encoder over K inputs of `length` tokens; the decoder's first step at K rows (it projects every row's
 * context into cross-attention keys and values); cached steps at K rows (RAG-Token greedy) and 4K rows (beam 4),
 * `steps` of them after `past` untimed ones. Runs go through src/onnx/bart-generator.ts, as the service calls them.
 * FLOPs are counted from the bundle's config (bench/flops.ts); time is the process's CPU time (one onnxruntime
 * thread and no workers: the calling thread's work, besides a little of V8's), so that a busy machine's waiting
 * does not count; each sample repeats a short run until it spans 100 ms. An int8 bundle does
 * the same operations; its figures are compared with both limits.
 *
 *     npx tsx bench/gflops.ts [--bundles=demo,tiny] [--sizes=512,1024,2048] [--k=5] [--length=128] [--past=8] [--steps=8] [--repeats=5]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BartGenerator, type EncodedContexts } from '../src/onnx/bart-generator.js';
import { createSession, ort } from '../src/onnx/session.js';
import { bundleDir } from './bench-index.js';
import { fixedLengthContexts } from './fixed-contexts.js';
import { decoderStepFlops, encoderFlops, readBartSizes, type BartSizes } from './flops.js';
import { squareMatMulModel } from './matmul-graph.js';
import { parseOptions } from './options.js';
import { describeMachine } from './report.js';
import { formatTable, ms, summarize } from './stats.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundles: 'demo,tiny', // names from bench/bench-index.ts or bundle folders (an int8 bundle's folder too)
  sizes: '512,1024,2048', // sides of the square matrices of the limit
  k: 5, // documents: encoder inputs, rows of a greedy step
  length: 128, // tokens per encoder input (less where the bundle's positions are fewer)
  past: 8, // cached steps run before the timed ones
  steps: 8, // cached steps per timed block
  repeats: 5, // timed runs (or blocks) per measurement, after one untimed
};

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Median CPU ms of one `fn` over `repeats` samples, after one untimed run; see the module comment. */
async function cpuMedian(repeats: number, fn: () => Promise<unknown>): Promise<number> {
  const w = performance.now();
  await fn();
  const runs = Math.max(1, Math.ceil(100 / (performance.now() - w)));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = cpuMs();
    for (let i = 0; i < runs; i++) await fn();
    samples.push((cpuMs() - t) / runs);
  }
  return summarize(samples).median;
}

type Kind = 'float32' | 'int8';
const KINDS: readonly Kind[] = ['float32', 'int8'];

/** GFLOP/s of one square product per kind and size, on one thread: `${kind} ${size}` -> GFLOP/s. */
async function matmulLimits(sizes: readonly number[], repeats: number): Promise<Map<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'rag-bench-matmul-'));
  const out = new Map<string, number>();
  try {
    for (const kind of KINDS) {
      for (const size of sizes) {
        const path = join(dir, `${kind}-${size}.onnx`);
        await writeFile(path, squareMatMulModel(size, kind));
        const { session } = await createSession(path, { intraOpThreads: 1 });
        const n = size * size;
        // Any values: the product's speed does not depend on them (the int8 ones are small enough not to overflow int32).
        const a = kind === 'float32'
          ? new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => ((i * 7) % 13) / 13 - 0.5), [size, size])
          : new ort.Tensor('uint8', Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251), [size, size]);
        const cpu = await cpuMedian(repeats, async () => { const r = await session.run({ a }); r.y.dispose(); });
        out.set(`${kind} ${size}`, (2 * size ** 3) / (cpu * 1e6));
        await session.release();
      }
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Measured { bundle: string; run: string; gflop: number; cpuMs: number }

/** The encoder and decoder runs of one bundle (see the module comment). */
async function measureBundle(name: string, args: typeof defaults): Promise<Measured[]> {
  const bundle = bundleDir(name);
  const generatorDir = join(bundle.dir, 'generator');
  const sizes: BartSizes = await readBartSizes(generatorDir);
  const generator = await BartGenerator.load(generatorDir, { intraOpThreads: 1 });
  try {
    const length = Math.min(args.length, sizes.positions);
    const inputs = await fixedLengthContexts(generatorDir, args.k, length);
    let contexts: EncodedContexts | undefined;
    const out: Measured[] = [];
    const encoderCpu = await cpuMedian(args.repeats, async () => { contexts = await generator.encode(inputs, 1); });
    out.push({ bundle: bundle.name, run: `encoder, ${args.k} x ${length} tokens`, gflop: encoderFlops(sizes, args.k, length) / 1e9, cpuMs: encoderCpu });
    for (const rows of [args.k, 4 * args.k]) {
      const rowContexts = Int32Array.from({ length: rows }, (_, r) => r % args.k);
      const identity = Int32Array.from({ length: rows }, (_, r) => r);
      const firstParents = new Int32Array(rows).fill(-1);
      // Any token ids below the vocabulary size do the same work.
      const tokens = (t: number) => new Int32Array(rows).fill((10 + t) % sizes.vocab);
      if (rows === args.k) {
        const firstCpu = await cpuMedian(args.repeats, async () => {
          const s = generator.createStep(contexts!);
          try { await s.step({ tokens: tokens(0), parents: firstParents, contexts: rowContexts }); } finally { s.release(); }
        });
        out.push({ bundle: bundle.name, run: `first step, ${rows} rows`, gflop: decoderStepFlops(sizes, rows, 0, length, true) / 1e9, cpuMs: firstCpu });
      }
      // Each sample: a fresh decoding brought to `past` cached positions untimed, then `steps` timed cached steps.
      const samples: number[] = [];
      for (let r = 0; r <= args.repeats; r++) {
        const s = generator.createStep(contexts!);
        try {
          await s.step({ tokens: tokens(0), parents: firstParents, contexts: rowContexts });
          for (let t = 1; t <= args.past; t++) await s.step({ tokens: tokens(t), parents: identity, contexts: rowContexts });
          const t0 = cpuMs();
          for (let t = 1; t <= args.steps; t++) await s.step({ tokens: tokens(args.past + t), parents: identity, contexts: rowContexts });
          if (r > 0) samples.push((cpuMs() - t0) / args.steps);
        } finally {
          s.release();
        }
      }
      let flops = 0;
      for (let t = 1; t <= args.steps; t++) flops += decoderStepFlops(sizes, rows, args.past + t, length, false);
      out.push({
        bundle: bundle.name, run: `cached step, ${rows} rows, past ${args.past + 1}-${args.past + args.steps}`,
        gflop: flops / args.steps / 1e9, cpuMs: summarize(samples).median,
      });
    }
    return out;
  } finally {
    await generator.close();
  }
}

const args = parseOptions(process.argv.slice(2), defaults);
console.log(describeMachine());
// The limit is measured before the first bundle and after each one (the machine's load moves): per size, the
// median of these; per kind, the best size is the limit the runs are compared with.
const sizes = args.sizes.split(',').map(Number);
if (!sizes.every((n) => Number.isInteger(n) && n >= 16)) throw new Error(`--sizes must be integers >= 16, got ${args.sizes}`);
const limits = [await matmulLimits(sizes, args.repeats)];
const measured: Measured[] = [];
for (const name of args.bundles.split(',').map((b) => b.trim()).filter(Boolean)) {
  measured.push(...await measureBundle(name, args));
  limits.push(await matmulLimits(sizes, args.repeats));
}
const medianOf = (key: string) => summarize(limits.map((l) => l.get(key)!)).median;
const limit = Object.fromEntries(KINDS.map((kind) => [kind, Math.max(...sizes.map((n) => medianOf(`${kind} ${n}`)))])) as Record<Kind, number>;
console.log(formatTable('matrix-multiply limit: square products by a constant matrix, one onnxruntime thread, GFLOP/s ' +
  '(before the bundles, after each, median); the best median of each kind is the limit',
['product', 'size', ...limits.map((_, i) => (i === 0 ? 'before' : `after bundle ${i}`)), 'median'],
KINDS.flatMap((kind) => sizes.map((n) => [kind === 'float32' ? 'float32 MatMul' : 'int8 MatMulInteger (uint8 x int8)', String(n),
  ...limits.map((l) => l.get(`${kind} ${n}`)!.toFixed(1)), medianOf(`${kind} ${n}`).toFixed(1)])), 2));
console.log(`limit: float32 ${limit.float32.toFixed(1)} GFLOP/s, int8 ${limit.int8.toFixed(1)} GOP/s`);
const pct = (gflops: number, of: number) => `${((100 * gflops) / of).toFixed(1)}%`;
console.log(formatTable('achieved GFLOP/s per run, one onnxruntime thread (process CPU time, median)',
  ['bundle', 'run', 'GFLOP per run', 'CPU ms', 'GFLOP/s', 'of float32 limit', 'of int8 limit'],
  measured.map((m) => {
    const gflops = m.gflop / (m.cpuMs / 1000);
    return [m.bundle, m.run, m.gflop.toFixed(m.gflop < 0.1 ? 4 : 2), ms(m.cpuMs), gflops.toFixed(1), pct(gflops, limit.float32), pct(gflops, limit.int8)];
  }), 2));
console.log(describeMachine().split('\n')[0]);
