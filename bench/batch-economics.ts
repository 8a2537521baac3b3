/**
 * Where one generation's CPU time goes and which part batching can share: on one thread (one intra-op thread, no
 * workers), the 8 bench questions' default generations (the bundle's n_docs, beams and extractive setting) run one
 * after another, then all 8 at once through the step batcher in batches of each given size. Alone, each
 * generation's time is split into the generator's encoder, the decoder runs (the only part batching shares) and
 * everything else (tokenization, decoding's JavaScript: log-softmax, marginalization, beam search, the span
 * constraint); batched, only the total per generation compares. Also checks that batched answers equal the ones alone.
 *
 *     npx tsx bench/batch-economics.ts [bundle=demo] [passages=100] [batch sizes=2,4,8] [max new tokens=50]
 */
import { performance } from 'node:perf_hooks';
import { AnswerGenerator, loadBundleTexts, type ContextGenerator, type GenerationJob } from '../src/generator/answer-generator.js';
import { loadConfig } from '../src/config.js';
import { createRagEngine } from '../src/rag/rag-engine.js';
import { BartGenerator } from '../src/onnx/bart-generator.js';
import { BENCH_QUESTIONS, bundleDir, openBenchIndex } from './bench-index.js';
import { describeMachine } from './report.js';
import { formatTable, ms } from './stats.js';

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** A generator that adds up the CPU time of its encoder and decoder runs. */
function metered(generator: BartGenerator) {
  const spent = { encoder: 0, decoder: 0, runs: 0, rows: 0 };
  const source: ContextGenerator = {
    encode: async (ids, pad) => {
      const t = cpuMs();
      try { return await generator.encode(ids, pad); } finally { spent.encoder += cpuMs() - t; }
    },
    createStep: (contexts) => {
      const inner = generator.createStep(contexts);
      return {
        release: () => inner.release(),
        step: async (input) => {
          const t = cpuMs();
          try { return await inner.step(input); } finally { spent.decoder += cpuMs() - t; spent.runs++; spent.rows += input.tokens.length; }
        },
      };
    },
  };
  return { spent, source };
}

const bundle = bundleDir(process.argv[2] ?? 'demo');
const passages = Number(process.argv[3] ?? 100);
const members = (process.argv[4] ?? '2,4,8').split(',').map(Number);
const maxNewTokens = Number(process.argv[5] ?? 50);
console.log(describeMachine());
const bench = await openBenchIndex({ name: bundle.name, modelDir: bundle.dir, passages, cache: bundle.name !== 'tiny' });
const config = loadConfig({ RAG_MODEL_DIR: bundle.dir, RAG_INDEX_DIR: '/nonexistent', RAG_WORKERS: '0', RAG_ONNX_THREADS: '1', LOG_LEVEL: 'silent' });
const engine = await createRagEngine({ config, indexManager: bench.index, logger: { warn: console.error } });
const texts = await loadBundleTexts(bundle.dir);
const jobs: GenerationJob[] = [];
for (const question of BENCH_QUESTIONS) {
  const r = await engine.answer({ question, nDocs: engine.defaultDocs, mode: 'token', numBeams: texts.generation.numBeams, maxNewTokens });
  jobs.push({
    passages: r.documents.map(({ title, text, score }) => ({ title, text, score })), slot: texts.rag.prefixes.answer + question,
    mode: 'token', numBeams: texts.generation.numBeams, maxNewTokens, extractive: texts.rag.extractive.answer, explain: false,
  });
}
await engine.close();
const generator = await BartGenerator.load(`${bundle.dir}/generator`, { intraOpThreads: 1 });

const rows: string[][] = [];
const answers: Record<string, string[]> = {};
for (const mode of ['alone', ...members.map((m) => `batches of ${m}`)]) {
  for (let pass = 0; pass < 2; pass++) { // the first pass warms up onnxruntime's arenas
    const { spent, source } = metered(generator);
    const answerer = new AnswerGenerator(source, texts, mode === 'alone' ? undefined : { windowMs: 0, maxMembers: Number(mode.split(' ').pop()) });
    const t0 = cpuMs();
    const w0 = performance.now();
    const out = mode === 'alone'
      ? await jobs.reduce<Promise<string[]>>(async (acc, job) => [...await acc, (await answerer.generate(job, {})).text], Promise.resolve([]))
      : (await Promise.all(jobs.map((job) => answerer.generate(job, {})))).map((a) => a.text);
    const total = cpuMs() - t0;
    const wall = performance.now() - w0;
    if (pass === 0) continue;
    answers[mode] = out;
    const n = jobs.length;
    // Batched, the encoder and decoder timings span awaits during which other generations run: only alone are they split.
    const split = mode === 'alone'
      ? [ms(spent.encoder / n), ms(spent.decoder / n), ms((total - spent.encoder - spent.decoder) / n), ms(spent.decoder / spent.runs)]
      : ['-', '-', '-', '-'];
    rows.push([mode, ms(total / n), split[0], split[1], split[2], String(spent.runs), (spent.rows / spent.runs).toFixed(1), split[3], ms(wall / n)]);
  }
}
const same = Object.values(answers).every((set) => set.every((a, i) => a === answers.alone[i]));
console.log(formatTable(`${bundle.name}: CPU ms per generation, 8 generations on one thread (one onnxruntime thread)`,
  ['how', 'CPU total', 'encoder', 'decoder runs', 'other (JS)', 'decoder runs made', 'rows per run', 'CPU ms per run', 'wall ms per generation'], rows));
console.log(`batched answers ${same ? 'equal' : 'DIFFER from'} the answers alone`);
await generator.close();
await bench.close();
