/**
 * The worker side of the model pool (pooled-models.ts): one worker thread loads a bundle's question encoder and
 * generator and answers whole units of work, so that onnxruntime's synchronous `run` never holds the event loop:
 * a question's embedding (tokenization included), the generator's encoder over K inputs, and decoder steps whose
 * key/value cache stays here between calls, under an id the main thread chose.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import type { StepInput } from '../generator/decoding/types.js';
import type { TextInput } from '../tokenizer/tokenizer.js';
import { serveCalls, sendWarning, transferring, type Served } from '../workers/pool.js';
import type { EncodedContexts, GeneratorStep } from './bart-generator.js';
import { loadBundleSessions } from './bundle-sessions.js';
import type { Device } from './session.js';

const MARK = 'rag-model-worker';

/** What a model worker is started with. */
export interface ModelWorkerData {
  mark: typeof MARK;
  modelDir: string;
  device?: Device;
  intraOpThreads?: number;
}

/** What a model worker reports once loaded. */
export interface ModelWorkerInfo {
  questionProvider: Device;
  generatorProvider: Device;
  dModel: number;
}

/** The workerData of a model worker over `modelDir`. */
export function modelWorkerData(opts: Omit<ModelWorkerData, 'mark'>): ModelWorkerData {
  return { mark: MARK, ...opts };
}

/** The operations a model worker answers, with their argument types (pooled-models.ts is the only caller). */
export interface ModelCalls {
  encodeQuestion: readonly TextInput[];
  encodeContexts: { inputIds: number[][]; padTokenId: number };
  openStep: { id: number; contexts: EncodedContexts };
  step: { id: number } & StepInput;
  releaseStep: number;
}

/** What each operation of `ModelCalls` answers. */
export interface ModelResults {
  encodeQuestion: Float32Array;
  encodeContexts: EncodedContexts;
  openStep: void;
  step: Float32Array;
  releaseStep: void;
}

/** A typed array's own buffer when the array covers it whole (then it can move); otherwise a copy's. */
function movable<T extends Float32Array | BigInt64Array>(data: T): T {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : (data.slice() as T);
}

/** The buffers of `arrays`, to move with a reply (never shared ones: onnxruntime's outputs are plain buffers). */
function buffers(...arrays: (Float32Array | BigInt64Array)[]): ArrayBuffer[] {
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

async function load(data: ModelWorkerData): Promise<Served<ModelWorkerInfo>> {
  const { questionEncoder: question, generator } = await loadBundleSessions(data.modelDir, {
    device: data.device, intraOpThreads: data.intraOpThreads, warn: sendWarning,
  });
  const steps = new Map<number, GeneratorStep>();
  const stepOf = (id: number) => {
    const step = steps.get(id);
    if (!step) throw new Error(`no open decoder step ${id} in this worker`);
    return step;
  };
  const handlers: { [Op in keyof ModelCalls]: (arg: ModelCalls[Op]) => unknown } = {
    encodeQuestion: async (inputs) => {
      const vectors = movable(await question.encode(inputs));
      return transferring(vectors, buffers(vectors));
    },
    encodeContexts: async ({ inputIds, padTokenId }) => {
      const contexts = await generator.encode(inputIds, padTokenId);
      const hidden = movable(contexts.hidden);
      const mask = movable(contexts.mask);
      return transferring({ ...contexts, hidden, mask }, buffers(hidden, mask));
    },
    openStep: ({ id, contexts }) => {
      steps.get(id)?.release();
      steps.set(id, generator.createStep(contexts));
    },
    step: async ({ id, tokens, parents, contexts }) => {
      const logits = movable(await stepOf(id).step({ tokens, parents, contexts }));
      return transferring(logits, buffers(logits));
    },
    releaseStep: (id) => {
      steps.get(id)?.release();
      steps.delete(id);
    },
  };
  return {
    info: { questionProvider: question.provider, generatorProvider: generator.provider, dModel: generator.dModel },
    handlers,
    close: async () => {
      for (const step of steps.values()) step.release();
      steps.clear();
      await Promise.all([question.close(), generator.close()]);
    },
  };
}

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === MARK) {
  void serveCalls(() => load(workerData as ModelWorkerData));
}
