/**
 * Runs a DPR encoder bundle folder (`question_encoder/` or `ctx_encoder/`: model.onnx, tokenizer.json,
 * config.json) over texts or (title, text) pairs in batches: input_ids, attention_mask[, token_type_ids] ->
 * pooler_output [batch, dim], returned as one row-major Float32Array.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TextTokenizer, type TextInput } from '../tokenizer/tokenizer.js';
import { createSession, float32Output, int64Matrix, ort, type SessionOptions } from './session.js';

/** How to load an encoder. */
export interface DprEncoderOptions extends SessionOptions {
  /** Longest input in tokens (default: the smaller of the tokenizer's and the model's maximum). */
  maxLength?: number;
}

/** Options of one encode call. */
export interface EncodeBatchOptions {
  /** Inputs per session run (default 32). */
  batchSize?: number;
  /** Called after each batch with the number of inputs encoded so far. */
  onBatch?: (done: number) => void;
  /** Stops between batches. */
  signal?: AbortSignal;
}

/** A loaded DPR encoder. */
export class DprEncoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly tokenizer: TextTokenizer,
    /** Execution provider in use: 'cpu' or 'cuda'. */
    readonly provider: 'cpu' | 'cuda',
    readonly maxLength: number,
    private readonly usesTokenTypes: boolean,
  ) {}

  /** Loads model.onnx, tokenizer.json and config.json from an encoder folder. */
  static async load(dir: string, opts: DprEncoderOptions = {}): Promise<DprEncoder> {
    const tokenizer = await TextTokenizer.load(dir);
    const config = await readFile(join(dir, 'config.json'), 'utf8')
      .then((t) => JSON.parse(t) as Record<string, unknown>, () => ({} as Record<string, unknown>));
    const positions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : Infinity;
    const maxLength = opts.maxLength ?? Math.min(tokenizer.maxLength, positions);
    const { session, provider } = await createSession(join(dir, 'model.onnx'), opts);
    for (const name of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new Error(`${dir}/model.onnx has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
      }
    }
    if (!session.outputNames.includes('pooler_output')) {
      await session.release();
      throw new Error(`${dir}/model.onnx has no output "pooler_output" (outputs: ${session.outputNames.join(', ')})`);
    }
    return new DprEncoder(session, tokenizer, provider, maxLength, session.inputNames.includes('token_type_ids'));
  }

  /** Embeds inputs in batches; returns n x dim floats (dim = inputs' vector length, `vectors.length / n`). */
  async encode(inputs: readonly TextInput[], opts: EncodeBatchOptions = {}): Promise<Float32Array> {
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const parts: Float32Array[] = [];
    let total = 0;
    for (let start = 0; start < inputs.length; start += batchSize) {
      if (opts.signal?.aborted) throw new Error('cancelled');
      const vectors = await this.runBatch(inputs.slice(start, start + batchSize));
      parts.push(vectors);
      total += vectors.length;
      opts.onBatch?.(Math.min(start + batchSize, inputs.length));
    }
    const out = new Float32Array(total);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  /** Releases the ONNX session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  private async runBatch(batch: readonly TextInput[]): Promise<Float32Array> {
    const enc = this.tokenizer.encodeBatch(batch, { maxLength: this.maxLength });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64Matrix(enc.ids),
      attention_mask: int64Matrix(enc.attentionMask),
    };
    if (this.usesTokenTypes) feeds.token_type_ids = int64Matrix(enc.tokenTypeIds);
    const out = await this.session.run(feeds, ['pooler_output']);
    const pooled = out.pooler_output;
    const data = float32Output(pooled, 'pooler_output', 2);
    // NOTE: pooler_output is [batch, dim]; copy, since the tensor's buffer belongs to onnxruntime.
    if (pooled.dims[0] !== batch.length) throw new Error(`pooler_output has ${pooled.dims[0]} rows for ${batch.length} inputs`);
    const copy = Float32Array.from(data);
    for (const t of Object.values(out)) t.dispose();
    return copy;
  }
}
