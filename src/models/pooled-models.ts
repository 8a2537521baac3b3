/**
 * The main-thread side of the model pool: a question encoder and whole generations that run in worker threads
 * (model-worker.ts). A generation is one call: the retrieved passages go out, streamed token texts and the result
 * come back, and the request's abort signal cancels it in the worker between two decoder steps.
 */
import type { BatchingStats } from '../generator/batching/step-batcher.js';
import type { AnswerSource, GeneratedAnswer, GenerationHooks, GenerationJob } from '../generator/answer-generator.js';
import { DecodingAbortedError } from '../generator/decoding/types.js';
import type { TextInput } from '../tokenizer/tokenizer.js';
import { WorkerPool, type CallOptions, type PoolWorker } from '../workers/pool.js';
import { modelWorkerData, type ModelCalls, type ModelResults, type ModelWorkerInfo } from './model-worker.js';
import type { ModelOptions, Models, QuestionEncoder } from './models.js';
import type { Device } from '../onnx/session.js';

/** The worker module next to this one, in the same form (.ts under tsx, .js compiled). */
const ENTRY = new URL(`./model-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** A typed call to a model worker. */
function call<Op extends keyof ModelCalls>(worker: PoolWorker, op: Op, arg: ModelCalls[Op], opts?: CallOptions): Promise<ModelResults[Op]> {
  return worker.call<ModelResults[Op]>(op, arg, opts);
}

/** Starts `opts.workers` model workers over the bundle; resolves once every one has loaded. */
export async function startModelPool(opts: ModelOptions): Promise<Models & { pool: WorkerPool<ModelWorkerInfo> }> {
  const pool = await WorkerPool.start<ModelWorkerInfo>({
    entry: ENTRY, size: opts.workers, warn: opts.warn,
    workerData: modelWorkerData({ modelDir: opts.modelDir, device: opts.device, intraOpThreads: opts.intraOpThreads, batching: opts.batching }),
  });
  return {
    pool,
    questionEncoder: new PooledQuestionEncoder(pool),
    answers: new PooledAnswers(pool),
    generatorProvider: pool.info.generatorProvider,
    batchingStats: () => batchingStats(pool),
    // While every worker is restarting the models are not ready; a crashed worker alone leaves the others serving.
    alive: () => pool.workers.some((w) => w.alive),
    close: () => pool.close(),
  };
}

/** The live workers' batching counts added up; null when batching is off. */
async function batchingStats(pool: WorkerPool<ModelWorkerInfo>): Promise<BatchingStats | null> {
  const each = await Promise.all(pool.workers.filter((w) => w.alive).map((w) => call(w, 'batchingStats', undefined)));
  return each.reduce<BatchingStats | null>((sum, s) => s && {
    runs: (sum?.runs ?? 0) + s.runs, rows: (sum?.rows ?? 0) + s.rows,
    cohorts: (sum?.cohorts ?? 0) + s.cohorts, members: (sum?.members ?? 0) + s.members,
  }, null);
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

/** Whole generations, each on the least busy worker. */
class PooledAnswers implements AnswerSource {
  constructor(private readonly pool: WorkerPool<ModelWorkerInfo>) {}

  async generate(job: GenerationJob, { signal, onToken }: GenerationHooks): Promise<GeneratedAnswer> {
    try {
      return await call(this.pool.pick(), 'generate', { ...job, stream: onToken !== undefined }, {
        signal, onEvent: onToken && ((text) => onToken(text as string)),
      });
    } catch (err) {
      // The worker's abort comes back as a message only: the caller gets its own reason, as in-thread.
      if (signal?.aborted) throw new DecodingAbortedError(signal.reason);
      throw err;
    }
  }
}
