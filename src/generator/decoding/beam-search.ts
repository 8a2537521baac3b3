/**
 * Beam search with Hugging Face's `BeamSearchScorer` semantics over RAG-Token's per-step marginal (docs/DECODING.md):
 * B beams, each with K rows (row `b*K + k` attends to document k); the top 2B candidates over all (beam, token),
 * eos candidates finish a hypothesis only when ranked below B; stop when B hypotheses are finished and the best
 * open beam cannot beat the worst of them (or at once with early_stopping); at max_length open beams compete.
 * With K = 1 and w = [0] this is plain beam search over one document, as RAG-Sequence needs.
 */
import { BeamHypotheses, type BeamHistory } from './beam-hypotheses.js';
import type { GenerationConfig } from './generation-config.js';
import { sparseScore, topCandidates, topSparseCandidates, type Candidate, type SparseRow } from './candidates.js';
import { allowedTokens, applyLogitsProcessors } from './logits-processors.js';
import { StepMarginal } from './marginal.js';
import type { SpanConstraint } from './span-constraint.js';
import { runTracks, type DecodingTrack, type TrackRows } from './tracks.js';
import type { BeamHypothesis, DecodeOptions, TokenDecoding } from './types.js';
import type { LogProbs, StepFn } from '../../types/generation.js';

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
  /** One marginal per row group, reused from step to step. */
  private readonly marginals: StepMarginal[];
  /** Per beam, its whole processed marginal on steps that score every token (allocated on first use). */
  private scoreRows: Float64Array[] = [];

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
    private readonly scoreEveryToken = false,
  ) {
    if (w.length !== contexts.length) throw new Error(`got ${w.length} document weights for ${contexts.length} contexts`);
    if (!(numBeams >= 1)) throw new Error(`num_beams must be at least 1, got ${numBeams}`);
    this.beams = Array.from({ length: numBeams }, () => ({ tokens: [cfg.decoderStartTokenId], logprobs: [], docPosteriors: [] }));
    // Step 1 expands beam 0 only: the others start 1e9 behind (HF).
    this.beamScores = Array.from({ length: numBeams }, (_, b) => (b === 0 ? 0 : -1e9));
    this.sourceGroup = new Array<number>(numBeams).fill(-1);
    this.hypotheses = new BeamHypotheses(numBeams, cfg.lengthPenalty);
    this.marginals = Array.from({ length: numBeams }, () => new StepMarginal(w));
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

  consume(logProbs: LogProbs, vocab: number): void {
    const k = this.contexts.length;
    for (const g of new Set(this.groupOf)) this.marginals[g].load(logProbs, g * k, vocab);
    const { candidates, scoreOf } = this.rank(vocab);
    const curLen = this.beams[0].tokens.length;
    const next: BeamHistory[] = [];
    const nextScores: number[] = [];
    const nextSources: number[] = [];
    for (let rank = 0; rank < candidates.length && next.length < this.numBeams; rank++) {
      const { beam: b, token, value } = candidates[rank];
      const from = this.beams[b];
      const history: BeamHistory = {
        tokens: [...from.tokens, token],
        logprobs: [...from.logprobs, scoreOf(b, token)],
        docPosteriors: [...from.docPosteriors, this.marginals[this.groupOf[b]].posterior(token)],
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

  /**
   * The 2B best candidates of this step and each beam's processed score of a token: over the few tokens the
   * processors leave when they leave a short list, else over every token.
   */
  private rank(vocab: number): { candidates: Candidate[]; scoreOf: (beam: number, token: number) => number } {
    const n = 2 * this.numBeams;
    const allowed = this.beams.map((beam) => (this.scoreEveryToken ? null : allowedTokens(beam.tokens, this.cfg, vocab, this.constraint)));
    if (allowed.every((ids) => ids !== null)) {
      const rows: SparseRow[] = allowed.map((ids, b) => {
        const marginal = this.marginals[this.groupOf[b]];
        return { ids: ids!, scores: ids!.map((v) => marginal.at(v)) };
      });
      return { candidates: topSparseCandidates(rows, this.beamScores, vocab, n), scoreOf: (b, token) => sparseScore(rows[b], token) };
    }
    const marginals = this.beams.map((_, b) => this.marginals[this.groupOf[b]]);
    const rows = this.beams.map((beam, b) => {
      if (this.scoreRows[b]?.length !== vocab) this.scoreRows[b] = new Float64Array(vocab);
      return marginals[b].fillBest(this.scoreRows[b], n, (scores) => applyLogitsProcessors(scores, beam.tokens, this.cfg, this.constraint));
    });
    // A token of a beam at -inf may be chosen whatever its score (too few candidates are finite): read it exactly.
    const scoreOf = (b: number, token: number) => (rows[b][token] === -Infinity ? -Infinity : marginals[b].at(token));
    return { candidates: topCandidates(rows, this.beamScores, n), scoreOf };
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
  const track = new BeamSearchTrack(cfg, w, Array.from({ length: w.length }, (_, k) => k), cfg.numBeams, opts.constraint ?? null, opts.scoreEveryToken);
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
