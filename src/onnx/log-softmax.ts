/**
 * Next-token log-probabilities from the decoder's logits, computed by onnxruntime: its vectorized LogSoftmax is far
 * cheaper than a JavaScript pass over every row's vocabulary (a max and V `exp`s per row, 20 rows a step for beam 4
 * over 5 documents; docs/BENCHMARKS.md, "Log-probabilities from onnxruntime"), and runs for every bundle, converted
 * ones included, without changing their graphs.
 * Always on the CPU: the logits are already in host memory when the decoder returns them.
 */
import { oneOperatorModel } from './one-operator-model.js';
import { createSession, float32Output, float32Tensor, type ort, type SessionOptions } from './session.js';

const MODEL = oneOperatorModel({
  opType: 'LogSoftmax',
  opset: 13,
  attributes: { axis: 1 },
  input: { name: 'logits', dims: ['rows', 'vocab'] },
  output: { name: 'log_probs', dims: ['rows', 'vocab'] },
});

/** A LogSoftmax over the rows of `[rows, vocab]` logits. */
export class LogSoftmax {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** A session with the threading of `opts`, on the CPU whatever device `opts` names. */
  static async create(opts: SessionOptions = {}): Promise<LogSoftmax> {
    const { session } = await createSession(MODEL, { ...opts, device: 'cpu' });
    return new LogSoftmax(session);
  }

  /** `log_softmax` of each row of `logits` (`[rows, vocab]` row-major), in float32 as the reference computes it. */
  async run(logits: Float32Array, rows: number, vocab: number): Promise<Float32Array> {
    const out = await this.session.run({ logits: float32Tensor(logits, [rows, vocab]) });
    return float32Output(out.log_probs, 'log_probs', 2);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
