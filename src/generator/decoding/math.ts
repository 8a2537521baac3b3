/**
 * log_softmax, logsumexp and softmax with float64 accumulators, for document weights, posteriors and scores (the
 * model's own log-probabilities come from onnxruntime, src/onnx/log-softmax.ts). Outputs are float64, as the
 * reference computes them.
 */

/**
 * The normalizer of `log_softmax(src[offset .. offset+length))`: entry i is `src[i] - max - logSum`. `max` is -inf
 * for a row that is all -inf, whose entries are then -inf (rather than NaN), so that a fully masked row never wins.
 */
function logSoftmaxNormalizer(
  src: ArrayLike<number>, offset: number, length: number,
): { max: number; logSum: number } {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (src[offset + i] > max) max = src[offset + i];
  if (max === -Infinity) return { max, logSum: -Infinity };
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(src[offset + i] - max);
  return { max, logSum: Math.log(sum) };
}

/** Writes `log_softmax(src[offset .. offset+length))` into `out[outOffset ..]` (see logSoftmaxNormalizer). */
export function logSoftmaxInto(
  src: ArrayLike<number>, offset: number, length: number, out: Float64Array, outOffset = 0,
): void {
  const { max, logSum } = logSoftmaxNormalizer(src, offset, length);
  if (max === -Infinity) {
    out.fill(-Infinity, outOffset, outOffset + length);
    return;
  }
  for (let i = 0; i < length; i++) out[outOffset + i] = src[offset + i] - max - logSum;
}

/** log_softmax of a whole vector, in float64. */
export function logSoftmax(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  logSoftmaxInto(values, 0, values.length, out);
  return out;
}

/** `log(sum(exp(values)))`, stable; -inf for an empty or all -inf input. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/** softmax of a short vector (document posteriors), as plain numbers. */
export function softmax(values: ArrayLike<number>): number[] {
  const lse = logSumExp(values);
  return Array.from(values, (v) => (lse === -Infinity ? 1 / values.length : Math.exp(v - lse)));
}

/** Document log-weights `w_k = log_softmax(s)_k` from retrieval inner products: log p(z|x). */
export function docLogWeights(scores: ArrayLike<number>): Float64Array {
  return logSoftmax(scores);
}
