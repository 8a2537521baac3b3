/**
 * The RAG engine over ONNX: question -> DPR retrieval on the serving index -> generation from the K passages
 * (src/generator/answer-generator.ts: the generator's encoder once, then RAG-Token or RAG-Sequence decoding through
 * a cached step) -> a plain result. It holds the models of one bundle, on this thread or in model workers, where
 * a whole generation runs as one call; the index comes from the index manager, per request.
 */
import type { Device } from '../config.js';
import { ValidationError } from '../errors.js';
import { loadBundleTexts, type BundleTexts, type GeneratedAnswer } from '../generator/answer-generator.js';
import type { BatchingOptions, BatchingStats } from '../generator/batching/step-batcher.js';
import { DecodingAbortedError } from '../generator/decoding/types.js';
import { readerWindow } from '../generator/reader-window.js';
import { loadModels, type Models } from '../models/models.js';
import { Retriever } from '../retriever/retriever.js';
import type { IndexSource } from '../types/serving-index.js';
import { answerSpans } from './answer-spans.js';
import type { RagEngine } from './engine.js';
import type { AnswerRequest, GenerationRequest, GenerationResult, JeopardyRequest } from './types.js';

/** How to load the engine. */
export interface RagEngineOptions {
  modelDir: string;
  index: IndexSource;
  device?: Device;
  /** Intra-op threads per ONNX session (default: onnxruntime's choice). */
  threads?: number;
  /** Worker threads running the models (src/models/pooled-models.ts); 0 or absent runs them on the calling thread. */
  workers?: number;
  /** Cross-request batching of decoder runs (generator/batching), within each model worker; off when absent or `windowMs` is 0. */
  batching?: BatchingOptions;
  warn?: (message: string) => void;
}

/** The engine; see the module comment. */
export class OnnxRagEngine implements RagEngine {
  private closed = false;
  private readonly retriever: Retriever;

  private constructor(
    private readonly models: Models,
    private readonly texts: BundleTexts,
    private readonly index: IndexSource,
  ) {
    this.retriever = new Retriever(models.questionEncoder, index);
  }

  /** Loads the question encoder, the generator and their configs from a model bundle. */
  static async load(opts: RagEngineOptions): Promise<OnnxRagEngine> {
    const texts = await loadBundleTexts(opts.modelDir);
    const models = await loadModels({
      modelDir: opts.modelDir, workers: opts.workers ?? 0, device: opts.device, intraOpThreads: opts.threads,
      batching: opts.batching, texts, warn: opts.warn,
    });
    return new OnnxRagEngine(models, texts, opts.index);
  }

  /** Cross-request batching's counts so far (summed over the model workers); null when batching is off. */
  batchingStats(): Promise<BatchingStats | null> {
    return this.models.batchingStats();
  }

  /** Execution provider actually in use: 'cuda' only when every session runs on it. */
  device(): Device {
    return this.retriever.provider === 'cuda' && this.models.generatorProvider === 'cuda' ? 'cuda' : 'cpu';
  }

  /** The bundle's default number of documents. */
  get defaultDocs(): number {
    return this.texts.rag.nDocs;
  }

  ready(): boolean {
    return !this.closed && this.models.alive() && this.index.ready();
  }

  async answer(req: AnswerRequest): Promise<GenerationResult> {
    const { rag } = this.texts;
    this.checkTokens('question', req.question);
    const extractive = req.extractive ?? rag.extractive.answer;
    const result = await this.generate(req.question, rag.prefixes.answer + req.question, req, extractive, rag.windowWords.answer);
    return { ...result, abstained: result.confidence < (req.minConfidence ?? rag.minConfidence) };
  }

  async jeopardy(req: JeopardyRequest): Promise<GenerationResult> {
    const { rag } = this.texts;
    this.checkTokens('answer', req.answer);
    return this.generate(req.answer, rag.prefixes.jeopardy + req.answer, req, rag.extractive.jeopardy, rag.windowWords.jeopardy);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.models.close();
  }

  /**
   * A question must leave room for a passage in the generator's input (which is cut at `max_combined_length`
   * tokens from the end, as in Hugging Face's RAG): at most half of it.
   */
  private checkTokens(field: string, text: string): void {
    const limit = Math.floor(this.texts.rag.maxCombinedLength / 2);
    const count = this.texts.tokenizer.encode(text, { addSpecialTokens: false, maxLength: Number.MAX_SAFE_INTEGER }).ids.length;
    if (count > limit) {
      throw new ValidationError(`\`${field}\` is ${count} tokens long; this model accepts at most ${limit} tokens`);
    }
  }

  /**
   * Retrieves with `query`, generates with `slot` in the question position of each joined input; `extractive`
   * holds the output to spans of what the generator read: each passage, or its `windowWords` window about `query`.
   */
  private async generate(
    query: string, slot: string, req: GenerationRequest, extractive: boolean, windowWords: number | null,
  ): Promise<GenerationResult> {
    const started = performance.now();
    const { passages, indexVersion } = await this.retriever.retrieve(query, req.nDocs);
    const retrieved = performance.now();
    req.signal?.throwIfAborted();
    let answer: GeneratedAnswer;
    try {
      answer = await this.models.answers.generate({
        passages: passages.map(({ title, text, score }) => ({
          title, text: windowWords === null ? text : readerWindow(text, query, windowWords), score,
        })),
        slot, mode: req.mode, numBeams: req.numBeams, maxNewTokens: req.maxNewTokens, extractive,
        explain: req.explain ?? false, attribution: req.attribution ?? false, fast: req.fast ?? false,
      }, { signal: req.signal, onToken: req.onToken });
    } catch (err) {
      // The abort's reason (client gone, deadline passed) is what the HTTP layer maps to a response.
      throw err instanceof DecodingAbortedError && err.reason instanceof Error ? err.reason : err;
    }
    const finished = performance.now();
    return {
      text: answer.text,
      mode: req.mode,
      documents: passages,
      indexVersion,
      timingsMs: { retrieve: retrieved - started, generate: finished - retrieved, total: finished - started },
      generatedTokens: answer.generatedTokens,
      confidence: answer.confidence,
      ...(answer.tokens ? { tokens: answer.tokens } : {}),
      ...(extractive ? { answerSpans: answerSpans(answer.text, passages) } : {}),
      ...(answer.attribution ? { attribution: answer.attribution } : {}),
    };
  }
}

/** The server's factory: the engine over the configured bundle and the started index manager. */
export async function createRagEngine(opts: {
  config: { modelDir: string; device: Device; batching: BatchingOptions; workers: number; onnxThreads?: number };
  indexManager: IndexSource;
  logger: { warn(msg: string): void };
}): Promise<OnnxRagEngine> {
  return OnnxRagEngine.load({
    modelDir: opts.config.modelDir,
    index: opts.indexManager,
    device: opts.config.device,
    batching: opts.config.batching,
    workers: opts.config.workers,
    threads: opts.config.onnxThreads,
    warn: (m) => opts.logger.warn(m),
  });
}
