/**
 * The decoding core's vocabulary (docs/DECODING.md): rows, the step callback, decoding results, the abort error.
 * Decoding never sees a session; it asks a `StepFn` (types/generation.ts) for the next-token log-probabilities of
 * a set of rows.
 */
import type { SpanConstraint } from './span-constraint.js';

/** Options common to every decoding entry point. */
export interface DecodeOptions {
  /** Checked before every step; when aborted, decoding throws a `DecodingAbortedError`. */
  signal?: AbortSignal;
  /** Extractive tasks: the answer stays a span of the documents (RAG-Sequence: of each beam search's own). */
  constraint?: SpanConstraint | null;
  /**
   * Score the whole vocabulary at every step even where the processors leave a few tokens (the same result, more
   * work): for tests and benchmarks that compare the two paths.
   */
  scoreEveryToken?: boolean;
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
