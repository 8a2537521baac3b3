/**
 * The generation half of one RAG request, from retrieved passages to text: each passage joined with the question
 * and tokenized, the generator's encoder once over the K inputs, decoding (RAG-Token greedy or beam search,
 * RAG-Sequence, the extractive span constraint) through a cached or batched step, each token's text for
 * streaming, and `explain`'s per-token posteriors. One implementation for both places that run it, the calling
 * thread (RAG_WORKERS=0) and a model worker (src/models/model-worker.ts), so that both give the same answers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedContexts } from '../onnx/bart-generator.js';
import { loadRagConfig, type RagConfig } from './rag-config.js';
import type { RagMode, TokenExplanation } from '../types/generation.js';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { StepBatcher, type BatchingOptions, type StepSource } from './batching/step-batcher.js';
import { joinContext } from './context-input.js';
import { decodingConfidence } from './decoding/confidence.js';
import { decode, type Decoding } from './decoding/decode.js';
import { parseGenerationConfig, withRequest, type GenerationConfig } from './decoding/generation-config.js';
import { leaveOneOut, scoreAgainstEachDocument, type LeaveOneOut } from './decoding/leave-one-out.js';
import { docLogWeights } from './decoding/math.js';
import { PieceVocabulary, SpanConstraint } from './decoding/span-constraint.js';

/** What a generation needs of a request once its passages are retrieved (plain data: it crosses to a worker). */
export interface GenerationJob {
  /** The retrieved passages, best first, with their retrieval scores (their softmax weighs the documents). */
  passages: { title: string; text: string; score: number }[];
  /** What fills the question position of each joined input: the task's prefix and the question (or answer). */
  slot: string;
  mode: RagMode;
  numBeams: number;
  maxNewTokens: number;
  /** Hold the output to spans of the passages. */
  extractive: boolean;
  explain: boolean;
  /** Leave-one-document-out attribution of the output (decoding/leave-one-out.ts). */
  attribution?: boolean;
  /** RAG-Sequence fast decoding: candidates scored only by the documents whose beams produced them. */
  fast?: boolean;
}

/** How a caller follows and stops a generation. */
export interface GenerationHooks {
  /** Checked before the encoder and every decoder step. */
  signal?: AbortSignal;
  /**
   * Each generated token's text. Greedy RAG-Token (to which a RAG-Token request with this hook is held) calls it
   * as each token is chosen; RAG-Sequence after decoding.
   */
  onToken?: (text: string) => void;
}

/** What a generation returns. */
export interface GeneratedAnswer {
  text: string;
  generatedTokens: number;
  /** How sure the model is of the output, in [0, 1] (decoding/confidence.ts). */
  confidence: number;
  /** With `attribution`: the output's log-likelihood without each document. */
  attribution?: LeaveOneOut;
  /** With `explain`: per generated token, the posterior over the documents. */
  tokens?: TokenExplanation[];
}

/** Runs a `GenerationJob` wherever the models are: the calling thread, or a pool of model workers. */
export interface AnswerSource {
  generate(job: GenerationJob, hooks: GenerationHooks): Promise<GeneratedAnswer>;
}

/** What the generation needs of a generator (BartGenerator's serving half). */
export interface ContextGenerator extends StepSource {
  encode(inputIds: readonly (readonly number[])[], padTokenId: number): Promise<EncodedContexts>;
}

/** The bundle's tokenizer and configs, read once where the generation runs. */
export interface BundleTexts {
  tokenizer: TextTokenizer;
  rag: RagConfig;
  generation: GenerationConfig;
}

/** Reads a bundle's generator tokenizer, `rag_config.json` and `generation_config.json`. */
export async function loadBundleTexts(modelDir: string): Promise<BundleTexts> {
  const generatorDir = join(modelDir, 'generator');
  const generation = parseGenerationConfig(
    JSON.parse(await readFile(join(generatorDir, 'generation_config.json'), 'utf8')) as Record<string, unknown>,
  );
  return { tokenizer: await TextTokenizer.load(generatorDir), rag: await loadRagConfig(modelDir), generation };
}

/** Generates over one generator; see the module comment. */
export class AnswerGenerator implements AnswerSource {
  /** Shares decoder runs between concurrent generations; null (batches of at most 1) runs each alone. */
  readonly batcher: StepBatcher | null;
  /** Token texts for extractive answers, built on first use. */
  private pieceVocabulary: PieceVocabulary | null = null;

  constructor(private readonly generator: ContextGenerator, private readonly texts: BundleTexts, batching?: BatchingOptions) {
    this.batcher = batching && batching.maxMembers > 1 ? new StepBatcher(generator, batching) : null;
  }

  async generate(job: GenerationJob, hooks: GenerationHooks): Promise<GeneratedAnswer> {
    // A batch forming while this generation encodes waits for it (step-batcher.ts).
    const arrived = this.batcher?.expect();
    try {
      return await this.decodeJob(job, hooks, arrived);
    } finally {
      arrived?.();
    }
  }

  private async decodeJob(job: GenerationJob, hooks: GenerationHooks, arrived?: () => void): Promise<GeneratedAnswer> {
    const { tokenizer, rag, generation } = this.texts;
    const inputs = job.passages.map((p) => tokenizer.encode(
      joinContext(p.title, p.text, job.slot, rag.titleSep, rag.docSep), { maxLength: rag.maxCombinedLength },
    ).ids);
    hooks.signal?.throwIfAborted();
    const contexts = await this.generator.encode(inputs, generation.padTokenId ?? tokenizer.padId);
    const cached = this.batcher ? this.batcher.createStep(contexts, arrived) : this.generator.createStep(contexts);
    // Streaming is greedy decoding (docs/API.md): one token event per decoded token.
    const streaming = hooks.onToken !== undefined && job.mode === 'token';
    const cfg = withRequest(generation, { numBeams: streaming ? 1 : job.numBeams, maxNewTokens: job.maxNewTokens });
    const w = docLogWeights(job.passages.map((p) => p.score));
    let decoding: Decoding;
    let attribution: LeaveOneOut | undefined;
    try {
      decoding = await decode(cached.step, w, cfg, {
        mode: job.mode,
        fast: job.fast,
        signal: hooks.signal,
        onToken: streaming ? (id) => this.emit(id, hooks.onToken) : undefined,
        constraint: job.extractive ? this.spanConstraint(job.passages, cfg) : null,
      });
      if (job.attribution) {
        // Thorough RAG-Sequence has already teacher-forced its winner against every document.
        const perDoc = decoding.mode === 'sequence' && decoding.logprobs
          ? decoding.logprobs
          : await scoreAgainstEachDocument(cached.step, decoding.tokens, job.passages.length, cfg, hooks.signal);
        attribution = leaveOneOut(job.mode, w, perDoc);
      }
    } finally {
      cached.release();
    }
    if (hooks.onToken && !streaming) decoding.tokens.forEach((id) => this.emit(id, hooks.onToken));
    return {
      text: tokenizer.decode(decoding.tokens).trim(),
      generatedTokens: decoding.tokens.length,
      confidence: decodingConfidence(decoding, cfg.bosTokenId),
      ...(job.explain ? { tokens: this.explain(decoding) } : {}),
      ...(attribution ? { attribution } : {}),
    };
  }

  private spanConstraint(passages: GenerationJob['passages'], cfg: GenerationConfig): SpanConstraint {
    this.pieceVocabulary ??= new PieceVocabulary(this.texts.tokenizer);
    return SpanConstraint.over(this.pieceVocabulary, passages.map((p) => [p.title, p.text]), cfg.eosTokenId, cfg.bosTokenId);
  }

  private emit(id: number, onToken: ((text: string) => void) | undefined): void {
    const { tokenizer } = this.texts;
    if (onToken && !tokenizer.isSpecial(id)) onToken(tokenizer.decode([id]));
  }

  /**
   * Per generated (non-special) token, the posterior over the returned documents: for RAG-Token the one of the
   * step that chose it; for RAG-Sequence the winner's sequence-level posterior, the same for every token.
   */
  private explain(decoding: Decoding): TokenExplanation[] {
    const { tokenizer } = this.texts;
    const out: TokenExplanation[] = [];
    decoding.tokens.forEach((id, i) => {
      if (tokenizer.isSpecial(id)) return;
      const docWeights = decoding.mode === 'token' ? decoding.docPosteriors[i] : decoding.docPosteriors;
      out.push({ text: tokenizer.decode([id]), docWeights });
    });
    return out;
  }
}
