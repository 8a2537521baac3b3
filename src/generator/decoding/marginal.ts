/**
 * RAG-Token's per-step marginalization over K documents for one beam:
 * `m[v] = logsumexp_k(w_k + log_softmax(logits[k])[v])`, and the document posterior of a chosen token.
 * With K = 1 and w = [0] the marginal is exactly the row's log_softmax, which is how RAG-Sequence's
 * per-document beam search reuses the same code.
 */
import { logSoftmaxInto, softmax } from './math.js';

/** The per-document log_softmax rows of one beam (`[K, V]`) and their marginal (`[V]`). */
export interface BeamMarginal {
  docLogProbs: Float64Array;
  marginal: Float64Array;
}

/**
 * Marginalizes the K consecutive logits rows starting at `firstRow` with document log-weights `w`.
 * NOTE: `logits` is `[rows, vocab]` row-major; rows firstRow .. firstRow+K-1 are documents 0 .. K-1.
 */
export function marginalize(logits: Float32Array, firstRow: number, vocab: number, w: ArrayLike<number>): BeamMarginal {
  const k = w.length;
  const docLogProbs = new Float64Array(k * vocab);
  for (let d = 0; d < k; d++) logSoftmaxInto(logits, (firstRow + d) * vocab, vocab, docLogProbs, d * vocab);
  const marginal = new Float64Array(vocab);
  for (let v = 0; v < vocab; v++) {
    let max = -Infinity;
    for (let d = 0; d < k; d++) {
      const a = w[d] + docLogProbs[d * vocab + v];
      if (a > max) max = a;
    }
    if (max === -Infinity) {
      marginal[v] = -Infinity;
      continue;
    }
    let sum = 0;
    for (let d = 0; d < k; d++) sum += Math.exp(w[d] + docLogProbs[d * vocab + v] - max);
    marginal[v] = max + Math.log(sum);
  }
  return { docLogProbs, marginal };
}

/** `p(z_k | x, y_<=i)` for the chosen token: `softmax_k(w_k + log p(token | z_k))`. */
export function docPosterior(docLogProbs: Float64Array, vocab: number, w: ArrayLike<number>, token: number): number[] {
  const joint = Array.from(w, (wk, d) => wk + docLogProbs[d * vocab + token]);
  return softmax(joint);
}
