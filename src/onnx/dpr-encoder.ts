/**
 * Runs a DPR encoder bundle folder (`question_encoder/` or `ctx_encoder/`: model.onnx, tokenizer.json,
 * config.json) over texts or (title, text) pairs in batches: input_ids, attention_mask[, token_type_ids] ->
 * pooler_output [batch, dim], returned as one row-major Float32Array.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TextTokenizer, type EncodedBatch, type TextInput } from '../tokenizer/tokenizer.js';
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

  /**
   * Embeds inputs in batches; returns n x dim floats in input order. Inputs are batched by token length, so
   * that a batch pads little (passages of a corpus vary from a few words to 100).
   */
  async encode(inputs: readonly TextInput[], opts: EncodeBatchOptions = {}): Promise<Float32Array> {
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const encoded = inputs.map((input) => this.tokenizer.encode(input, { maxLength: this.maxLength }));
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
    let out = new Float32Array(0);
    for (let start = 0; start < order.length; start += batchSize) {
      if (opts.signal?.aborted) throw new Error('cancelled');
      const rows = order.slice(start, start + batchSize);
      const vectors = await this.runBatch(this.tokenizer.pad(rows.map((i) => encoded[i])), rows.length);
      const dim = vectors.length / rows.length;
      if (out.length === 0) out = new Float32Array(inputs.length * dim);
      rows.forEach((i, j) => out.set(vectors.subarray(j * dim, (j + 1) * dim), i * dim));
      opts.onBatch?.(start + rows.length);
    }
    return out;
  }

  /** Releases the ONNX session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  private async runBatch(enc: EncodedBatch, rows: number): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64Matrix(enc.ids),
      attention_mask: int64Matrix(enc.attentionMask),
    };
    if (this.usesTokenTypes) feeds.token_type_ids = int64Matrix(enc.tokenTypeIds);
    const out = await this.session.run(feeds, ['pooler_output']);
    const pooled = out.pooler_output;
    const data = float32Output(pooled, 'pooler_output', 2);
    // NOTE: pooler_output is [batch, dim]; copy, since the tensor's buffer belongs to onnxruntime.
    if (pooled.dims[0] !== rows) throw new Error(`pooler_output has ${pooled.dims[0]} rows for ${rows} inputs`);
    const copy = Float32Array.from(data);
    for (const t of Object.values(out)) t.dispose();
    return copy;
  }
}
