/**
 * What the HTTP layer asks of the RAG engine. The engine itself (retriever + generator over ONNX sessions)
 * implements this; routes and services only see this interface, so tests can run them against a test double.
 */
import type { AnswerRequest, GenerationResult, JeopardyRequest } from './types.js';

/** A loaded RAG model over the index currently serving. */
export interface RagEngine {
  /** Answers a question: retrieve `nDocs` passages, generate with RAG-Token or RAG-Sequence. */
  answer(req: AnswerRequest): Promise<GenerationResult>;
  /** Generates a Jeopardy-style clue whose answer is `req.answer`. */
  jeopardy(req: JeopardyRequest): Promise<GenerationResult>;
  /** The execution provider the models actually run on ('cpu' or 'cuda'); undefined while loading. */
  device?(): 'cpu' | 'cuda' | undefined;
  /** True once the models and an index are loaded and requests can be served. */
  ready(): boolean;
  /** Releases every session; called once at shutdown after in-flight requests finished. */
  close(): Promise<void>;
}
