/**
 * What a fake step returns: the log_softmax of its float32 logits, row by row, computed in float64 as the PyTorch
 * reference computes it (the model's steps get theirs from onnxruntime in float32, src/onnx/log-softmax.ts).
 */
import { logSoftmaxInto } from '../../../src/generator/decoding/math.js';

/** `[rows, vocab]` logits to `[rows, vocab]` log-probabilities. */
export function logProbsOf(logits: Float32Array, vocab: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r * vocab < logits.length; r++) logSoftmaxInto(logits, r * vocab, vocab, out, r * vocab);
  return out;
}
