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

  /**
   * The marginal where a choice of the `n` best can see it, for steps where every token may be chosen. `process`
   * (the logits processors) runs on `out` in place first; then every token that can rank among the `n` best holds
   * its exact `m[v]` (bit for bit what `at(v)` gives), and every other finite entry a lower bound that ranks below
   * those `n`, so the `n` best and their scores are the same as over the exact row.
   * Why: `m[v]` costs K `exp`s, but lies between `L[v] = max_k(w_k + log p(v | z_k))` and `L[v] + log K`, so only
   * the few tokens whose `L[v] + log K` reaches the `n`-th largest `L` need them (a vocabulary of 8,192 to 50,265).
   */
  fillBest(out: Float64Array, n: number, process: (scores: Float64Array) => void): Float64Array {
    const { w } = this;
    for (let v = 0; v < this.vocab; v++) {
      let max = -Infinity;
      for (let d = 0; d < w.length; d++) {
        const a = w[d] + this.docLogProb(d, v);
        if (a > max) max = a;
      }
      out[v] = max;
    }
    process(out);
    const nth = nthLargest(out, n);
    // The slack beyond log K covers the rounding of the exact entries.
    const reach = nth - Math.log(w.length) - 1e-9 * (1 + Math.abs(nth));
    for (let v = 0; v < this.vocab; v++) if (out[v] > -Infinity && out[v] >= reach) out[v] = this.at(v);
    return out;
  }

  /** `p(z_k | x, y_<=i)` for the chosen token: `softmax_k(w_k + log p(token | z_k))`. */
  posterior(token: number): number[] {
    return softmax(Array.from(this.w, (wk, d) => wk + this.docLogProb(d, token)));
  }
}

/** The `n`-th largest entry of `values` (-inf when fewer than `n` are finite, or `n` exceeds their number). */
function nthLargest(values: Float64Array, n: number): number {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(x > -Infinity) || (top.length === n && x <= top[n - 1])) continue;
    let at = top.length;
    while (at > 0 && top[at - 1] < x) at--;
    top.splice(at, 0, x);
    if (top.length > n) top.pop();
  }
  return top.length === n ? top[n - 1] : -Infinity;
}
