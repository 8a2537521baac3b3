/**
 * A bundle's serving models (question encoder and generator) as the engine uses them, loaded either on the calling
 * thread or in a pool of worker threads (pooled-models.ts). Both give the same interfaces and the same outputs;
 * the pool keeps onnxruntime's synchronous runs off the event loop and lets concurrent requests use more cores.
 */
import type { TextInput } from '../tokenizer/tokenizer.js';
import type { EncodedContexts, GeneratorStep } from './bart-generator.js';
import { loadBundleSessions } from './bundle-sessions.js';
import { startModelPool } from './pooled-models.js';
import type { Device } from './session.js';

/** What the retriever asks of a question encoder. */
export interface QuestionEncoder {
  /** Execution provider in use: 'cpu' or 'cuda'. */
  readonly provider: Device;
  /** One vector per input, row-major. */
  encode(inputs: readonly TextInput[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** What the engine asks of a generator (BartGenerator's serving half). */
export interface Generator {
  readonly provider: Device;
  readonly dModel: number;
  encode(inputIds: readonly (readonly number[])[], padTokenId: number): Promise<EncodedContexts>;
  createStep(contexts: EncodedContexts): GeneratorStep;
  close(): Promise<void>;
}

/** The loaded models, and how to release them all. */
export interface Models {
  questionEncoder: QuestionEncoder;
  generator: Generator;
  /** False once nothing can run them any more (every model worker has exited). */
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
  warn?: (message: string) => void;
}

/** Loads `question_encoder/` and `generator/` of a bundle, in-thread or in `workers` worker threads. */
export async function loadModels(opts: ModelOptions): Promise<Models> {
  if (opts.workers > 0) return startModelPool(opts);
  const { questionEncoder, generator } = await loadBundleSessions(opts.modelDir, {
    device: opts.device, intraOpThreads: opts.intraOpThreads, warn: opts.warn,
  });
  return {
    questionEncoder, generator, alive: () => true,
    close: async () => { await Promise.all([questionEncoder.close(), generator.close()]); },
  };
}
