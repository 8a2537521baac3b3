import type { LeaveOneOut } from '../generator/decoding/leave-one-out.js';
import type { RetrievedPassage } from '../types/corpus.js';
import type { RagMode, TokenExplanation } from '../types/generation.js';
import type { AnswerSpan } from './answer-spans.js';

/**
 * The engine's public types: what the HTTP layer and the CLI ask of it and get back.
 * Field names are camelCase here; routes map them to the snake_case wire format of docs/API.md.
 */

/** Options shared by /answer and /jeopardy, already validated against their bounds. */
export interface GenerationRequest {
  nDocs: number;
  mode: RagMode;
  numBeams: number;
  maxNewTokens: number;
  /** Add the per-token posterior over documents (RAG-Token). */
  explain?: boolean;
  /** Add leave-one-document-out attribution: the answer's log-likelihood without each document. */
  attribution?: boolean;
  /** RAG-Sequence: skip the rescoring pass (fast decoding, docs/DECODING.md); RAG-Token ignores it. */
  fast?: boolean;
  /** Called with each decoded token's text as it is produced (greedy decoding only). */
  onToken?: (text: string) => void;
  /** Cancels generation between decoder steps (client gone, deadline passed). */
  signal?: AbortSignal;
}

export interface AnswerRequest extends GenerationRequest {
  question: string;
  /** Hold the answer to a span of a retrieved passage; undefined: the bundle's `tasks.answer.extractive`. */
  extractive?: boolean;
  /** Abstain below this confidence; undefined: the bundle's `min_confidence`. */
  minConfidence?: number;
}

export interface JeopardyRequest extends GenerationRequest {
  answer: string;
}


export interface Timings {
  retrieve: number;
  generate: number;
  total: number;
}

/** What the engine returns for one question (or one Jeopardy answer). */
export interface GenerationResult {
  /** The generated text: an answer for /answer, a clue for /jeopardy. */
  text: string;
  mode: RagMode;
  documents: RetrievedPassage[];
  indexVersion: string;
  timingsMs: Timings;
  tokens?: TokenExplanation[];
  /** Number of tokens generated (for metrics). */
  generatedTokens: number;
  /** How sure the model is of `text`, in [0, 1] (generator/decoding/confidence.ts). */
  confidence: number;
  /** /answer only: true when `confidence` fell below the request's or the bundle's minimum. */
  abstained?: boolean;
  /** Extractive outputs: where `text` stands in the returned passages. */
  answerSpans?: AnswerSpan[];
  /** With `attribution`: the output's log-likelihood without each document. */
  attribution?: LeaveOneOut;
}
