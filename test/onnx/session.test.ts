import t from 'tap';
import { join } from 'node:path';
import { createSession, float32Output, int64Matrix, int64Tensor } from '../../src/onnx/session.js';
import { tinyBundle, tinyDimension } from '../helpers/toolchain-bundle.js';

const model = join(tinyBundle, 'question_encoder', 'model.onnx');

t.test('cpu sessions report the cpu provider and run', async (t) => {
  const { session, provider } = await createSession(model, { device: 'cpu', intraOpThreads: 1 });
  t.teardown(() => session.release());
  t.equal(provider, 'cpu');
  const out = await session.run({
    input_ids: int64Matrix([[2, 10, 3]]), attention_mask: int64Matrix([[1, 1, 1]]), token_type_ids: int64Matrix([[0, 0, 0]]),
  });
  t.equal(float32Output(out.pooler_output, 'pooler_output', 2).length, tinyDimension());
});

t.test('cuda without CUDA binaries falls back to cpu with one warning saying why', async (t) => {
  const warnings: string[] = [];
  const { session, provider } = await createSession(model, { device: 'cuda', warn: (m) => warnings.push(m) });
  t.teardown(() => session.release());
  // NOTE: on a GPU host with onnxruntime-node's CUDA build this test sees 'cuda' and no warning.
  if (provider === 'cuda') {
    t.same(warnings, []);
  } else {
    t.equal(provider, 'cpu');
    t.equal(warnings.length, 1);
    t.match(warnings[0], /CUDA execution provider unavailable .*using CPU: \S/);
    t.notMatch(warnings[0], /\n/, 'one line');
  }
});

t.test('tensor helpers check shapes', async (t) => {
  const x = int64Tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  t.same(x.dims, [2, 3]);
  t.equal(x.type, 'int64');
  t.equal((x.data as BigInt64Array)[5], 6n);
  t.throws(() => int64Tensor([1, 2, 3], [2, 2]), /shape \[2,2\] needs 4/);
  t.throws(() => int64Matrix([[1, 2], [3]]), /row 1 has 1 values, expected 2/);
  t.throws(() => float32Output(undefined, 'logits', 3), /no output "logits"/);
});
