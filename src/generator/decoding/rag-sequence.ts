/**
 * RAG-Sequence decoding (docs/DECODING.md): a beam search per document (all K run as one batch through one step
 * callback), the distinct hypotheses as candidates, then either thorough marginalization (every candidate
 * teacher-forced against every document) or fast (a document's own beam score; 0 probability elsewhere).
 */
import { BeamSearchTrack } from './beam-search.js';
import type { GenerationConfig } from './generation-config.js';
import { logSumExp, softmax } from './math.js';
import { TeacherForcedTrack } from './teacher-forcing.js';
import { runTracks } from './tracks.js';
import type { BeamHypothesis, DecodeOptions, SequenceCandidate, SequenceDecoding } from './types.js';
import type { StepFn } from '../../types/generation.js';

/** Options of RAG-Sequence decoding. */
export interface SequenceOptions extends DecodeOptions {
  /** Fast decoding: no rescoring pass. */
  fast?: boolean;
}

/** The distinct hypotheses in order of first appearance, each with the beam `sumLogprobs` per producing doc. */
export function distinctCandidates(perDoc: readonly BeamHypothesis[][]): { tokens: number[]; produced: Map<number, number> }[] {
  const byKey = new Map<string, { tokens: number[]; produced: Map<number, number> }>();
  perDoc.forEach((hyps, k) => {
    for (const h of hyps) {
      const key = h.tokens.join(',');
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { tokens: h.tokens, produced: new Map() }));
      // A document's first (best) hypothesis with these tokens counts.
      if (!entry.produced.has(k)) entry.produced.set(k, h.sumLogprobs);
    }
  });
  return [...byKey.values()];
}

/** RAG-Sequence over K documents with log-weights `w` (document k attends to context k). */
export async function ragSequence(
  step: StepFn, w: ArrayLike<number>, cfg: GenerationConfig, opts: SequenceOptions = {},
): Promise<SequenceDecoding> {
  const k = w.length;
  const beams = Array.from({ length: k }, (_, d) =>
    new BeamSearchTrack(cfg, [0], [d], cfg.numBeams, opts.constraint?.forDocs([d]) ?? null, opts.scoreEveryToken));
  await runTracks(beams, step, opts.signal);
  const docHypotheses = beams.map((track) => track.result().slice(0, cfg.numBeams));
  const distinct = distinctCandidates(docHypotheses);

  let docScores: number[][];
  let tokenScores: number[][][] | null = null;
  if (opts.fast) {
    docScores = distinct.map((c) => Array.from({ length: k }, (_, d) => c.produced.get(d) ?? -Infinity));
  } else {
    const forced = distinct.map((c) => Array.from({ length: k }, (_, d) => new TeacherForcedTrack(cfg, c.tokens, d)));
    await runTracks(forced.flat(), step, opts.signal);
    docScores = forced.map((row) => row.map((track) => track.total()));
    tokenScores = forced.map((row) => row.map((track) => track.logprobs));
  }

  const joints = docScores.map((scores) => scores.map((s, d) => w[d] + s));
  const totals = joints.map((joint) => logSumExp(joint));
  let best = 0;
  for (let c = 1; c < totals.length; c++) if (totals[c] > totals[best]) best = c;
  const candidates: SequenceCandidate[] = distinct.map((c, i) => ({ tokens: c.tokens, score: totals[i], docScores: docScores[i] }));
  return {
    tokens: distinct[best].tokens,
    score: totals[best],
    logprobs: tokenScores ? tokenScores[best] : null,
    docPosteriors: softmax(joints[best]),
    candidates,
    docHypotheses,
  };
}
