/**
 * The models in worker threads (src/onnx/pooled-models.ts) against the same models on the calling thread: the
 * same question vectors and the same whole generations (greedy, beam, RAG-Sequence, extractive, streamed tokens,
 * explain), cancellation that stops the worker's decoding, a dead worker's request failing with a 503 while the
 * others serve, and an event loop that keeps turning while a worker runs.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { GenerationJob } from '../../src/generator/answer-generator.js';
import { DecodingAbortedError } from '../../src/generator/decoding/types.js';
import { loadModels, type Models } from '../../src/models/models.js';
import { startModelPool } from '../../src/models/pooled-models.js';
import { loadTinyFixtures, maxAbsDiff, tinyBundle } from '../helpers/toolchain-bundle.js';

const fixtures = loadTinyFixtures() as ReturnType<typeof loadTinyFixtures> & {
  config: { generation: { num_beams: number; max_length: number } };
  passages: { title: string; text: string }[];
  questions: { query: string; top_k: number[]; doc_log_weights: number[] }[];
};
const DEMO = join(import.meta.dirname, '../../onnx/demo');

async function both(t: Test, modelDir: string): Promise<[Models, Models]> {
  const inThread = await loadModels({ modelDir, workers: 0, intraOpThreads: 1 });
  const pooled = await loadModels({ modelDir, workers: 2, intraOpThreads: 1 });
  t.teardown(async () => { await inThread.close(); await pooled.close(); });
  return [inThread, pooled];
}

/** A fixture question's job: its retrieved passages, scored by its document log-weights (softmax keeps them). */
function jobOf(q: (typeof fixtures.questions)[number], over: Partial<GenerationJob> = {}): GenerationJob {
  return {
    passages: q.top_k.map((i, k) => ({ ...fixtures.passages[i], score: q.doc_log_weights[k] })),
    slot: q.query, mode: 'token', numBeams: 1, maxNewTokens: fixtures.config.generation.max_length - 1,
    extractive: false, explain: true, attribution: true, ...over,
  };
}

t.test('a generation in a model worker gives exactly the in-thread answer, explanation and streamed tokens', async (t) => {
  const [local, pooled] = await both(t, tinyBundle);
  const questions = ['what is a compiler?', 'who wrote it'];
  t.equal(maxAbsDiff(await pooled.questionEncoder.encode(questions), await local.questionEncoder.encode(questions)), 0, 'question vectors');
  const beams = fixtures.config.generation.num_beams;
  const variants: [string, Partial<GenerationJob>, boolean][] = [
    ['greedy', {}, false],
    ['beam', { numBeams: beams }, false],
    ['RAG-Sequence', { mode: 'sequence', numBeams: beams }, false],
    ['extractive beam', { numBeams: beams, extractive: true }, false],
    ['extractive RAG-Sequence', { mode: 'sequence', numBeams: beams, extractive: true }, true],
    ['streamed', { numBeams: beams }, true],
  ];
  for (const q of fixtures.questions) {
    for (const [name, over, stream] of variants) {
      const [a, b] = await Promise.all([local, pooled].map(async (models) => {
        const pieces: string[] = [];
        const answer = await models.answers.generate(jobOf(q, over), { onToken: stream ? (s) => pieces.push(s) : undefined });
        return { answer, pieces };
      }));
      t.same(b, a, `${name} for "${q.query}": same text, token count, posteriors and streamed pieces`);
      t.ok(a.answer.tokens!.length > 0, 'with an explanation');
    }
  }
});

t.test('aborting a generation stops the worker\'s decoding and gives the caller its own reason', async (t) => {
  const pooled = await loadModels({ modelDir: tinyBundle, workers: 1, intraOpThreads: 1 });
  t.teardown(() => pooled.close());
  const q = fixtures.questions[0];
  const controller = new AbortController();
  const reason = new Error('client went away');
  const pieces: string[] = [];
  // The tiny bundle's answers are free and run long (120 tokens at most: the decoder has 130 positions); the abort comes with the first token.
  const job = jobOf(q, { maxNewTokens: 120 });
  const aborted = pooled.answers.generate(job, {
    signal: controller.signal, onToken: (s) => { pieces.push(s); controller.abort(reason); },
  });
  await t.rejects(aborted, DecodingAbortedError);
  await aborted.catch((err: DecodingAbortedError) => t.equal(err.reason, reason, 'the reason is the caller\'s'));
  const whole = await pooled.answers.generate(job, { onToken: () => {} });
  t.ok(pieces.length < whole.generatedTokens, `stopped after ${pieces.length} of ${whole.generatedTokens} tokens`);
});

t.test('a model worker that dies fails its request with a 503; the next request succeeds and the worker comes back', async (t) => {
  const warnings: string[] = [];
  const models = await startModelPool({ modelDir: tinyBundle, workers: 2, intraOpThreads: 1, warn: (m) => warnings.push(m) });
  t.teardown(() => models.close());
  const job = jobOf(fixtures.questions[0], { maxNewTokens: 120, attribution: false });
  const expected = await models.answers.generate(job, {});
  const dying = models.pool.workers[0];
  t.equal(models.pool.pick(), dying, 'both idle: the first worker takes the next request');
  // Killed in the same tick as its request is sent, so the worker dies before any onnxruntime run of it starts:
  // terminating a worker inside a native run can abort the whole process (onnxruntime-node); the pool terminates
  // workers only after asking them to release their sessions (close, with a grace period).
  const killed = models.answers.generate(job, {});
  void dying.worker.terminate();
  await t.rejects(killed, { statusCode: 503, message: /model worker running this request stopped/ });
  t.same(await models.answers.generate(job, {}), expected, 'the next request is answered, by the other worker');
  while (models.pool.workers[0] === dying || !models.pool.workers[0].alive) await new Promise((r) => setTimeout(r, 20));
  t.ok(models.alive(), 'both workers serve again');
  t.match(warnings, [/^a worker exited unexpectedly/, /^a worker was restarted; 2 of 2 serve/]);
});

t.test('the event loop keeps turning while a worker runs a generation; in-thread, onnxruntime holds it', async (t) => {
  // The demo bundle over 16 passages of 100 words: a run long enough to watch, whatever the machine.
  const [local, pooled] = await both(t, DEMO);
  const words = Array.from({ length: 100 }, (_, i) => `word${(i * 7) % 500}`).join(' ');
  const job: GenerationJob = {
    passages: Array.from({ length: 16 }, (_, k) => ({ title: `T${k}`, text: words, score: 0 })),
    slot: 'what is a word?', mode: 'token', numBeams: 1, maxNewTokens: 2, extractive: false, explain: false,
  };
  const ticksDuring = async (run: () => Promise<unknown>) => {
    let ticks = 0;
    let running = true;
    const tick = () => { if (running) { ticks++; setImmediate(tick); } };
    const pending = run();
    setImmediate(tick);
    await pending;
    running = false;
    return ticks;
  };
  const pooledTicks = await ticksDuring(() => pooled.answers.generate(job, {}));
  const localTicks = await ticksDuring(() => local.answers.generate(job, {}));
  t.ok(pooledTicks >= 100, `pooled: the loop turned ${pooledTicks} times during one generation`);
  t.ok(localTicks <= 10, `in-thread: ${localTicks} turns (why the pool exists)`);
});
