/**
 * A bundle's serving models (question encoder and generator) as the engine uses them, loaded either on the calling
 * thread or in a pool of worker threads (pooled-models.ts). Both give the same interfaces and the same outputs;
 * the pool keeps onnxruntime's synchronous runs and the decoding's JavaScript off the event loop, and lets
 * concurrent requests use more cores.
 */
import type { BatchingOptions, BatchingStats } from '../generator/batching/step-batcher.js';
import { AnswerGenerator, loadBundleTexts, type AnswerSource, type BundleTexts } from '../generator/answer-generator.js';
import type { TextInput } from '../tokenizer/tokenizer.js';
import { loadBundleSessions } from '../onnx/bundle-sessions.js';
import { startModelPool } from './pooled-models.js';
import type { Device } from '../onnx/session.js';

/** What the retriever asks of a question encoder. */
export interface QuestionEncoder {
  /** Execution provider in use: 'cpu' or 'cuda'. */
  readonly provider: Device;
  /** One vector per input, row-major. */
  encode(inputs: readonly TextInput[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The loaded models, and how to release them all. */
export interface Models {
  questionEncoder: QuestionEncoder;
  /** Whole generations, from retrieved passages to text. */
  answers: AnswerSource;
  /** Execution provider of the generator: 'cpu' or 'cuda'. */
  generatorProvider: Device;
  /** Cross-request batching's counts, summed over the model workers; null when batching is off. */
  batchingStats(): Promise<BatchingStats | null>;
  /** False once nothing can run them any more (every model worker has exited and none has come back yet). */
  alive(): boolean;
  close(): Promise<void>;
}

/** How to load the models. */
export interface ModelOptions {
  modelDir: string;
  /** Worker threads running the models; 0 runs them on the calling thread. */
  workers: number;
  device?: Device;
  /** Intra-op threads per session (default: onnxruntime's choice, all physical cores). */
  intraOpThreads?: number;
  /** Cross-request batching of decoder steps, within each worker (or on the calling thread); off when absent. */
  batching?: BatchingOptions;
  /** The bundle's tokenizer and configs when the caller has them already (used on the calling thread only). */
  texts?: BundleTexts;
  warn?: (message: string) => void;
}

/** Loads `question_encoder/` and `generator/` of a bundle, in-thread or in `workers` worker threads. */
export async function loadModels(opts: ModelOptions): Promise<Models> {
  if (opts.workers > 0) return startModelPool(opts);
  const texts = opts.texts ?? await loadBundleTexts(opts.modelDir);
  const { questionEncoder, generator } = await loadBundleSessions(opts.modelDir, {
    device: opts.device, intraOpThreads: opts.intraOpThreads, warn: opts.warn,
  });
  const answers = new AnswerGenerator(generator, texts, opts.batching);
  return {
    questionEncoder, answers, generatorProvider: generator.provider, alive: () => true,
    batchingStats: async () => answers.batcher && { ...answers.batcher.stats },
    close: async () => { await Promise.all([questionEncoder.close(), generator.close()]); },
  };
}
