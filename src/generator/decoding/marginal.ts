/**
 * RAG-Token's per-step marginalization over K documents for one beam:
 * `m[v] = logsumexp_k(w_k + log_softmax(logits[k])[v])`, and the document posterior of a chosen token.
 * With K = 1 and w = [0] the marginal is exactly the row's log_softmax, which is how RAG-Sequence's
 * per-document beam search reuses the same code.
 *
 * Each row's log_softmax normalizer takes one pass over its V logits; after that any entry of the marginal costs
 * O(K), so a step whose processors leave a few tokens (extractive answers) scores only those. Entries are computed
 * with the same float64 operations in the same order as a full log_softmax row would, so both paths agree bit for bit.
 */
import { logSoftmaxNormalizer, softmax } from './math.js';

/** K consecutive logits rows of one step with their normalizers; reused from step to step (no per-step arrays). */
export class StepMarginal {
  private readonly rowMax: Float64Array;
  private readonly rowLogSum: Float64Array;
  /** Scratch for one token's `w_k + log p(v | z_k)`. */
  private readonly joint: Float64Array;
  private logits: Float32Array = new Float32Array(0);
  private base = 0;
  private vocab = 0;

  /** @param w document log-weights, one per row */
  constructor(private readonly w: ArrayLike<number>) {
    this.rowMax = new Float64Array(w.length);
    this.rowLogSum = new Float64Array(w.length);
    this.joint = new Float64Array(w.length);
  }

  /**
   * Reads rows firstRow .. firstRow+K-1 of `logits` (documents 0 .. K-1), one pass over each for its normalizer.
   * NOTE: `logits` is `[rows, vocab]` row-major and is read again by later calls: it must not change meanwhile.
   */
  load(logits: Float32Array, firstRow: number, vocab: number): this {
    this.logits = logits;
    this.base = firstRow * vocab;
    this.vocab = vocab;
    for (let d = 0; d < this.w.length; d++) {
      const { max, logSum } = logSoftmaxNormalizer(logits, this.base + d * vocab, vocab);
      this.rowMax[d] = max;
      this.rowLogSum[d] = logSum;
    }
    return this;
  }

  /** `log_softmax(logits[d])[v]`; a row that is all -inf gives -inf (never NaN), so it simply never wins. */
  docLogProb(d: number, v: number): number {
    const max = this.rowMax[d];
    if (max === -Infinity) return -Infinity;
    return this.logits[this.base + d * this.vocab + v] - max - this.rowLogSum[d];
  }

  /** The marginal `m[v]`. */
  at(v: number): number {
    const { w, joint } = this;
    let max = -Infinity;
    for (let d = 0; d < w.length; d++) {
      const a = w[d] + this.docLogProb(d, v);
      joint[d] = a;
      if (a > max) max = a;
    }
    if (max === -Infinity) return -Infinity;
    let sum = 0;
    for (let d = 0; d < w.length; d++) sum += Math.exp(joint[d] - max);
    return max + Math.log(sum);
  }

  /** The whole marginal `m[0 .. V)` written into `out` (length V), for steps where every token may be chosen. */
  fill(out: Float64Array): Float64Array {
    for (let v = 0; v < this.vocab; v++) out[v] = this.at(v);
    return out;
  }

  /** `p(z_k | x, y_<=i)` for the chosen token: `softmax_k(w_k + log p(token | z_k))`. */
  posterior(token: number): number[] {
    return softmax(Array.from(this.w, (wk, d) => wk + this.docLogProb(d, token)));
  }
}
