/**
 * The BART generator of a bundle (`generator/onnx/encoder_model.onnx` and `decoder_model_merged.onnx`, Optimum
 * names) behind decoding's `step` callback: the encoder runs once over the K contexts, then each step feeds one
 * token per row to the merged decoder with the key/value cache of the row's parent (docs/DECODING.md, "Rows").
 * The first step (every parent -1) runs the no-cache branch with empty past tensors; later steps the cached one.
 * A decoder in the per-document cross-attention layout (./cross-attention.ts) gets one encoder row per document
 * and keeps one cross-attention cache per document, which beam reordering never copies. Steps return
 * log-probabilities: the logits go through onnxruntime's LogSoftmax (./log-softmax.ts) before decoding sees them.
 */
import { join } from 'node:path';
import type { StepFn, StepInput } from '../types/generation.js';
import {
  crossAttentionLayout, documentRows, heldDocumentRows, periodicOrder, type CrossAttentionLayout,
} from './cross-attention.js';
import { cacheLayout, gatherRows, gatherTensor, isIdentity, sameRows, type CacheEntry } from './kv-cache.js';
import { LogSoftmax } from './log-softmax.js';
import { createSession, float32Output, int64Tensor, ort, type SessionOptions } from './session.js';

/** The K encoded generator inputs, right-padded to one length. */
export interface EncodedContexts {
  /** `last_hidden_state`, `[count, length, dModel]` */
  hidden: Float32Array;
  /** attention mask, `[count, length]` (0 on padding) */
  mask: BigInt64Array;
  count: number;
  length: number;
  dModel: number;
}

/** A step callback bound to one set of encoded contexts, holding the cache between calls. */
export interface GeneratorStep {
  step: StepFn;
  /** Drops the cache; the step must not be called afterwards. */
  release(): void;
}

/** A generator's own cached step, which can say how many cross-attention rows it holds. */
export interface CachedGeneratorStep extends GeneratorStep {
  /** Rows of the cross-attention cache now held (0 before the first step). */
  crossAttentionRows(): number;
}

/** A loaded generator: its two sessions, the cache layout of the decoder, and the log-softmax of its logits. */
export class BartGenerator {
  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly logSoftmax: LogSoftmax,
    private readonly cache: CacheEntry[],
    /** Execution provider in use: 'cpu' or 'cuda'. */
    readonly provider: 'cpu' | 'cuda',
    readonly dModel: number,
    /** Whether the decoder holds cross-attention keys/values per row or per document. */
    readonly crossAttention: CrossAttentionLayout,
  ) {}

  /** Loads `onnx/encoder_model.onnx` and `onnx/decoder_model_merged.onnx` from a generator folder. */
  static async load(dir: string, opts: SessionOptions = {}): Promise<BartGenerator> {
    const encoder = await createSession(join(dir, 'onnx', 'encoder_model.onnx'), opts);
    let decoder: Awaited<ReturnType<typeof createSession>> | undefined;
    let logSoftmax: LogSoftmax | undefined;
    try {
      decoder = await createSession(join(dir, 'onnx', 'decoder_model_merged.onnx'), opts);
      const s = decoder.session;
      for (const name of ['input_ids', 'encoder_attention_mask', 'encoder_hidden_states', 'use_cache_branch']) {
        if (!s.inputNames.includes(name)) throw new Error(`${dir}: the merged decoder has no input "${name}"`);
      }
      const hiddenMeta = s.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
      const dModel = hiddenMeta?.isTensor ? hiddenMeta.shape[2] : undefined;
      if (typeof dModel !== 'number') throw new Error(`${dir}: encoder_hidden_states has no fixed hidden size`);
      const provider = encoder.provider === 'cuda' && decoder.provider === 'cuda' ? 'cuda' : 'cpu';
      logSoftmax = await LogSoftmax.create(opts);
      return new BartGenerator(encoder.session, s, logSoftmax, cacheLayout(s), provider, dModel, crossAttentionLayout(s));
    } catch (err) {
      await encoder.session.release();
      await decoder?.session.release();
      await logSoftmax?.release();
      throw err;
    }
  }

  /** Runs the encoder once over the generator inputs (token ids with specials), right-padded with `padTokenId`. */
  async encode(inputIds: readonly (readonly number[])[], padTokenId: number): Promise<EncodedContexts> {
    const count = inputIds.length;
    const length = Math.max(...inputIds.map((ids) => ids.length));
    if (count === 0 || length === 0) throw new Error('the generator needs at least one non-empty input');
    const ids = new Array<number>(count * length).fill(padTokenId);
    const mask = new Array<number>(count * length).fill(0);
    inputIds.forEach((row, k) => row.forEach((id, i) => { ids[k * length + i] = id; mask[k * length + i] = 1; }));
    const feeds = { input_ids: int64Tensor(ids, [count, length]), attention_mask: int64Tensor(mask, [count, length]) };
    const out = await this.encoder.run(feeds);
    const hidden = float32Output(out.last_hidden_state, 'last_hidden_state', 3);
    if (hidden.length !== count * length * this.dModel) throw new Error(`last_hidden_state has shape [${out.last_hidden_state.dims}]`);
    return { hidden, mask: feeds.attention_mask.data as BigInt64Array, count, length, dModel: this.dModel };
  }

  /** A cached step over `contexts` (see the module comment). */
  createStep(contexts: EncodedContexts): CachedGeneratorStep {
    return new CachedStep(this.decoder, this.logSoftmax, this.cache, contexts, this.crossAttention);
  }

  /**
   * A step without cache: every call re-decodes each row's whole prefix with the no-cache branch. Slow; the
   * reference the cached step is tested against.
   */
  createUncachedStep(contexts: EncodedContexts): StepFn {
    let prefixes: number[][] = [];
    return async ({ tokens, parents, contexts: rows }: StepInput) => {
      prefixes = Array.from(tokens, (tok, r) => (parents[r] < 0 ? [tok] : [...prefixes[parents[r]], tok]));
      const len = prefixes[0].length;
      if (prefixes.some((p) => p.length !== len)) throw new Error('rows of one step must have equal lengths');
      const docs = documentRows(this.crossAttention, rows);
      const out = await this.decoder.run({
        encoder_attention_mask: maskRows(contexts, docs),
        encoder_hidden_states: hiddenRows(contexts, docs),
        input_ids: int64Tensor(prefixes.flat(), [tokens.length, len]),
        ...emptyPast(this.cache, tokens.length, docs.length),
        use_cache_branch: boolTensor(false),
      });
      const logits = float32Output(out.logits, 'logits', 3);
      const vocab = out.logits.dims[2];
      // NOTE: logits are [rows, len, V]; the next-token logits are each row's last position.
      const last = gatherRows(logits, vocab, Array.from({ length: tokens.length }, (_, r) => r * len + len - 1));
      return this.logSoftmax.run(last, tokens.length, vocab);
    };
  }

  /** Releases the sessions. */
  async close(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
    await this.logSoftmax.release();
  }
}

/**
 * The decoder state of one decoding: the self-attention cache of the previous step's rows and the cross-attention
 * cache of its document rows (`docs`: the context of each; one per row in the per-row layout).
 */
class CachedStep implements CachedGeneratorStep {
  private past: Map<string, ort.Tensor> | null = null;
  private rowContexts: Int32Array | null = null;
  private docs: Int32Array | null = null;
  private mask: ort.Tensor | null = null;
  /** Where each of the previous step's rows ran (periodicOrder), or null when they ran as given. */
  private runRowOf: Int32Array | null = null;
  private readonly allOutputs: string[];
  private readonly cachedOutputs: string[];

  constructor(
    private readonly decoder: ort.InferenceSession,
    private readonly logSoftmax: LogSoftmax,
    private readonly cache: CacheEntry[],
    private readonly contexts: EncodedContexts,
    private readonly layout: CrossAttentionLayout,
  ) {
    this.allOutputs = ['logits', ...cache.map((entry) => entry.present)];
    this.cachedOutputs = ['logits', ...cache.filter((entry) => entry.kind === 'decoder').map((entry) => entry.present)];
  }

  step: StepFn = async (input: StepInput) => {
    const rows = input.tokens.length;
    const first = input.parents.every((p) => p === -1);
    if (!first && input.parents.some((p) => p < 0)) throw new Error('a step cannot mix first-step rows and cached rows');
    for (const c of input.contexts) if (!(c >= 0 && c < this.contexts.count)) throw new Error(`context ${c} of ${this.contexts.count}`);
    const { order, tokens, parents, contexts, docs } = this.runOrder(input);
    const sameDocs = !first && sameRows(this.docs, docs);
    if (!sameDocs) {
      this.mask?.dispose();
      this.mask = maskRows(this.contexts, docs);
    }
    const gathered: ort.Tensor[] = [];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64Tensor(tokens, [rows, 1]),
      encoder_attention_mask: this.mask!,
      use_cache_branch: boolTensor(!first),
    };
    if (first) {
      this.drop();
      feeds.encoder_hidden_states = hiddenRows(this.contexts, docs);
      Object.assign(feeds, emptyPast(this.cache, rows, docs.length));
    } else {
      if (!this.past) throw new Error('a cached step needs a first step before it');
      // NOTE: the cached branch ignores encoder_hidden_states (the encoder keys/values are in the cache), but the
      // input must be fed: an empty [docs, 0, d_model] tensor avoids copying the states every step.
      feeds.encoder_hidden_states = new ort.Tensor('float32', new Float32Array(0), [docs.length, 0, this.contexts.dModel]);
      const identity = isIdentity(parents, this.rowContexts!.length);
      // Cross-attention caches depend only on the document: per document they are re-gathered only when the
      // documents change; per row, beam reorders move them with their rows unless every row keeps its context.
      const crossFrom = this.layout === 'per-document' ? heldDocumentRows(this.docs!, docs) : parents;
      for (const entry of this.cache) {
        const previous = this.past.get(entry.past)!;
        const keep = entry.kind === 'encoder' ? sameDocs || (identity && this.layout === 'per-row') : identity;
        feeds[entry.past] = keep ? previous : gatherTensor(previous, entry.kind === 'encoder' ? crossFrom : parents);
        if (!keep) gathered.push(feeds[entry.past]);
      }
    }
    // The cached branch passes the cross-attention keys/values through unchanged: fetching them would copy the
    // largest tensors of the step out of onnxruntime every step, so only the first step fetches them.
    const out = await this.decoder.run(feeds, first ? this.allOutputs : this.cachedOutputs);
    const logits = float32Output(out.logits, 'logits', 3);
    if (out.logits.dims[0] !== rows || out.logits.dims[1] !== 1) throw new Error(`logits have shape [${out.logits.dims}]`);
    const next = new Map(this.cache.map((entry) => [entry.past, out[entry.present] ?? feeds[entry.past]]));
    // The previous presents and their gathered copies are spent, except what carries over; the new presents are the cache now.
    for (const [name, tensor] of this.past ?? []) if (next.get(name) !== tensor) tensor.dispose();
    for (const tensor of gathered) if (![...next.values()].includes(tensor)) tensor.dispose();
    this.past = next;
    this.rowContexts = Int32Array.from(contexts);
    this.docs = Int32Array.from(docs);
    this.runRowOf = order ? inverse(order) : null;
    const vocab = out.logits.dims[2];
    const logProbs = await this.logSoftmax.run(logits, rows, vocab);
    return order ? gatherRows(logProbs, vocab, this.runRowOf!) : logProbs;
  };

  /**
   * The step's rows in the order they run: as given, unless the per-document layout can share cross-attention only
   * in another order (periodicOrder); then `order[j]` is the caller's row that runs as row j, and the parents name
   * rows of the previous run. `docs`: the contexts of the cross-attention rows (documentRows) for that order.
   */
  private runOrder(input: StepInput) {
    const contexts = Int32Array.from(input.contexts);
    const docs = documentRows(this.layout, contexts);
    const order = this.layout === 'per-document' && docs.length === contexts.length ? periodicOrder(contexts) : null;
    const previousRow = (p: number) => (p < 0 || !this.runRowOf ? p : this.runRowOf[p]);
    if (!order) return { order, tokens: input.tokens, parents: Int32Array.from(input.parents, previousRow), contexts, docs };
    const ordered = Int32Array.from(order, (r) => contexts[r]);
    return {
      order,
      tokens: Int32Array.from(order, (r) => input.tokens[r]),
      parents: Int32Array.from(order, (r) => previousRow(input.parents[r])),
      contexts: ordered,
      docs: documentRows(this.layout, ordered),
    };
  }

  crossAttentionRows(): number {
    return this.past && this.docs ? this.docs.length : 0;
  }

  release(): void {
    this.drop();
    this.mask?.dispose();
    this.mask = null;
    this.rowContexts = null;
    this.docs = null;
    this.runRowOf = null;
  }

  private drop(): void {
    if (this.past) for (const tensor of this.past.values()) tensor.dispose();
    this.past = null;
  }
}

/** encoder_attention_mask `[rows, length]` for (document) rows of contexts `rows[r]`. */
function maskRows(ctx: EncodedContexts, rows: ArrayLike<number>): ort.Tensor {
  return new ort.Tensor('int64', gatherRows(ctx.mask, ctx.length, rows), [rows.length, ctx.length]);
}

/** encoder_hidden_states `[rows, length, d_model]` for (document) rows of contexts `rows[r]`. */
function hiddenRows(ctx: EncodedContexts, rows: ArrayLike<number>): ort.Tensor {
  return new ort.Tensor('float32', gatherRows(ctx.hidden, ctx.length * ctx.dModel, rows), [rows.length, ctx.length, ctx.dModel]);
}

/** Zero-length past tensors for the first step (its branch ignores them): self-attention per row, cross per document row. */
function emptyPast(cache: CacheEntry[], rows: number, docs: number): Record<string, ort.Tensor> {
  return Object.fromEntries(cache.map((e) => [e.past,
    new ort.Tensor('float32', new Float32Array(0), [e.kind === 'encoder' ? docs : rows, e.heads, 0, e.headDim])]));
}

/** The permutation that undoes `order`: row r of the caller ran as row inverse[r]. */
function inverse(order: Int32Array): Int32Array {
  const out = new Int32Array(order.length);
  order.forEach((row, j) => { out[row] = j; });
  return out;
}

function boolTensor(value: boolean): ort.Tensor {
  return new ort.Tensor('bool', Uint8Array.from([value ? 1 : 0]), [1]);
}
