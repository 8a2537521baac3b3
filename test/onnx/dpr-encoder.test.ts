import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DprEncoder } from '../../src/onnx/dpr-encoder.js';
import { loadTinyFixtures, maxAbsDiff, tinyBundle } from '../helpers/toolchain-bundle.js';

const fx = loadTinyFixtures();
// NOTE: onnxruntime's float32 vectors differ from PyTorch's by about 1e-5 here (fixtures.py): 1e-4 is safe.
const TOL = 1e-4;

function closeTo(t: Test, got: Float32Array, want: ArrayLike<number>, what: string, tol = TOL): void {
  const worst = maxAbsDiff(got, want);
  t.ok(worst < tol, `${what}: max abs diff ${worst}`);
}

// The toolchain's references: ctx vectors of every (title, text) passage, question vectors of every query.
const references = {
  ctx_encoder: fx.passages.map((p, i) => ({ input: [p.title, p.text] as const, vector: fx.ctx_embeddings[i] })),
  question_encoder: [...fx.questions, ...fx.jeopardy].map((c) => ({ input: c.query, vector: c.query_embedding })),
};

for (const name of ['question_encoder', 'ctx_encoder'] as const) {
  t.test(`${name} vectors equal the PyTorch reference, in any batch size`, async (t) => {
    const encoder = await DprEncoder.load(join(tinyBundle, name));
    t.teardown(() => encoder.close());
    t.equal(encoder.provider, 'cpu');
    const cases = references[name];
    const inputs = cases.map((c) => c.input);
    let reported = 0;
    const vectors = await encoder.encode(inputs, { batchSize: 2, onBatch: (done) => (reported = done) });
    t.equal(reported, inputs.length, 'progress reaches the input count');
    const dim = cases[0].vector.length;
    t.equal(vectors.length, inputs.length * dim);
    cases.forEach((c, i) => closeTo(t, vectors.subarray(i * dim, (i + 1) * dim), c.vector, `case ${i}`));
    const oneByOne = await encoder.encode(inputs, { batchSize: 1 });
    // Same engine, same weights: padding is masked, so batching changes vectors by float noise only.
    closeTo(t, oneByOne, vectors, 'batch size 1 gives the same vectors (padding is masked)', 1e-5);
  });
}

t.test('encode stops between batches when the signal aborts', async (t) => {
  const encoder = await DprEncoder.load(join(tinyBundle, 'ctx_encoder'));
  t.teardown(() => encoder.close());
  const controller = new AbortController();
  await t.rejects(encoder.encode(['a', 'b', 'c'], {
    batchSize: 1, signal: controller.signal, onBatch: () => controller.abort(),
  }), /cancelled/);
});

t.test('a folder without a DPR model is refused with the reason', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'dpr-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  await t.rejects(DprEncoder.load(empty), /tokenizer\.json|ENOENT/);
  // The bundle's root holds manifests and fixtures, but no encoder.
  await t.rejects(DprEncoder.load(tinyBundle), /tokenizer\.json|ENOENT/);
});
