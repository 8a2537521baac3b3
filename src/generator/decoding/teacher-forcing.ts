/**
 * Teacher-forced scoring of a fixed token sequence against one document: `log p(y_t | y_<t, x, z)` for every
 * generated position, without processors; the first position scores 0 when it is bos (HF's
 * `exclude_bos_score`). One row per step, so many sequences and documents can share steps.
 */
import type { GenerationConfig } from './generation-config.js';
import type { LogProbs } from '../../types/generation.js';
import type { DecodingTrack, TrackRows } from './tracks.js';

/** Scores `sequence` (tokens after the decoder start token) against `context`. */
export class TeacherForcedTrack implements DecodingTrack {
  /** Per generated position, its log-probability; complete once `nextRows()` returns null. */
  readonly logprobs: number[] = [];

  constructor(
    private readonly cfg: Pick<GenerationConfig, 'decoderStartTokenId' | 'bosTokenId'>,
    private readonly sequence: readonly number[],
    private readonly context: number,
  ) {}

  nextRows(): TrackRows | null {
    const i = this.logprobs.length;
    if (i >= this.sequence.length) return null;
    return {
      tokens: [i === 0 ? this.cfg.decoderStartTokenId : this.sequence[i - 1]],
      parents: [i === 0 ? -1 : 0],
      contexts: [this.context],
    };
  }

  consume(logProbs: LogProbs): void {
    const i = this.logprobs.length;
    const token = this.sequence[i];
    this.logprobs.push(i === 0 && token === this.cfg.bosTokenId ? 0 : logProbs[token]);
  }

  /** `log p(y | x, z)`: the sum over positions, left to right. */
  total(): number {
    return this.logprobs.reduce((sum, lp) => sum + lp, 0);
  }
}
