/**
 * The main-thread side of the model pool: a question encoder and a generator whose every onnxruntime run happens
 * in a worker thread (model-worker.ts). A decoding's key/value cache lives in one worker, chosen when its step is
 * created, so a decoder step sends only the rows' tokens, parents and contexts and gets back their logits.
 */
import type { StepInput } from '../generator/decoding/types.js';
import type { TextInput } from '../tokenizer/tokenizer.js';
import { WorkerPool, type PoolWorker } from '../workers/pool.js';
import type { EncodedContexts, GeneratorStep } from './bart-generator.js';
import { modelWorkerData, type ModelCalls, type ModelResults, type ModelWorkerInfo } from './model-worker.js';
import type { Generator, ModelOptions, Models, QuestionEncoder } from './models.js';
import type { Device } from './session.js';

/** The worker module next to this one, in the same form (.ts under tsx, .js compiled). */
const ENTRY = new URL(`./model-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** A typed call to a model worker. */
function call<Op extends keyof ModelCalls>(worker: PoolWorker, op: Op, arg: ModelCalls[Op]): Promise<ModelResults[Op]> {
  return worker.call<ModelResults[Op]>(op, arg);
}

/** Starts `opts.workers` model workers over the bundle; resolves once every one has loaded. */
export async function startModelPool(opts: ModelOptions): Promise<Models> {
  const pool = await WorkerPool.start<ModelWorkerInfo>({
    entry: ENTRY, size: opts.workers, warn: opts.warn,
    workerData: modelWorkerData({ modelDir: opts.modelDir, device: opts.device, intraOpThreads: opts.intraOpThreads }),
  });
  return {
    questionEncoder: new PooledQuestionEncoder(pool),
    generator: new PooledGenerator(pool),
    alive: () => pool.workers.some((w) => w.alive),
    close: () => pool.close(),
  };
}

/** The question encoder, run by the least busy worker. */
class PooledQuestionEncoder implements QuestionEncoder {
  readonly provider: Device;

  constructor(private readonly pool: WorkerPool<ModelWorkerInfo>) {
    this.provider = pool.info.questionProvider;
  }

  async encode(inputs: readonly TextInput[]): Promise<Float32Array> {
    return call(this.pool.pick(), 'encodeQuestion', inputs);
  }

  /** The pool is closed with the models (`Models.close`). */
  async close(): Promise<void> {}
}

/** The generator: encoder runs on the least busy worker, each decoding's steps on the worker that holds its cache. */
class PooledGenerator implements Generator {
  readonly provider: Device;
  readonly dModel: number;
  private nextStep = 1;

  constructor(private readonly pool: WorkerPool<ModelWorkerInfo>) {
    this.provider = pool.info.generatorProvider;
    this.dModel = pool.info.dModel;
  }

  async encode(inputIds: readonly (readonly number[])[], padTokenId: number): Promise<EncodedContexts> {
    return call(this.pool.pick(), 'encodeContexts', { inputIds: inputIds as number[][], padTokenId });
  }

  createStep(contexts: EncodedContexts): GeneratorStep {
    const worker = this.pool.pick();
    const id = this.nextStep++;
    worker.pinned++;
    // Not awaited here: the worker answers in order, so the first step follows it; its failure fails that step.
    const opened = call(worker, 'openStep', { id, contexts });
    opened.catch(() => {});
    let released = false;
    return {
      step: async (input: StepInput) => {
        if (released) throw new Error('the decoder step was released');
        await opened;
        return call(worker, 'step', { id, tokens: input.tokens, parents: input.parents, contexts: input.contexts });
      },
      release: () => {
        if (released) return;
        released = true;
        worker.pinned--;
        call(worker, 'releaseStep', id).catch(() => {}); // a closed pool has released everything already
      },
    };
  }

  /** The pool is closed with the models (`Models.close`). */
  async close(): Promise<void> {}
}
