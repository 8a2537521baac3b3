/**
 * The models in worker threads (src/onnx/pooled-models.ts) against the same models on the calling thread: the
 * same vectors, encoder states and decodings, and an event loop that keeps turning while a worker runs.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { decode } from '../../src/generator/decoding/decode.js';
import { parseGenerationConfig } from '../../src/generator/decoding/generation-config.js';
import type { StepFn } from '../../src/generator/decoding/types.js';
import { loadModels, type Models } from '../../src/onnx/models.js';
import { loadTinyFixtures, maxAbsDiff, tinyBundle } from '../helpers/toolchain-bundle.js';

const fixtures = loadTinyFixtures() as ReturnType<typeof loadTinyFixtures> & {
  config: { generation: Record<string, unknown> };
  questions: { generator_input_ids: number[][]; doc_log_weights: number[] }[];
};
const cfg = parseGenerationConfig(fixtures.config.generation);
const DEMO = join(import.meta.dirname, '../../onnx/demo');

async function both(t: Test, modelDir: string): Promise<[Models, Models]> {
  const inThread = await loadModels({ modelDir, workers: 0, intraOpThreads: 1 });
  const pooled = await loadModels({ modelDir, workers: 2, intraOpThreads: 1 });
  t.teardown(async () => { await inThread.close(); await pooled.close(); });
  return [inThread, pooled];
}

/** Wraps a step to keep a copy of every logits array it returns. */
function recording(step: StepFn): { step: StepFn; logits: Float32Array[] } {
  const logits: Float32Array[] = [];
  return { logits, step: async (input) => { const out = await step(input); logits.push(out.slice()); return out; } };
}

t.test('pooled models give the in-thread models\' vectors, encoder states and decodings', async (t) => {
  const [local, pooled] = await both(t, tinyBundle);
  t.equal(pooled.questionEncoder.provider, 'cpu');
  t.equal(pooled.generator.dModel, local.generator.dModel);
  const questions = ['what is a compiler?', 'who wrote it'];
  t.equal(maxAbsDiff(await pooled.questionEncoder.encode(questions), await local.questionEncoder.encode(questions)), 0, 'question vectors');
  const q = fixtures.questions[0];
  const pad = cfg.padTokenId!;
  const [a, b] = [await local.generator.encode(q.generator_input_ids, pad), await pooled.generator.encode(q.generator_input_ids, pad)];
  t.same([b.count, b.length, b.dModel], [a.count, a.length, a.dModel]);
  t.equal(maxAbsDiff(b.hidden, a.hidden), 0, 'encoder states');
  for (const [mode, numBeams] of [['token', 1], ['token', 4], ['sequence', 4]] as const) {
    const steps = [local.generator.createStep(a), pooled.generator.createStep(b)];
    const [ra, rb] = steps.map((s) => recording(s.step));
    const outA = await decode(ra.step, q.doc_log_weights, { ...cfg, numBeams }, { mode });
    const outB = await decode(rb.step, q.doc_log_weights, { ...cfg, numBeams }, { mode });
    steps.forEach((s) => s.release());
    t.same(outB.tokens, outA.tokens, `${mode} ${numBeams}: same tokens`);
    t.same(rb.logits.map((l, i) => maxAbsDiff(l, ra.logits[i])), ra.logits.map(() => 0), `${mode} ${numBeams}: same logits every step`);
  }
});

t.test('a released pooled step is refused, and so is every call once the models are closed', async (t) => {
  const pooled = await loadModels({ modelDir: tinyBundle, workers: 1, intraOpThreads: 1 });
  const contexts = await pooled.generator.encode([[0, 5, 6, 2]], cfg.padTokenId!);
  const s = pooled.generator.createStep(contexts);
  const first = { tokens: Int32Array.of(2), parents: Int32Array.of(-1), contexts: Int32Array.of(0) };
  await t.rejects(s.step({ ...first, contexts: Int32Array.of(1) }), { message: /context 1 of 1/ }, 'the worker\'s error comes back');
  t.ok((await s.step(first)).length > 0);
  s.release();
  await t.rejects(s.step(first), { message: /released/ });
  await pooled.close();
  await t.rejects(pooled.questionEncoder.encode(['q']), { message: /closed/ });
});

t.test('the event loop keeps turning while a worker runs the encoder; in-thread, onnxruntime holds it', async (t) => {
  // The demo bundle's encoder over 16 inputs of 300 tokens: a run long enough to watch, whatever the machine.
  const [local, pooled] = await both(t, DEMO);
  const inputs = Array.from({ length: 16 }, (_, k) => Array.from({ length: 300 }, (_, i) => 5 + ((i * 7 + k) % 500)));
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
  const pooledTicks = await ticksDuring(() => pooled.generator.encode(inputs, 1));
  const localTicks = await ticksDuring(() => local.generator.encode(inputs, 1));
  t.ok(pooledTicks >= 100, `pooled: the loop turned ${pooledTicks} times during one encoder run`);
  t.ok(localTicks <= 2, `in-thread: ${localTicks} turns (why the pool exists)`);
});
