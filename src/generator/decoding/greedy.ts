/**
 * RAG-Token greedy decoding: at each step the argmax of the processed marginal over the K documents (ties: the
 * lowest token id); stops at eos or max_length. Each chosen token can be streamed through `onToken`.
 */
import type { GenerationConfig } from './generation-config.js';
import { allowedTokens, applyLogitsProcessors } from './logits-processors.js';
import { StepMarginal } from './marginal.js';
import type { SpanConstraint } from './span-constraint.js';
import { runTracks, type DecodingTrack, type TrackRows } from './tracks.js';
import type { DecodeOptions, TokenDecoding } from './types.js';
import type { LogProbs, StepFn } from '../../types/generation.js';

/** Options of greedy decoding. */
export interface GreedyOptions extends DecodeOptions {
  /** Called with each generated token id as soon as it is chosen (eos included), before the next step. */
  onToken?: (tokenId: number) => void;
}

/** One greedy decoding as a track: K rows per step, one per document, all sharing the beam's tokens. */
export class GreedyTrack implements DecodingTrack {
  private readonly sequence: number[];
  private readonly out: TokenDecoding = { tokens: [], logprobs: [], docPosteriors: [] };
  private finished = false;
  private readonly marginal: StepMarginal;
  /** The whole processed marginal, for steps that score every token (allocated on first use). */
  private scores: Float64Array | null = null;

  /**
   * @param w document log-weights, one per context
   * @param contexts the encoded input each document's row attends to
   */
  constructor(
    private readonly cfg: GenerationConfig,
    private readonly w: ArrayLike<number>,
    private readonly contexts: readonly number[],
    private readonly onToken?: (tokenId: number) => void,
    private readonly constraint: SpanConstraint | null = null,
    private readonly scoreEveryToken = false,
  ) {
    if (w.length !== contexts.length) throw new Error(`got ${w.length} document weights for ${contexts.length} contexts`);
    this.sequence = [cfg.decoderStartTokenId];
    this.marginal = new StepMarginal(w);
  }

  nextRows(): TrackRows | null {
    if (this.finished || this.sequence.length >= this.cfg.maxLength) return null;
    const k = this.contexts.length;
    const first = this.sequence.length === 1;
    return {
      tokens: new Array<number>(k).fill(this.sequence[this.sequence.length - 1]),
      // Each document's row continues its own row of the previous step.
      parents: Array.from({ length: k }, (_, d) => (first ? -1 : d)),
      contexts: this.contexts,
    };
  }

  consume(logProbs: LogProbs, vocab: number): void {
    const marginal = this.marginal.load(logProbs, 0, vocab);
    const { token: best, score } = this.choose(marginal, vocab);
    this.sequence.push(best);
    this.out.tokens.push(best);
    this.out.logprobs.push(score);
    this.out.docPosteriors.push(marginal.posterior(best));
    if (best === this.cfg.eosTokenId) this.finished = true;
    this.onToken?.(best);
  }

  /** The argmax of the processed marginal (ties: the lowest id; token 0 when nothing is finite) and its score. */
  private choose(marginal: StepMarginal, vocab: number): { token: number; score: number } {
    const allowed = this.scoreEveryToken ? null : allowedTokens(this.sequence, this.cfg, vocab, this.constraint);
    if (allowed) {
      let token = 0;
      let score = allowed[0] === 0 ? marginal.at(0) : -Infinity;
      for (const v of allowed) {
        if (v === 0) continue;
        const s = marginal.at(v);
        if (s > score) {
          token = v;
          score = s;
        }
      }
      return { token, score };
    }
    if (this.scores?.length !== vocab) this.scores = new Float64Array(vocab);
    const scores = marginal.fillBest(this.scores, 1, (s) => applyLogitsProcessors(s, this.sequence, this.cfg, this.constraint));
    let token = 0;
    for (let v = 1; v < vocab; v++) if (scores[v] > scores[token]) token = v;
    return { token, score: scores[token] };
  }

  /** The decoding so far (complete once `nextRows()` returns null). */
  result(): TokenDecoding {
    return this.out;
  }
}

/** RAG-Token greedy decoding over K documents with log-weights `w`; row k attends to context k. */
export async function ragTokenGreedy(
  step: StepFn, w: ArrayLike<number>, cfg: GenerationConfig, opts: GreedyOptions = {},
): Promise<TokenDecoding> {
  const track = new GreedyTrack(cfg, w, Array.from({ length: w.length }, (_, k) => k), opts.onToken, opts.constraint ?? null, opts.scoreEveryToken);
  await runTracks([track], step, opts.signal);
  return track.result();
}
