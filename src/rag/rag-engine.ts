/**
 * The RAG engine over ONNX: question -> DPR retrieval on the serving index -> the generator's encoder once over
 * the K joined inputs -> decoding (RAG-Token or RAG-Sequence) through a cached step -> a plain result.
 * It holds the sessions of one model bundle; the index comes from the index manager, per request.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '../config.js';
import { ValidationError } from '../errors.js';
import { StepBatcher, type BatchingOptions } from '../generator/batching/step-batcher.js';
import { joinContext } from '../generator/context-input.js';
import { decodingConfidence } from '../generator/decoding/confidence.js';
import { decode, type Decoding } from '../generator/decoding/decode.js';
import { parseGenerationConfig, withRequest, type GenerationConfig } from '../generator/decoding/generation-config.js';
import { leaveOneOut, scoreAgainstEachDocument, type LeaveOneOut } from '../generator/decoding/leave-one-out.js';
import { docLogWeights } from '../generator/decoding/math.js';
import { PieceVocabulary, SpanConstraint } from '../generator/decoding/span-constraint.js';
import { DecodingAbortedError } from '../generator/decoding/types.js';
import { loadModels, type Generator, type Models } from '../onnx/models.js';
import { Retriever, type IndexSource } from '../retriever/retriever.js';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { answerSpans } from './answer-spans.js';
import type { RagEngine } from './engine.js';
import { loadRagConfig, type RagConfig } from './rag-config.js';
import type {
  AnswerRequest, GenerationRequest, GenerationResult, JeopardyRequest, RetrievedPassage, TokenExplanation,
} from './types.js';

/** How to load the engine. */
export interface RagEngineOptions {
  modelDir: string;
  index: IndexSource & { ready(): boolean };
  device?: Device;
  /** Intra-op threads per ONNX session (default: onnxruntime's choice). */
  threads?: number;
  /** Worker threads running the models (src/onnx/pooled-models.ts); 0 or absent runs them on the calling thread. */
  workers?: number;
  /** Cross-request batching of decoder runs (generator/batching); off when absent or `windowMs` is 0. */
  batching?: BatchingOptions;
  warn?: (message: string) => void;
}

/** The engine; see the module comment. */
export class OnnxRagEngine implements RagEngine {
  private closed = false;
  /** Token texts for extractive answers, built on first use. */
  private pieceVocabulary: PieceVocabulary | null = null;
  /** Shares decoder runs between concurrent requests; null runs each decoding alone. */
  readonly batcher: StepBatcher | null;

  private readonly retriever: Retriever;
  private readonly generator: Generator;

  private constructor(
    private readonly models: Models,
    private readonly tokenizer: TextTokenizer,
    private readonly rag: RagConfig,
    private readonly generation: GenerationConfig,
    private readonly index: IndexSource & { ready(): boolean },
    batching: BatchingOptions | undefined,
  ) {
    this.retriever = new Retriever(models.questionEncoder, index);
    this.generator = models.generator;
    this.batcher = batching && batching.windowMs > 0 ? new StepBatcher(this.generator, batching) : null;
  }

  /** Loads the question encoder, the generator and their configs from a model bundle. */
  static async load(opts: RagEngineOptions): Promise<OnnxRagEngine> {
    const rag = await loadRagConfig(opts.modelDir);
    const generatorDir = join(opts.modelDir, 'generator');
    const generation = parseGenerationConfig(
      JSON.parse(await readFile(join(generatorDir, 'generation_config.json'), 'utf8')) as Record<string, unknown>,
    );
    const tokenizer = await TextTokenizer.load(generatorDir);
    const models = await loadModels({
      modelDir: opts.modelDir, workers: opts.workers ?? 0, device: opts.device, intraOpThreads: opts.threads, warn: opts.warn,
    });
    return new OnnxRagEngine(models, tokenizer, rag, generation, opts.index, opts.batching);
  }

  /** Execution provider actually in use: 'cuda' only when every session runs on it. */
  device(): Device {
    return this.retriever.provider === 'cuda' && this.generator.provider === 'cuda' ? 'cuda' : 'cpu';
  }

  /** The bundle's default number of documents. */
  get defaultDocs(): number {
    return this.rag.nDocs;
  }

  ready(): boolean {
    return !this.closed && this.models.alive() && this.index.ready();
  }

  async answer(req: AnswerRequest): Promise<GenerationResult> {
    this.checkTokens('question', req.question);
    const result = await this.generate(req.question, this.rag.prefixes.answer + req.question, req, req.extractive ?? this.rag.extractive.answer);
    return { ...result, abstained: result.confidence < (req.minConfidence ?? this.rag.minConfidence) };
  }

  async jeopardy(req: JeopardyRequest): Promise<GenerationResult> {
    this.checkTokens('answer', req.answer);
    return this.generate(req.answer, this.rag.prefixes.jeopardy + req.answer, req, this.rag.extractive.jeopardy);
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
    const limit = Math.floor(this.rag.maxCombinedLength / 2);
    const count = this.tokenizer.encode(text, { addSpecialTokens: false, maxLength: Number.MAX_SAFE_INTEGER }).ids.length;
    if (count > limit) {
      throw new ValidationError(`\`${field}\` is ${count} tokens long; this model accepts at most ${limit} tokens`);
    }
  }

  /**
   * Retrieves with `query`, generates with `slot` in the question position of each joined input; `extractive`
   * holds the output to spans of the retrieved passages.
   */
  private async generate(query: string, slot: string, req: GenerationRequest, extractive: boolean): Promise<GenerationResult> {
    const started = performance.now();
    const { passages, indexVersion } = await this.retriever.retrieve(query, req.nDocs);
    const retrieved = performance.now();
    req.signal?.throwIfAborted();
    const inputs = passages.map((p) => this.tokenizer.encode(
      joinContext(p.title, p.text, slot, this.rag.titleSep, this.rag.docSep),
      { maxLength: this.rag.maxCombinedLength },
    ).ids);
    const contexts = await this.generator.encode(inputs, this.generation.padTokenId ?? this.tokenizer.padId);
    const cached = (this.batcher ?? this.generator).createStep(contexts);
    // Streaming is greedy decoding (docs/API.md): one token event per decoded token.
    const streaming = req.onToken !== undefined && req.mode === 'token';
    const cfg = withRequest(this.generation, { numBeams: streaming ? 1 : req.numBeams, maxNewTokens: req.maxNewTokens });
    const w = docLogWeights(passages.map((p) => p.score));
    let decoding: Decoding;
    let attribution: LeaveOneOut | undefined;
    try {
      decoding = await decode(cached.step, w, cfg, {
        mode: req.mode,
        signal: req.signal,
        onToken: streaming ? (id) => this.emit(id, req.onToken) : undefined,
        constraint: extractive ? this.spanConstraint(passages, cfg) : null,
      });
      if (req.attribution) {
        attribution = leaveOneOut(req.mode, w, await scoreAgainstEachDocument(cached.step, decoding.tokens, passages.length, cfg, req.signal));
      }
    } catch (err) {
      // The abort's reason (client gone, deadline passed) is what the HTTP layer maps to a response.
      throw err instanceof DecodingAbortedError && err.reason instanceof Error ? err.reason : err;
    } finally {
      cached.release();
    }
    if (req.onToken && !streaming) decoding.tokens.forEach((id) => this.emit(id, req.onToken));
    const finished = performance.now();
    const text = this.tokenizer.decode(decoding.tokens).trim();
    const result: GenerationResult = {
      text,
      mode: req.mode,
      documents: passages,
      indexVersion,
      timingsMs: { retrieve: retrieved - started, generate: finished - retrieved, total: finished - started },
      generatedTokens: decoding.tokens.length,
      confidence: decodingConfidence(decoding, cfg.bosTokenId),
    };
    if (req.explain) result.tokens = this.explain(decoding);
    if (extractive) result.answerSpans = answerSpans(text, passages);
    if (attribution) result.attribution = attribution;
    return result;
  }

  private spanConstraint(passages: readonly RetrievedPassage[], cfg: GenerationConfig): SpanConstraint {
    this.pieceVocabulary ??= new PieceVocabulary(this.tokenizer);
    return SpanConstraint.over(this.pieceVocabulary, passages.map((p) => [p.title, p.text]), cfg.eosTokenId, cfg.bosTokenId);
  }

  private emit(id: number, onToken: ((text: string) => void) | undefined): void {
    if (onToken && !this.tokenizer.isSpecial(id)) onToken(this.tokenizer.decode([id]));
  }

  /**
   * Per generated (non-special) token, the posterior over the returned documents: for RAG-Token the one of the
   * step that chose it; for RAG-Sequence the winner's sequence-level posterior, the same for every token.
   */
  private explain(decoding: Decoding): TokenExplanation[] {
    const out: TokenExplanation[] = [];
    decoding.tokens.forEach((id, i) => {
      if (this.tokenizer.isSpecial(id)) return;
      const docWeights = decoding.mode === 'token' ? decoding.docPosteriors[i] : decoding.docPosteriors;
      out.push({ text: this.tokenizer.decode([id]), docWeights });
    });
    return out;
  }
}

/** The server's factory: the engine over the configured bundle and the started index manager. */
export async function createRagEngine(opts: {
  config: { modelDir: string; device: Device; batching: BatchingOptions; workers: number; onnxThreads?: number };
  indexManager: IndexSource & { ready(): boolean };
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
