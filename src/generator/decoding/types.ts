/**
 * The decoding core's vocabulary (docs/DECODING.md): rows, the step callback, decoding results, the abort error.
 * Decoding never sees a session; it asks a `StepFn` for the next logits of a set of rows.
 */
import type { SpanConstraint } from './span-constraint.js';

/**
 * One decoder step over a set of rows. A row is one decoder sequence attending to one encoded input.
 * All arrays have one entry per row.
 */
export interface StepInput {
  /** The token each row feeds in this step (the decoder start token on the first step). */
  tokens: Int32Array;
  /**
   * The row of the previous step whose key/value cache this row continues; -1 for every row on the first step
   * (a fresh decoding: the step function starts a new cache).
   */
  parents: Int32Array;
  /** The encoded input each row attends to; on later steps always its parent's context. */
  contexts: Int32Array;
}

/** Raw next-token logits for every row, `[rows, vocab]` row-major (callers apply log_softmax). */
export type StepFn = (input: StepInput) => Promise<Float32Array>;

/** Options common to every decoding entry point. */
export interface DecodeOptions {
  /** Checked before every step; when aborted, decoding throws a `DecodingAbortedError`. */
  signal?: AbortSignal;
  /** Extractive tasks: the answer stays a span of the documents (RAG-Sequence: of each beam search's own). */
  constraint?: SpanConstraint | null;
}

/** Thrown when decoding stops because its `AbortSignal` fired; `reason` is the signal's reason. */
export class DecodingAbortedError extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super(reason instanceof Error ? `decoding aborted: ${reason.message}` : 'decoding aborted');
    this.name = 'DecodingAbortedError';
    this.reason = reason;
  }
}

/** A RAG-Token decoding (greedy or the best beam). `tokens` follow the decoder start token; eos is included. */
export interface TokenDecoding {
  tokens: number[];
  /** Per token: the processed marginal log-probability `m_b[t]`. */
  logprobs: number[];
  /** Per token: the posterior over the K documents when it was chosen. */
  docPosteriors: number[][];
  /** Beam search only: the winner's score (sum of logprobs over length ** length_penalty). */
  score?: number;
  /** Beam search only: every final hypothesis, best first. */
  hypotheses?: { tokens: number[]; score: number }[];
}

/** One distinct RAG-Sequence candidate with `log p(y|x)` and, per document, `log p(y|x,z_k)`. */
export interface SequenceCandidate {
  tokens: number[];
  score: number;
  docScores: number[];
}

/** One finished (or max-length) beam hypothesis. `tokens` follow the decoder start token. */
export interface BeamHypothesis {
  tokens: number[];
  logprobs: number[];
  docPosteriors: number[][];
  /** `sumLogprobs / length ** length_penalty` */
  score: number;
  sumLogprobs: number;
}

/** A RAG-Sequence decoding: the winning candidate and how it won. */
export interface SequenceDecoding {
  tokens: number[];
  /** `log p(y|x)` of the winner. */
  score: number;
  /** Thorough: the winner's teacher-forced log-probabilities per document, `[K][T]`; fast: null. */
  logprobs: number[][] | null;
  /** The winner's posterior over documents, `softmax_k(w_k + log p(y|x,z_k))`. */
  docPosteriors: number[];
  candidates: SequenceCandidate[];
  /** Each document's own beam hypotheses, best first. */
  docHypotheses: BeamHypothesis[][];
}
