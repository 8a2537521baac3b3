/**
 * RAG-Token greedy decoding: at each step the argmax of the processed marginal over the K documents (ties: the
 * lowest token id); stops at eos or max_length. Each chosen token can be streamed through `onToken`.
 */
import type { GenerationConfig } from './generation-config.js';
import { applyLogitsProcessors } from './logits-processors.js';
import { docPosterior, marginalize } from './marginal.js';
import type { SpanConstraint } from './span-constraint.js';
import { runTracks, type DecodingTrack, type TrackRows } from './tracks.js';
import type { DecodeOptions, TokenDecoding } from './types.js';
import type { StepFn } from '../../types/generation.js';

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
  ) {
    if (w.length !== contexts.length) throw new Error(`got ${w.length} document weights for ${contexts.length} contexts`);
    this.sequence = [cfg.decoderStartTokenId];
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

  consume(logits: Float32Array, vocab: number): void {
    const { docLogProbs, marginal } = marginalize(logits, 0, vocab, this.w);
    applyLogitsProcessors(marginal, this.sequence, this.cfg, this.constraint);
    let best = 0;
    for (let v = 1; v < vocab; v++) if (marginal[v] > marginal[best]) best = v;
    this.sequence.push(best);
    this.out.tokens.push(best);
    this.out.logprobs.push(marginal[best]);
    this.out.docPosteriors.push(docPosterior(docLogProbs, vocab, this.w, best));
    if (best === this.cfg.eosTokenId) this.finished = true;
    this.onToken?.(best);
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
  const track = new GreedyTrack(cfg, w, Array.from({ length: w.length }, (_, k) => k), opts.onToken, opts.constraint ?? null);
  await runTracks([track], step, opts.signal);
  return track.result();
}
