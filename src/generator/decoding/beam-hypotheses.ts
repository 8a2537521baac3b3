/**
 * The finished hypotheses of one beam search, kept to the B best, with Hugging Face's `BeamHypotheses` order:
 * when one must leave, the worst goes (among equal worst scores the earliest added); ranking is best first
 * (among equal scores the later added first).
 */
import type { BeamHypothesis } from './types.js';

/** A beam's history; `tokens` start with the decoder start token. */
export interface BeamHistory {
  tokens: number[];
  logprobs: number[];
  docPosteriors: number[][];
}

interface Entry {
  history: BeamHistory;
  score: number;
  sumLogprobs: number;
  order: number;
}

/** Finished hypotheses of one search; see the module comment. */
export class BeamHypotheses {
  private readonly items: Entry[] = [];
  private added = 0;

  constructor(private readonly numBeams: number, private readonly lengthPenalty: number) {}

  /** Number of hypotheses kept. */
  get size(): number {
    return this.items.length;
  }

  /** Offers a hypothesis whose sum of log-probabilities is `sumLogprobs` over `length` tokens. */
  add(history: BeamHistory, sumLogprobs: number, length: number): void {
    const score = sumLogprobs / length ** this.lengthPenalty;
    if (this.items.length >= this.numBeams && !(score > this.worst())) return;
    this.items.push({ history, score, sumLogprobs, order: this.added++ });
    if (this.items.length > this.numBeams) {
      let worst = 0;
      for (let i = 1; i < this.items.length; i++) if (this.items[i].score < this.items[worst].score) worst = i;
      this.items.splice(worst, 1);
    }
  }

  /** The lowest score kept (+inf when empty). */
  worst(): number {
    return this.items.reduce((min, item) => Math.min(min, item.score), Infinity);
  }

  /** Best first, tokens after the decoder start token. */
  ranked(): BeamHypothesis[] {
    return [...this.items]
      .sort((a, b) => (b.score - a.score) || (b.order - a.order))
      .map(({ history, score, sumLogprobs }) => ({
        tokens: history.tokens.slice(1),
        logprobs: history.logprobs,
        docPosteriors: history.docPosteriors,
        score,
        sumLogprobs,
      }));
  }
}
