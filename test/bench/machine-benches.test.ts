/**
 * The benchmarks of issue 25's targets against the machine and the peer (bench/outside-onnxruntime.ts,
 * versus-transformers.ts, gflops.ts, decoder-fetches.ts, graph-fusions.ts): their FLOP counts, matrix-multiply graph
 * and operator counts are right, and each runs on the tiny bundle and prints its table. No timing is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { decoderStepFlops, encoderFlops, type BartSizes } from '../../bench/flops.js';
import { squareMatMulModel, squareMatMulWeights } from '../../bench/matmul-graph.js';
import { operatorCounts } from '../../bench/onnx-operators.js';
import { oneOperatorModel } from '../../src/onnx/one-operator-model.js';
import { createSession, ort } from '../../src/onnx/session.js';
import { tableRows } from '../helpers/bench-tables.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const benchScript = (file: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file), ...args], { cwd: ROOT, timeout: 240_000 });

const number = (cell: string) => Number.parseFloat(cell);

t.test('FLOPs of the encoder and of decoder steps are counted from the sizes, a multiply-add being 2', async (t) => {
  const s: BartSizes = { dModel: 4, encoderLayers: 2, decoderLayers: 3, encoderFfn: 8, decoderFfn: 6, vocab: 10, positions: 64 };
  // Per token and layer: 4 projections of 4x4 (64), scores and sum over 5 positions (2 x 5 x 4 = 40), ffn 2 x 4 x 8 (64).
  t.equal(encoderFlops(s, 3, 5), 2 * 3 * 5 * 2 * (64 + 40 + 64));
  // Per row and layer: self 4x16 + 2x(2+1)x4 = 88, cross 2x16 + 2x5x4 = 72, ffn 2x4x6 = 48; output 4 x 10.
  t.equal(decoderStepFlops(s, 2, 2, 5, false), 2 * 2 * (3 * (88 + 72 + 48) + 40));
  // The first step also projects each row's 5 context positions into keys and values: 2 x 16 x 5 per layer.
  t.equal(decoderStepFlops(s, 2, 0, 5, true) - decoderStepFlops(s, 2, 0, 5, false), 2 * 2 * 3 * 2 * 16 * 5);
});

t.test('the matrix-multiply graph multiplies its input by its constant matrix, float32 and int8', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'matmul-graph-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const n = 3;
  for (const kind of ['float32', 'int8'] as const) {
    const path = join(dir, `${kind}.onnx`);
    await writeFile(path, squareMatMulModel(n, kind));
    const { session } = await createSession(path, { intraOpThreads: 1 });
    const a = kind === 'float32' ? Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) : Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = await session.run({ a: new ort.Tensor(kind === 'float32' ? 'float32' : 'uint8', a, [n, n]) });
    const b = squareMatMulWeights(n, kind);
    const expected = Array.from({ length: n * n }, (_, i) => {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += a[Math.floor(i / n) * n + k] * b[k * n + (i % n)];
      return sum;
    });
    const got = Array.from(out.y.data as ArrayLike<number>);
    t.same(got.map((v) => Math.round(v * 1e4) / 1e4), expected.map((v) => Math.round(v * 1e4) / 1e4), `${kind}: a x b`);
    await session.release();
  }
});

t.test('bench/outside-onnxruntime.ts splits the CPU time of /answer requests with every model worker clocked', async (t) => {
  const { stdout } = await benchScript('outside-onnxruntime.ts', '--bundle=tiny', '--requests=2');
  const cpu = tableRows(stdout, 'CPU time per request');
  t.same(cpu.map((r) => r[0].split(' ')[0]), ['onnxruntime', 'model', 'main', 'other', 'process'], 'the parts, then the whole');
  t.ok(number(cpu[0][1]) > 0, `onnxruntime runs in the workers were timed: ${cpu[0].join(' | ')}`);
  const parts = cpu.slice(0, 4).reduce((a, r) => a + number(r[1]), 0);
  t.ok(Math.abs(parts - number(cpu[4][1])) < 0.05 * number(cpu[4][1]) + 0.1, `the parts add up to the process's CPU: ${parts} vs ${cpu[4][1]}`);
  t.match(stdout, /\(1 ran models\)|\(2 ran models\)/, 'the model workers were found by their runs');
  t.match(stdout, /outside onnxruntime: [\d.]+% of the process's CPU, [\d.]+% of the wall time/);
});

t.test('bench/versus-transformers.ts times both generators over the same inputs and the same number of tokens', async (t) => {
  const { stdout } = await benchScript('versus-transformers.ts', '--bundle=tiny', '--repeats=1', '--new-tokens=4', '--k=3');
  const rows = tableRows(stdout, 'tiny: one question');
  t.equal(rows.length, 2);
  t.equal(rows[0][1], '4', 'ours: one answer of 4 tokens');
  t.equal(rows[1][1], '3 x 4', 'transformers.js: 3 answers of 4 tokens');
  for (const row of rows) t.ok(row.slice(2).every((c) => number(c) > 0), `measured: ${row.join(' | ')}`);
  t.match(stdout, /transformers\.js \/ ours: [\d.]+x \(wall p50\)/);
});

t.test('bench/gflops.ts prints the matrix-multiply limit and the runs against it', async (t) => {
  const { stdout } = await benchScript('gflops.ts', '--bundles=tiny', '--sizes=64', '--repeats=1', '--steps=2', '--past=1');
  const limit = tableRows(stdout, 'matrix-multiply limit');
  t.same(limit.map((r) => r[1]), ['64', '64'], 'float32 and int8 at the size asked');
  for (const row of limit) t.ok(row.slice(2).every((c) => number(c) > 0), `measured: ${row.join(' | ')}`);
  const runs = tableRows(stdout, 'achieved GFLOP/s');
  t.same(runs.map((r) => r[1].split(',')[0]), ['encoder', 'first step', 'cached step', 'cached step']);
  for (const row of runs) t.ok(row.slice(2).every((c) => number(c) > 0), `measured: ${row.join(' | ')}`);
});

t.test('bench/decoder-fetches.ts times both fetch lists per row count', async (t) => {
  const { stdout } = await benchScript('decoder-fetches.ts', '--bundle=tiny', '--rows=4,8', '--length=20', '--steps=2', '--repeats=1');
  const rows = tableRows(stdout, 'tiny: ms per cached decoder step');
  t.same(rows.map((r) => r[0]), ['4', '8']);
  for (const row of rows) t.ok(row.slice(1).every((c) => number(c) >= 0) && /x$/.test(row[3]), `measured: ${row.join(' | ')}`);
});

t.test('bench/onnx-operators.ts counts the operators of a serialized model', async (t) => {
  const logSoftmax = oneOperatorModel({
    opType: 'LogSoftmax', opset: 13, attributes: { axis: 1 },
    input: { name: 'x', dims: ['rows', 4] }, output: { name: 'y', dims: ['rows', 4] },
  });
  t.same([...operatorCounts(logSoftmax)], [['LogSoftmax', 1]]);
});

t.test('bench/graph-fusions.ts counts each graph as exported and as onnxruntime runs it', async (t) => {
  const { stdout } = await benchScript('graph-fusions.ts', '--bundle=tiny');
  const decoder = tableRows(stdout, 'tiny generator/onnx/decoder_model_merged.onnx');
  const all = decoder.find((r) => r[0] === 'all operators');
  t.ok(all && number(all[1]) > number(all[2]) && number(all[2]) > 0, `the optimizer removes operators: ${all?.join(' | ')}`);
  t.ok(decoder.some((r) => r[0] === 'If' && r[2] === '1'), 'the merged decoder keeps its If, its branches counted');
});
