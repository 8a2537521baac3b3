/**
 * onnxruntime's LogSoftmax over decoder logits (src/onnx/log-softmax.ts), in a model whose bytes are written by
 * src/onnx/one-operator-model.ts: it equals the float64 log_softmax to float32 precision, stays finite on logits far
 * from zero, and the generator's steps return rows that are distributions.
 */
import t from 'tap';
import { logSumExp } from '../../src/generator/decoding/math.js';
import { BartGenerator } from '../../src/onnx/bart-generator.js';
import { LogSoftmax } from '../../src/onnx/log-softmax.js';
import { oneOperatorModel } from '../../src/onnx/one-operator-model.js';
import { logProbsOf } from '../generator/decoding/log-probs.js';
import { mulberry32 } from '../helpers/seeded-random.js';

t.test('log-probabilities equal the float64 log_softmax of each row to float32 precision', async (t) => {
  const logSoftmax = await LogSoftmax.create({ intraOpThreads: 1 });
  t.teardown(() => logSoftmax.release());
  const rand = mulberry32(7);
  for (const [rows, vocab, offset] of [[1, 2, 0], [3, 50, 0], [20, 1000, 0], [4, 300, 3e4], [2, 64, -3e4]]) {
    const logits = Float32Array.from({ length: rows * vocab }, () => offset + 30 * (rand() - 0.5));
    const got = await logSoftmax.run(logits, rows, vocab);
    const want = logProbsOf(logits, vocab);
    t.equal(got.length, rows * vocab);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    t.ok(worst < 1e-5, `[${rows}, ${vocab}] around ${offset}: largest relative difference ${worst}`);
  }
});

t.test('the one-operator model is a valid ONNX model whose varints and names are written as protobuf wants', async (t) => {
  const bytes = oneOperatorModel({
    opType: 'LogSoftmax', opset: 13, attributes: { axis: 1 },
    input: { name: 'x', dims: [2, 'n'] }, output: { name: 'y', dims: [2, 'n'] },
  });
  t.equal(bytes[0], 0x08, 'field 1 (ir_version) as a varint comes first');
  t.ok(Buffer.from(bytes).includes(Buffer.from('LogSoftmax')), 'names the operator');
  t.throws(() => oneOperatorModel({
    opType: 'LogSoftmax', opset: 13, attributes: { axis: -1 },
    input: { name: 'x', dims: ['n'] }, output: { name: 'y', dims: ['n'] },
  }), /cannot write -1/, 'negative attributes are refused rather than written wrong');
});

const bundle = new URL('../../onnx/build/tiny/', import.meta.url).pathname;
t.test('every row of a generator step is a distribution over the vocabulary', async (t) => {
  const generator = await BartGenerator.load(`${bundle}generator`);
  t.teardown(() => generator.close());
  const encoded = await generator.encode([[0, 5, 6, 2], [0, 7, 8, 9, 2]], 1);
  const step = generator.createStep(encoded);
  const first = await step.step({ tokens: Int32Array.of(2, 2), parents: Int32Array.of(-1, -1), contexts: Int32Array.of(0, 1) });
  const next = await step.step({ tokens: Int32Array.of(5, 6, 7), parents: Int32Array.of(0, 1, 1), contexts: Int32Array.of(0, 1, 1) });
  step.release();
  for (const [name, out, rows] of [['first', first, 2], ['cached', next, 3]] as const) {
    const vocab = out.length / rows;
    for (let r = 0; r < rows; r++) {
      const lse = logSumExp(out.subarray(r * vocab, (r + 1) * vocab));
      t.ok(Math.abs(lse) < 1e-5, `${name} step, row ${r}: logsumexp ${lse}`);
    }
  }
});
