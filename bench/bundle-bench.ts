/**
 * Every measurement of one bundle, in a process of its own (forked by run.ts), so that the memory readings of one
 * bundle are not those of the bundles loaded before it. Sends a `BundleResult` to the parent and exits.
 *
 * Order matters for memory: the index and the engine are loaded and read first; the engine's own requests of tables
 * 3 and 2 (topped up with greedy answers to `leakRequests`) run between the leak check's two readings; only then is
 * a second engine with cross-request batching (table 3's batched rows), then the HTTP service with and without
 * model workers (table 5), then the bench pipeline (another copy of the sessions) for table 1.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { OnnxRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, openBenchIndex } from './bench-index.js';
import { benchDecoderSteps, type StepsResult } from './decoder-steps.js';
import { benchConcurrency, benchModes, benchModesLatency, engineRequest, type Answerer, type ConcurrencyRow, type ModeRow, type ModeSpec } from './end-to-end.js';
import { BenchPipeline } from './pipeline.js';
import { benchServing, type ServingRow } from './serving.js';
import { memoryMb } from './stats.js';

/** What run.ts asks of one bundle. */
export interface BundleBenchOptions {
  name: string;
  dir: string;
  /** Keep the bench index under onnx/build/bench-index (real-size bundles embed slowly). */
  cacheIndex: boolean;
  passages: number;
  nDocs: number;
  beams: number;
  maxNewTokens: number;
  repeats: number;
  stepLengths: number[];
  concurrency: number[];
  leakRequests: number;
  /** Table 5: worker counts to serve with (0: models on the main thread), and requests per load level. */
  servingWorkers: number[];
  servingRequests: number;
}

/** Memory in MB at each point of the run (RSS; JS heap where it says so). */
export interface MemoryReadings {
  start: number;
  afterIndex: number;
  afterLoad: number;
  loadSeconds: number;
  beforeRequests: number;
  afterRequests: number;
  heapBeforeRequests: number;
  heapAfterRequests: number;
  /** Requests answered between the two readings (tables 2 and 3, topped up with greedy ones). */
  requests: number;
  /** RSS before the greedy top-up, and how many greedy requests followed: growth there is not warm-up. */
  beforeTail: number;
  tailRequests: number;
}

/** Everything measured on one bundle. */
export interface BundleResult {
  name: string;
  passages: number;
  indexBuildSeconds: number | null;
  memory: MemoryReadings;
  concurrency: ConcurrencyRow[];
  serving: ServingRow[];
  modes: ModeRow[];
  steps: StepsResult;
  /** The bench pipeline's answers equal the engine's (greedy and thorough) for the first question. */
  pipelineAgrees: boolean;
  pipelineDetail: string;
  loadAverage: { start: number; end: number };
}

/** Batching as `RAG_BATCH_WINDOW_MS=5` sets it in the server (off by default: config.ts). */
const BENCH_BATCHING = { windowMs: 5, maxMembers: 16 };

/** Greedy requests that end the leak check whatever the count before them. */
const MIN_TAIL = 10;

const progress = (name: string, what: string) => console.error(`[bench ${name}] ${what}`);

/** Runs tables 1-4 on one bundle; see the module comment for the order. */
export async function benchBundle(opts: BundleBenchOptions): Promise<BundleResult> {
  const loadStart = loadavg()[0];
  const start = memoryMb().rss;
  progress(opts.name, 'opening the bench index');
  const bench = await openBenchIndex({ name: opts.name, modelDir: opts.dir, passages: opts.passages, cache: opts.cacheIndex });
  try {
    const afterIndex = memoryMb().rss;
    progress(opts.name, 'loading the engine');
    const t0 = performance.now();
    const engine = await OnnxRagEngine.load({ modelDir: opts.dir, index: bench.index });
    const loadSeconds = (performance.now() - t0) / 1000;
    const afterLoad = memoryMb().rss;
    let pipeline: BenchPipeline | undefined;
    try {
      const base = { nDocs: opts.nDocs, maxNewTokens: opts.maxNewTokens };
      const modes = benchModes(opts.beams);
      // One answer of each engine mode first: onnxruntime's arenas grow to their shapes, which is not a leak. These
      // are also table 2's warm-ups, and the answers the bench pipeline is checked against.
      const warm = new Map<string, string>();
      for (const m of modes) {
        warm.set(m.label, (await engine.answer(engineRequest(m, BENCH_QUESTIONS[0], base.nDocs, base.maxNewTokens))).text);
      }
      const before = memoryMb();
      let requests = 0;
      const counted: Answerer = { answer: (req) => { requests++; return engine.answer(req); } };

      progress(opts.name, 'concurrency');
      const concurrency = await benchConcurrency(counted, BENCH_QUESTIONS, { ...base, levels: opts.concurrency, requests: opts.repeats });
      progress(opts.name, 'end-to-end latency per engine mode');
      const engineModes = await benchModesLatency(counted, BENCH_QUESTIONS,
        { ...base, repeats: opts.repeats, modes, warmUp: false });
      // The tail repeats one request shape many times: steady growth there is a leak, not an arena warming up.
      const tailRequests = Math.max(MIN_TAIL, opts.leakRequests - requests);
      progress(opts.name, `leak check: ${tailRequests} more greedy answers`);
      const beforeTail = memoryMb().rss;
      for (let i = 0; i < tailRequests; i++) {
        await counted.answer({ ...base, mode: 'token', numBeams: 1, question: BENCH_QUESTIONS[i % BENCH_QUESTIONS.length] });
      }
      const after = memoryMb();
      const memory: MemoryReadings = {
        start, afterIndex, afterLoad, loadSeconds, beforeRequests: before.rss, afterRequests: after.rss,
        heapBeforeRequests: before.heap, heapAfterRequests: after.heap, requests, beforeTail, tailRequests,
      };

      progress(opts.name, 'concurrency with cross-request batching');
      const batchedEngine = await OnnxRagEngine.load({ modelDir: opts.dir, index: bench.index, batching: BENCH_BATCHING });
      try {
        await batchedEngine.answer({ ...base, mode: 'token', numBeams: 1, question: BENCH_QUESTIONS[0] });
        concurrency.push(...await benchConcurrency(batchedEngine, BENCH_QUESTIONS, { ...base, levels: opts.concurrency, requests: opts.repeats }));
      } finally {
        await batchedEngine.close();
      }

      progress(opts.name, `serving over HTTP with ${opts.servingWorkers.join(' and ')} model workers`);
      const serving = await benchServing({
        modelDir: opts.dir, index: bench.index, questions: BENCH_QUESTIONS, workerCounts: opts.servingWorkers, requests: opts.servingRequests,
      });

      progress(opts.name, 'loading the bench pipeline');
      pipeline = await BenchPipeline.load(opts.dir, bench.index);
      const check = await comparePipeline(pipeline, modes.filter(isChecked), warm, base);
      progress(opts.name, 'decoder steps with and without the cache');
      const steps = await benchDecoderSteps(pipeline, BENCH_QUESTIONS[0], opts.nDocs, opts.stepLengths, opts.repeats);
      return {
        name: opts.name, passages: bench.passages, indexBuildSeconds: bench.buildSeconds, memory, concurrency, serving,
        modes: engineModes, steps, pipelineAgrees: check.agrees, pipelineDetail: check.detail,
        loadAverage: { start: loadStart, end: loadavg()[0] },
      };
    } finally {
      await pipeline?.close();
      await engine.close();
    }
  } finally {
    await bench.close();
  }
}

/** Engine modes the bench pipeline must reproduce so that its decoder-step timings stand for the engine's: greedy
 * and thorough RAG-Sequence. */
const isChecked = (m: ModeSpec) => !m.fast && (m.mode === 'sequence' || m.numBeams === 1);

/** Whether the bench pipeline answers exactly like the engine did, so that its timings stand for the engine's. */
async function comparePipeline(pipeline: BenchPipeline, modes: ModeSpec[], engineTexts: Map<string, string>,
  base: { nDocs: number; maxNewTokens: number }) {
  const mismatches: string[] = [];
  for (const m of modes) {
    const text = (await pipeline.answer(BENCH_QUESTIONS[0], { ...base, mode: m.mode, numBeams: m.numBeams })).text;
    if (text !== engineTexts.get(m.label)) mismatches.push(`${m.label}: engine "${engineTexts.get(m.label)}" vs pipeline "${text}"`);
  }
  return { agrees: mismatches.length === 0 && modes.length > 0, detail: mismatches.join('; ') };
}

// Forked by run.ts with the options as one JSON argument; the result goes back over the IPC channel.
if (process.send && process.argv[2]?.startsWith('{')) {
  const opts = JSON.parse(process.argv[2]) as BundleBenchOptions;
  benchBundle(opts).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1)),
  );
}
