/**
 * RAG-Token's per-step marginalization over K documents for one beam:
 * `m[v] = logsumexp_k(w_k + log p(v | z_k))`, and the document posterior of a chosen token.
 * With K = 1 and w = [0] the marginal is exactly the row's log-probabilities, which is how RAG-Sequence's
 * per-document beam search reuses the same code.
 *
 * The step gives each row's log-probabilities (the model's log_softmax), so any entry of the marginal costs O(K)
 * and a step whose processors leave a few tokens (extractive answers) scores only those. Entries are computed with
 * the same float64 operations in the same order whichever tokens are asked for, so both paths agree bit for bit.
 */
import type { LogProbs } from '../../types/generation.js';
import { softmax } from './math.js';

/** K consecutive log-probability rows of one step; reused from step to step (no per-step arrays). */
export class StepMarginal {
  /** Scratch for one token's `w_k + log p(v | z_k)`. */
  private readonly joint: Float64Array;
  private logProbs: LogProbs = new Float32Array(0);
  private base = 0;
  private vocab = 0;

  /** @param w document log-weights, one per row */
  constructor(private readonly w: ArrayLike<number>) {
    this.joint = new Float64Array(w.length);
  }

  /**
   * Reads rows firstRow .. firstRow+K-1 of `logProbs` (documents 0 .. K-1).
   * NOTE: `logProbs` is `[rows, vocab]` row-major and is read by later calls: it must not change meanwhile.
   */
  load(logProbs: LogProbs, firstRow: number, vocab: number): this {
    this.logProbs = logProbs;
    this.base = firstRow * vocab;
    this.vocab = vocab;
    return this;
  }

  /** `log p(v | z_d)`. */
  docLogProb(d: number, v: number): number {
    return this.logProbs[this.base + d * this.vocab + v];
  }

  /** The marginal `m[v]`; -inf when every document gives the token -inf. */
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
