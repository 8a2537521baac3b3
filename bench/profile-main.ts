/**
 * The main thread's time during generation, for a CPU profile: 8 default answers (the bundle's n_docs, beam 4,
 * extractive, 50 new tokens at most) through the engine with the models in `workers` worker threads, after one
 * warm-up. Prints the answering window in the profile's clock (µs) and the main thread's event-loop busy time.
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-main.ts [bundle=demo] [workers=1]
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';

const bundle = bundleDir(process.argv[2] ?? 'demo');
const workers = process.argv[3] ?? '1';
const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages: 100, cache: false });
const config = loadConfig({ RAG_MODEL_DIR: bundle.dir, RAG_INDEX_DIR: '/tmp/none', RAG_WORKERS: workers, LOG_LEVEL: 'silent' });
const engine = await createRagEngine({ config, indexManager: bench.index, logger: { warn: console.error } });
const req = (question: string) => ({ question, nDocs: engine.defaultDocs, mode: 'token' as const, numBeams: 4, maxNewTokens: 50 });
await engine.answer(req(BENCH_QUESTIONS[0]));
const h0 = process.hrtime.bigint() / 1000n;
const t0 = performance.now();
const elu0 = performance.eventLoopUtilization();
let tokens = 0;
for (const q of BENCH_QUESTIONS) tokens += (await engine.answer(req(q))).generatedTokens;
const elu = performance.eventLoopUtilization(elu0);
const wall = performance.now() - t0;
const h1 = process.hrtime.bigint() / 1000n;
console.log(`window ${h0} ${h1}`);
console.log(JSON.stringify({ workers, answers: BENCH_QUESTIONS.length, tokens, wallMs: wall.toFixed(0), mainBusyMs: elu.active.toFixed(0), perAnswerMainMs: (elu.active / 8).toFixed(1) }));
await engine.close();
await bench.close();
