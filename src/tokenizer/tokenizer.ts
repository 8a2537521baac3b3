/**
 * A Hugging Face `tokenizer.json` (pure JS, @huggingface/tokenizers) with what the encoders and the generator
 * need on top: pairs with token type ids, truncation that keeps the special tokens, right-padded batches, decode.
 * Truncation is "longest first" on the content, as the toolchain's `ragkit/tokenizers/encoders.py` does: drop
 * the last token of the longer part (the first part on ties) until it fits, then add the special tokens.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

/** Ids of one text (or pair) with its attention mask and token type ids, all of the same length. */
export interface EncodedText {
  ids: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

/** A right-padded batch: every row has `width` entries; padding has attention 0 and type 0. */
export interface EncodedBatch {
  ids: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  width: number;
}

/** A text, or a (first, second) pair such as DPR's (title, passage). */
export type TextInput = string | readonly [string, string];

/** Options of one encode call. */
export interface EncodeOptions {
  /** Longest result, special tokens included (default: the tokenizer's `model_max_length`). */
  maxLength?: number;
  /** Add the post-processor's special tokens (default true). */
  addSpecialTokens?: boolean;
}

/** A loaded tokenizer; see the module comment. */
export class TextTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly specialCount: { single: number; pair: number };
  /** Id used for right padding. */
  readonly padId: number;
  /** Default maximum length (`model_max_length` of tokenizer_config.json, else 512). */
  readonly maxLength: number;

  constructor(private readonly tokenizer: Tokenizer, config: Record<string, unknown> = {}) {
    this.vocab = tokenizer.get_vocab(true);
    this.specialIds = new Set([...tokenizer.get_added_tokens_decoder()].filter(([, t]) => t.special).map(([id]) => id));
    this.specialCount = { single: this.postProcess([], null, true).length, pair: this.postProcess([], [], true).length };
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : undefined;
    this.padId = [padToken, '[PAD]', '<pad>'].map((t) => (t === undefined ? undefined : this.vocab.get(t)))
      .find((id) => id !== undefined) ?? 0;
    const max = config.model_max_length;
    this.maxLength = typeof max === 'number' && Number.isInteger(max) && max > 0 && max < 1e6 ? max : 512;
  }

  /**
   * Loads `tokenizer.json` (and `tokenizer_config.json` beside it, when present) from a folder or the file's path.
   */
  static async load(path: string): Promise<TextTokenizer> {
    const dir = basename(path) === 'tokenizer.json' ? dirname(path) : path;
    const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const config = await readFile(join(dir, 'tokenizer_config.json'), 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>, () => ({}));
    return new TextTokenizer(new Tokenizer(json, config), config);
  }

  /** Vocabulary size, added tokens included. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Every id of the vocabulary, added tokens included. */
  ids(): Iterable<number> {
    return this.vocab.values();
  }

  /** The id of a token string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** True for ids of special tokens (`[CLS]`, `</s>`, padding...). */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Encodes a text or a pair; see the module comment for truncation. */
  encode(input: TextInput, opts: EncodeOptions = {}): EncodedText {
    const addSpecial = opts.addSpecialTokens ?? true;
    const maxLength = opts.maxLength ?? this.maxLength;
    const [first, second] = typeof input === 'string' ? [input, null] : input;
    const a = this.tokenizer.tokenize(first);
    const b = second === null ? null : this.tokenizer.tokenize(second);
    const budget = maxLength - (addSpecial ? (b ? this.specialCount.pair : this.specialCount.single) : 0);
    if (budget < 0) throw new Error(`maxLength ${maxLength} leaves no room for the special tokens`);
    while (a.length + (b ? b.length : 0) > budget) {
      if (b && b.length > a.length) b.pop();
      else a.pop();
    }
    const processed = this.postProcessFull(a, b, addSpecial);
    const ids = processed.tokens.map((t) => this.vocab.get(t) ?? this.unkId());
    return { ids, attentionMask: ids.map(() => 1), tokenTypeIds: processed.typeIds };
  }

  /** Encodes several inputs and right-pads them to the longest (after truncation to `maxLength`). */
  encodeBatch(inputs: readonly TextInput[], opts: EncodeOptions = {}): EncodedBatch {
    return this.pad(inputs.map((input) => this.encode(input, opts)));
  }

  /** Right-pads encoded rows to the longest one. */
  pad(rows: readonly EncodedText[]): EncodedBatch {
    const width = rows.reduce((w, r) => Math.max(w, r.ids.length), 0);
    const pad = (values: number[], fill: number) => values.concat(new Array(width - values.length).fill(fill));
    return {
      ids: rows.map((r) => pad(r.ids, this.padId)),
      attentionMask: rows.map((r) => pad(r.attentionMask, 0)),
      tokenTypeIds: rows.map((r) => pad(r.tokenTypeIds, 0)),
      width,
    };
  }

  /** Text of ids; special tokens are dropped unless `skipSpecialTokens` is false. */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    const kept = skipSpecialTokens ? ids.filter((id) => !this.specialIds.has(id)) : [...ids];
    if (kept.length === 0) return '';
    return this.tokenizer.decode(kept, { skip_special_tokens: skipSpecialTokens });
  }

  private postProcess(a: string[], b: string[] | null, addSpecial: boolean): string[] {
    return this.postProcessFull(a, b, addSpecial).tokens;
  }

  /** Applies the tokenizer.json post-processor (special tokens, type ids), or plain concatenation without one. */
  private postProcessFull(a: string[], b: string[] | null, addSpecial: boolean): { tokens: string[]; typeIds: number[] } {
    const processor = this.tokenizer.post_processor;
    if (!processor) {
      return { tokens: [...a, ...(b ?? [])], typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)] };
    }
    // NOTE: a ByteLevel post-processor returns the second part separately (tokens_pair) and no type ids.
    const out = processor.post_process(a, b, addSpecial) as { tokens: string[]; tokens_pair?: string[]; token_type_ids?: number[] };
    const tokens = out.tokens_pair ? [...out.tokens, ...out.tokens_pair] : out.tokens;
    return { tokens, typeIds: out.token_type_ids ?? tokens.map(() => 0) };
  }

  private unkId(): number {
    const id = ['[UNK]', '<unk>'].map((t) => this.vocab.get(t)).find((x) => x !== undefined);
    if (id === undefined) throw new Error('the tokenizer produced a token outside its vocabulary and has no unknown token');
    return id;
  }
}
