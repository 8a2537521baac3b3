import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DprEncoder } from '../../src/onnx/dpr-encoder.js';

const bundle = fileURLToPath(new URL('./fixtures/tiny-bundle/', import.meta.url));
type Case = { text: string; pair: string | null; vector: number[] };
const expected = JSON.parse(readFileSync(`${bundle}/expected.json`, 'utf8')) as {
  encoders: Record<string, { cases: Case[] }>;
};

function closeTo(t: Test, got: Float32Array, want: number[], what: string): void {
  const worst = want.reduce((m, w, i) => Math.max(m, Math.abs(w - got[i])), 0);
  t.ok(got.length === want.length && worst < 1e-5, `${what}: max abs diff ${worst}`);
}

for (const name of ['question_encoder', 'ctx_encoder']) {
  t.test(`${name} vectors equal the numpy reference, in any batch size`, async (t) => {
    const encoder = await DprEncoder.load(`${bundle}/${name}`);
    t.teardown(() => encoder.close());
    t.equal(encoder.provider, 'cpu');
    const cases = expected.encoders[name].cases;
    const inputs = cases.map((c) => (c.pair === null ? c.text : ([c.text, c.pair] as const)));
    let reported = 0;
    const vectors = await encoder.encode(inputs, { batchSize: 2, onBatch: (done) => (reported = done) });
    t.equal(reported, inputs.length, 'progress reaches the input count');
    const dim = cases[0].vector.length;
    t.equal(vectors.length, inputs.length * dim);
    cases.forEach((c, i) => closeTo(t, vectors.subarray(i * dim, (i + 1) * dim), c.vector, `case ${i}`));
    const oneByOne = await encoder.encode(inputs, { batchSize: 1 });
    closeTo(t, oneByOne, Array.from(vectors), 'batch size 1 gives the same vectors (padding is masked)');
  });
}

t.test('encode stops between batches when the signal aborts', async (t) => {
  const encoder = await DprEncoder.load(`${bundle}/ctx_encoder`);
  t.teardown(() => encoder.close());
  const controller = new AbortController();
  await t.rejects(encoder.encode(['a', 'b', 'c'], {
    batchSize: 1, signal: controller.signal, onBatch: () => controller.abort(),
  }), /cancelled/);
});

t.test('a folder without a DPR model is refused with the reason', async (t) => {
  await t.rejects(DprEncoder.load(fileURLToPath(new URL('./fixtures/', import.meta.url))), /tokenizer\.json|ENOENT/);
});
