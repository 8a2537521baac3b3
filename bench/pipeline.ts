/**
 * The engine's generation path rebuilt from its public parts (retriever, tokenizer, generator, `decode`), for the
 * measurement `OnnxRagEngine.answer` cannot give: decoder steps with and without the key/value cache. It mirrors
 * `generate` in src/generator/answer-generator.ts; `run.ts` checks that both give the same answers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { joinContext } from '../src/generator/context-input.js';
import { decode } from '../src/generator/decoding/decode.js';
import { parseGenerationConfig, withRequest, type GenerationConfig } from '../src/generator/decoding/generation-config.js';
import { docLogWeights } from '../src/generator/decoding/math.js';
import { BartGenerator, type EncodedContexts } from '../src/onnx/bart-generator.js';
import { loadRagConfig, type RagConfig } from '../src/generator/rag-config.js';
import type { RagMode } from '../src/types/generation.js';
import { Retriever } from '../src/retriever/retriever.js';
import type { IndexSource } from '../src/types/serving-index.js';
import { TextTokenizer } from '../src/tokenizer/tokenizer.js';

/** Encoded contexts of one question, with their document log-weights and the retrieval time. */
export interface PreparedQuestion {
  contexts: EncodedContexts;
  /** The K joined inputs as token ids, before padding. */
  inputIds: number[][];
  weights: Float64Array;
  retrieveMs: number;
}

/** What one answer cost and said. */
export interface PipelineAnswer {
  text: string;
  retrieveMs: number;
  generateMs: number;
  generatedTokens: number;
}

/** A bundle's sessions loaded outside the engine; see the module comment. */
export class BenchPipeline {
  private constructor(
    readonly retriever: Retriever,
    readonly generator: BartGenerator,
    readonly tokenizer: TextTokenizer,
    readonly rag: RagConfig,
    readonly generation: GenerationConfig,
  ) {}

  /** Loads the question encoder, generator, tokenizer and configs of a bundle over `index`. */
  static async load(modelDir: string, index: IndexSource): Promise<BenchPipeline> {
    const generatorDir = join(modelDir, 'generator');
    const generation = parseGenerationConfig(
      JSON.parse(await readFile(join(generatorDir, 'generation_config.json'), 'utf8')) as Record<string, unknown>,
    );
    const retriever = await Retriever.load(modelDir, index);
    const generator = await BartGenerator.load(generatorDir);
    return new BenchPipeline(retriever, generator, await TextTokenizer.load(generatorDir), await loadRagConfig(modelDir), generation);
  }

  /** The id the encoder's inputs are padded with, chosen as the engine chooses it. */
  get padTokenId(): number {
    return this.generation.padTokenId ?? this.tokenizer.padId;
  }

  /** Retrieves `nDocs` passages for a question and runs the generator's encoder over the joined inputs. */
  async prepare(question: string, nDocs: number): Promise<PreparedQuestion> {
    const started = performance.now();
    const { passages } = await this.retriever.retrieve(question, nDocs);
    const retrieveMs = performance.now() - started;
    const slot = this.rag.prefixes.answer + question;
    const inputs = passages.map((p) => this.tokenizer.encode(
      joinContext(p.title, p.text, slot, this.rag.titleSep, this.rag.docSep),
      { maxLength: this.rag.maxCombinedLength },
    ).ids);
    const contexts = await this.generator.encode(inputs, this.padTokenId);
    return { contexts, inputIds: inputs, weights: docLogWeights(passages.map((p) => p.score)), retrieveMs };
  }

  /** One answer, timed like the engine's: retrieve, then everything after it (encoder included) as generate. */
  async answer(question: string, req: { nDocs: number; mode: RagMode; numBeams: number; maxNewTokens: number }): Promise<PipelineAnswer> {
    const started = performance.now();
    const { contexts, weights, retrieveMs } = await this.prepare(question, req.nDocs);
    const cached = this.generator.createStep(contexts);
    const cfg = withRequest(this.generation, { numBeams: req.numBeams, maxNewTokens: req.maxNewTokens });
    try {
      const out = await decode(cached.step, weights, cfg, { mode: req.mode });
      const total = performance.now() - started;
      return { text: this.tokenizer.decode(out.tokens).trim(), retrieveMs, generateMs: total - retrieveMs, generatedTokens: out.tokens.length };
    } finally {
      cached.release();
    }
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await Promise.all([this.retriever.close(), this.generator.close()]);
  }
}
