/**
 * What the generator, the model runtime and the engine share: the RAG mode, a generated token's explanation, and
 * the decoder-step contract between the decoding core (generator/decoding) and the ONNX decoder (onnx/) that
 * implements it.
 */

/** RAG-Token marginalizes over documents at every token; RAG-Sequence once per output sequence. */
export type RagMode = 'token' | 'sequence';

/** For `explain`: one generated token and the posterior over the returned documents when it was chosen. */
export interface TokenExplanation {
  text: string;
  docWeights: number[];
}

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

/**
 * Next-token log-probabilities (each row's log_softmax) for every row, `[rows, vocab]` row-major: float32 from the
 * model; float64 where a test computes them from its own logits as exactly as the PyTorch reference does.
 */
export type LogProbs = Float32Array | Float64Array;

/** One decoder step: the log-probabilities of every row's next token. */
export type StepFn = (input: StepInput) => Promise<LogProbs>;
