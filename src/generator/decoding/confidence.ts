/**
 * How sure the model is of a decoding, in [0, 1]: the geometric mean of its tokens' marginal probabilities,
 * `exp(log p(y|x) / T)` over the T tokens it chose (a leading forced bos excluded, eos included: stopping is a
 * choice too). RAG-Token's `log p(y|x)` is the sum of the per-step marginals over the documents; RAG-Sequence's is
 * the winner's marginal over documents. The length normalization keeps long answers comparable with short ones.
 */
import type { Decoding } from './decode.js';

/** The confidence of `decoding`; `bosTokenId` marks a forced first token that says nothing. */
export function decodingConfidence(decoding: Decoding, bosTokenId: number | null): number {
  const skip = decoding.tokens[0] === bosTokenId ? 1 : 0;
  const count = decoding.tokens.length - skip;
  if (count <= 0) return 0;
  const logLikelihood = decoding.mode === 'token'
    ? decoding.logprobs.slice(skip).reduce((sum, lp) => sum + lp, 0)
    : decoding.score;
  const value = Math.exp(logLikelihood / count);
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
