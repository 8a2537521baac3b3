/**
 * The worker side of the model pool (pooled-models.ts): one worker thread loads a bundle's question encoder and
 * generator and answers whole units of work, so that neither onnxruntime's synchronous `run` nor the decoding's
 * JavaScript holds the event loop: a question's embedding (tokenization included), and a request's whole
 * generation from its retrieved passages (answer-generator.ts), streaming each token's text as an event.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import type { BatchingOptions, BatchingStats } from '../generator/batching/step-batcher.js';
import { AnswerGenerator, loadBundleTexts, type GeneratedAnswer, type GenerationJob } from '../generator/answer-generator.js';
import type { TextInput } from '../tokenizer/tokenizer.js';
import { sendWarning, serveCalls, transferring, type CallContext, type Served } from '../workers/serve-calls.js';
import { loadBundleSessions } from '../onnx/bundle-sessions.js';
import type { Device } from '../onnx/session.js';

const MARK = 'rag-model-worker';

/** What a model worker is started with. */
export interface ModelWorkerData {
  mark: typeof MARK;
  modelDir: string;
  device?: Device;
  intraOpThreads?: number;
  /** Cross-request batching among this worker's generations. */
  batching?: BatchingOptions;
}

/** What a model worker reports once loaded. */
export interface ModelWorkerInfo {
  questionProvider: Device;
  generatorProvider: Device;
}

/** The workerData of a model worker over `modelDir`. */
export function modelWorkerData(opts: Omit<ModelWorkerData, 'mark'>): ModelWorkerData {
  return { mark: MARK, ...opts };
}

/** The operations a model worker answers, with their argument types (pooled-models.ts is the only caller). */
export interface ModelCalls {
  encodeQuestion: readonly TextInput[];
  /** `stream`: send each token's text as an event (a string) while generating. */
  generate: GenerationJob & { stream: boolean };
  batchingStats: undefined;
}

/** What each operation of `ModelCalls` answers. */
export interface ModelResults {
  encodeQuestion: Float32Array;
  generate: GeneratedAnswer;
  batchingStats: BatchingStats | null;
}

async function load(data: ModelWorkerData): Promise<Served<ModelWorkerInfo>> {
  const texts = await loadBundleTexts(data.modelDir);
  const { questionEncoder: question, generator } = await loadBundleSessions(data.modelDir, {
    device: data.device, intraOpThreads: data.intraOpThreads, warn: sendWarning,
  });
  const answers = new AnswerGenerator(generator, texts, data.batching);
  const handlers: { [Op in keyof ModelCalls]: (arg: ModelCalls[Op], ctx: CallContext) => unknown } = {
    encodeQuestion: async (inputs) => {
      const vectors = await question.encode(inputs);
      // onnxruntime's outputs own their buffers whole; a view into a larger one is copied so that it can move.
      const whole = vectors.byteOffset === 0 && vectors.byteLength === vectors.buffer.byteLength ? vectors : vectors.slice();
      return transferring(whole, [whole.buffer as ArrayBuffer]);
    },
    generate: ({ stream, ...job }, ctx) => answers.generate(job, {
      signal: ctx.signal, onToken: stream ? (text) => ctx.emit(text) : undefined,
    }),
    batchingStats: () => answers.batcher?.stats ?? null,
  };
  return {
    info: { questionProvider: question.provider, generatorProvider: generator.provider },
    handlers,
    close: async () => { await Promise.all([question.close(), generator.close()]); },
  };
}

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === MARK) {
  void serveCalls(() => load(workerData as ModelWorkerData));
}
