/**
 * Leave-one-document-out attribution (docs/DECODING.md): the answer's log-likelihood with each retrieved document
 * removed and the others' weights renormalized. Both RAG marginals are sums over documents, so this needs no new
 * generation: the answer is teacher-forced once against every document, `log p(y_t | x, z_k, y_<t)`, and each
 * leave-one-out marginal is a logsumexp over the remaining documents.
 */
import type { GenerationConfig } from './generation-config.js';
import { logSumExp } from './math.js';
import { TeacherForcedTrack } from './teacher-forcing.js';
import { runTracks } from './tracks.js';
import type { StepFn } from '../../types/generation.js';

/** The answer's log-likelihood, and without each document (null where no document would be left). */
export interface LeaveOneOut {
  logLikelihood: number;
  withoutDocument: (number | null)[];
  /** The document whose removal lowers the likelihood most: the one the answer depends on. */
  dependsOn: number;
}

/** `log p(y_t | x, z_k, y_<t)` of `tokens` against each of the K contexts, `[K][T]`. */
export async function scoreAgainstEachDocument(
  step: StepFn, tokens: readonly number[], k: number, cfg: GenerationConfig, signal?: AbortSignal,
): Promise<number[][]> {
  const tracks = Array.from({ length: k }, (_, d) => new TeacherForcedTrack(cfg, tokens, d));
  await runTracks(tracks, step, signal);
  return tracks.map((track) => track.logprobs);
}

/**
 * `log p(y|x)` over the documents in `keep`, their log-weights `w` renormalized among themselves: RAG-Token
 * marginalizes at every token, RAG-Sequence once over whole sequences.
 */
export function marginalLogLikelihood(mode: 'token' | 'sequence', w: ArrayLike<number>, perDoc: number[][], keep: number[]): number {
  const norm = logSumExp(keep.map((d) => w[d]));
  if (mode === 'sequence') return logSumExp(keep.map((d) => w[d] - norm + perDoc[d].reduce((s, lp) => s + lp, 0)));
  const steps = perDoc[0]?.length ?? 0;
  let total = 0;
  for (let t = 0; t < steps; t++) total += logSumExp(keep.map((d) => w[d] - norm + perDoc[d][t]));
  return total;
}

/** Leave-one-out log-likelihoods from the per-document scores of the answer. */
export function leaveOneOut(mode: 'token' | 'sequence', w: ArrayLike<number>, perDoc: number[][]): LeaveOneOut {
  const all = perDoc.map((_, d) => d);
  const logLikelihood = marginalLogLikelihood(mode, w, perDoc, all);
  const withoutDocument = all.map((j) => (all.length > 1 ? marginalLogLikelihood(mode, w, perDoc, all.filter((d) => d !== j)) : null));
  let dependsOn = 0;
  withoutDocument.forEach((without, j) => {
    const best = withoutDocument[dependsOn];
    if (without !== null && (best === null || without < best)) dependsOn = j;
  });
  return { logLikelihood, withoutDocument, dependsOn };
}
