/**
 * Beam search with Hugging Face's `BeamSearchScorer` semantics over RAG-Token's per-step marginal (docs/DECODING.md):
 * B beams, each with K rows (row `b*K + k` attends to document k); the top 2B candidates over all (beam, token),
 * eos candidates finish a hypothesis only when ranked below B; stop when B hypotheses are finished and the best
 * open beam cannot beat the worst of them (or at once with early_stopping); at max_length open beams compete.
 * With K = 1 and w = [0] this is plain beam search over one document, as RAG-Sequence needs.
 */
import { BeamHypotheses, type BeamHistory } from './beam-hypotheses.js';
import type { GenerationConfig } from './generation-config.js';
import { applyLogitsProcessors } from './logits-processors.js';
import { docPosterior, marginalize, type BeamMarginal } from './marginal.js';
import type { SpanConstraint } from './span-constraint.js';
import { runTracks, type DecodingTrack, type TrackRows } from './tracks.js';
import type { BeamHypothesis, DecodeOptions, TokenDecoding } from './types.js';
import type { StepFn } from '../../types/generation.js';

/** One candidate continuation: beam, token and its total score. */
export interface Candidate {
  beam: number;
  token: number;
  value: number;
}

/**
 * The `n` best of `scores[b][v] + beamScores[b]` over all (b, v), best first; ties go to the lower flat index
 * `b*V + v` (a stable descending sort). -inf candidates are kept when fewer than `n` are finite.
 */
export function topCandidates(scores: readonly Float64Array[], beamScores: readonly number[], n: number): Candidate[] {
  const top: Candidate[] = [];
  for (let b = 0; b < scores.length; b++) {
    const row = scores[b];
    for (let v = 0; v < row.length; v++) {
      const value = row[v] + beamScores[b];
      if (Number.isNaN(value)) continue;
      // Strictly better than the current n-th: an equal later candidate never displaces an earlier one.
      if (top.length === n && !(value > top[n - 1].value)) continue;
      let at = top.length;
      while (at > 0 && top[at - 1].value < value) at--;
      top.splice(at, 0, { beam: b, token: v, value });
      if (top.length > n) top.pop();
    }
  }
  return top;
}

/** One RAG-Token beam search as a track. */
export class BeamSearchTrack implements DecodingTrack {
  private beams: BeamHistory[];
  private beamScores: number[];
  /** Per current beam: the row group of the last step whose cache it continues (-1 before the first step). */
  private sourceGroup: number[];
  /** Per beam of the step in flight: which row group computed its logits. */
  private groupOf: number[] = [];
  private readonly hypotheses: BeamHypotheses;
  private done = false;
  private finalized = false;

  /**
   * @param w document log-weights, one per context
   * @param contexts the encoded input each document's row attends to
   */
  constructor(
    private readonly cfg: GenerationConfig,
    private readonly w: ArrayLike<number>,
    private readonly contexts: readonly number[],
    private readonly numBeams = cfg.numBeams,
    private readonly constraint: SpanConstraint | null = null,
  ) {
    if (w.length !== contexts.length) throw new Error(`got ${w.length} document weights for ${contexts.length} contexts`);
    if (!(numBeams >= 1)) throw new Error(`num_beams must be at least 1, got ${numBeams}`);
    this.beams = Array.from({ length: numBeams }, () => ({ tokens: [cfg.decoderStartTokenId], logprobs: [], docPosteriors: [] }));
    // Step 1 expands beam 0 only: the others start 1e9 behind (HF).
    this.beamScores = Array.from({ length: numBeams }, (_, b) => (b === 0 ? 0 : -1e9));
    this.sourceGroup = new Array<number>(numBeams).fill(-1);
    this.hypotheses = new BeamHypotheses(numBeams, cfg.lengthPenalty);
  }

  nextRows(): TrackRows | null {
    if (this.done || this.beams[0].tokens.length >= this.cfg.maxLength) return null;
    const k = this.contexts.length;
    const rows: { tokens: number[]; parents: number[]; contexts: number[] } = { tokens: [], parents: [], contexts: [] };
    // On the first step all beams are the same sequence: one group of K rows serves them all.
    const first = this.sourceGroup[0] < 0;
    const groups = first ? 1 : this.numBeams;
    this.groupOf = Array.from({ length: this.numBeams }, (_, b) => (first ? 0 : b));
    for (let g = 0; g < groups; g++) {
      const beam = this.beams[g];
      for (let d = 0; d < k; d++) {
        rows.tokens.push(beam.tokens[beam.tokens.length - 1]);
        rows.parents.push(first ? -1 : this.sourceGroup[g] * k + d);
        rows.contexts.push(this.contexts[d]);
      }
    }
    return rows;
  }

  consume(logits: Float32Array, vocab: number): void {
    const k = this.contexts.length;
    const groups = new Map<number, BeamMarginal>();
    for (const g of new Set(this.groupOf)) groups.set(g, marginalize(logits, g * k, vocab, this.w));
    const processed = this.beams.map((beam, b) =>
      applyLogitsProcessors(Float64Array.from(groups.get(this.groupOf[b])!.marginal), beam.tokens, this.cfg, this.constraint));
    const curLen = this.beams[0].tokens.length;
    const next: BeamHistory[] = [];
    const nextScores: number[] = [];
    const nextSources: number[] = [];
    const candidates = topCandidates(processed, this.beamScores, 2 * this.numBeams);
    for (let rank = 0; rank < candidates.length && next.length < this.numBeams; rank++) {
      const { beam: b, token, value } = candidates[rank];
      const from = this.beams[b];
      const history: BeamHistory = {
        tokens: [...from.tokens, token],
        logprobs: [...from.logprobs, processed[b][token]],
        docPosteriors: [...from.docPosteriors, docPosterior(groups.get(this.groupOf[b])!.docLogProbs, vocab, this.w, token)],
      };
      if (token === this.cfg.eosTokenId) {
        // HF: an eos outside the top B candidates is dropped, not finished.
        if (rank < this.numBeams) this.hypotheses.add(history, value, curLen);
      } else {
        next.push(history);
        nextScores.push(value);
        nextSources.push(this.groupOf[b]);
      }
    }
    if (next.length < this.numBeams) throw new Error(`beam search found ${next.length} open beams for ${this.numBeams}`);
    this.beams = next;
    this.beamScores = nextScores;
    this.sourceGroup = nextSources;
    const newLen = curLen + 1;
    if (this.hypotheses.size === this.numBeams && (this.cfg.earlyStopping
      || this.hypotheses.worst() >= Math.max(...nextScores) / newLen ** this.cfg.lengthPenalty)) {
      this.done = true;
    }
  }

  /** The final hypotheses, best first (complete once `nextRows()` returns null). */
  result(): BeamHypothesis[] {
    if (!this.done && !this.finalized) {
      // HF finalize: open beams compete with the finished ones at max_length.
      this.beams.forEach((beam, b) => this.hypotheses.add(beam, this.beamScores[b], beam.tokens.length));
      this.finalized = true;
    }
    return this.hypotheses.ranked();
  }
}

/** RAG-Token beam search with `cfg.numBeams` beams over K documents with log-weights `w` (row b*K+k: context k). */
export async function ragTokenBeam(
  step: StepFn, w: ArrayLike<number>, cfg: GenerationConfig, opts: DecodeOptions = {},
): Promise<TokenDecoding> {
  const track = new BeamSearchTrack(cfg, w, Array.from({ length: w.length }, (_, k) => k), cfg.numBeams, opts.constraint ?? null);
  await runTracks([track], step, opts.signal);
  const hyps = track.result();
  const best = hyps[0];
  return {
    tokens: best.tokens,
    logprobs: best.logprobs,
    docPosteriors: best.docPosteriors,
    score: best.score,
    hypotheses: hyps.map((h) => ({ tokens: h.tokens, score: h.score })),
  };
}
