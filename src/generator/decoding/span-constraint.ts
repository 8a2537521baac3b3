/**
 * Extractive answers (docs/DECODING.md, "Extractive answers"): a processor that lets a row generate only text that
 * occurs in its documents, starting at a word and ending at a word's end, compared case-insensitively.
 * The embedded default's small generator reads the right place but garbles the names it copies; held to the
 * passages it answers more questions (numbers in onnx/ragkit/span_constraint.py, the reference of this rule).
 */

/** What the constraint needs of a tokenizer. */
export interface PieceSource {
  ids(): Iterable<number>;
  isSpecial(id: number): boolean;
  decode(ids: readonly number[]): string;
}

const isWordChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

/** How sources and generated text are compared: whitespace runs as one space, trimmed, lower case. */
export function normalizeSpanText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

/**
 * Each token's text in lower case, built once per tokenizer: `pieces` maps a piece to its ids, `starts` a piece
 * without its leading spaces to the ids that may open an answer. Special tokens and pieces holding U+FFFD (a split
 * multi-byte character) are in neither, so they are never generated under the constraint.
 */
export class PieceVocabulary {
  readonly pieces = new Map<string, number[]>();
  readonly starts = new Map<string, number[]>();
  readonly textOf = new Map<number, string>();
  longest = 1;

  constructor(tokenizer: PieceSource) {
    for (const id of tokenizer.ids()) {
      if (tokenizer.isSpecial(id)) continue;
      const piece = tokenizer.decode([id]).toLowerCase();
      if (piece === '' || piece.includes('\ufffd')) continue;
      push(this.pieces, piece, id);
      const opening = piece.replace(/^ +/, '');
      if (opening !== '') push(this.starts, opening, id);
      this.textOf.set(id, piece);
      this.longest = Math.max(this.longest, piece.length);
    }
  }
}

/** A source text with the positions where its words start. */
interface Source {
  text: string;
  wordStarts: number[];
}

function source(text: string): Source {
  const wordStarts: number[] = [];
  for (let i = 0; i < text.length; i++) if (isWordChar(text[i]) && (i === 0 || !isWordChar(text[i - 1]))) wordStarts.push(i);
  return { text, wordStarts };
}

/** Holds answers to spans of documents; per document, the texts an answer may be copied from (title and text). */
export class SpanConstraint {
  private constructor(
    private readonly vocab: PieceVocabulary,
    private readonly docs: readonly Source[][],
    private readonly eosTokenId: number,
    private readonly bosTokenId: number | null,
    private readonly only: readonly number[] | null,
  ) {}

  /** The rule over every document, given per document the texts an answer may be copied from. */
  static over(vocab: PieceVocabulary, docs: readonly (readonly string[])[], eosTokenId: number, bosTokenId: number | null): SpanConstraint {
    const sources = docs.map((texts) => texts.map(normalizeSpanText).filter((t) => t !== '').map(source));
    return new SpanConstraint(vocab, sources, eosTokenId, bosTokenId, null);
  }

  /** The same rule over documents `docs` only (RAG-Sequence: each document's beams copy from it alone). */
  forDocs(docs: readonly number[]): SpanConstraint {
    return new SpanConstraint(this.vocab, this.docs, this.eosTokenId, this.bosTokenId, docs);
  }

  /** The row's generated text so far (`tokens` include the decoder start token), compared form. */
  answerText(tokens: readonly number[]): string {
    let text = '';
    for (let i = 1; i < tokens.length; i++) text += this.vocab.textOf.get(tokens[i]) ?? '';
    return text.replace(/^ +/, '');
  }

  /** The token ids that keep the answer a span of the documents, and whether eos may end it here. */
  allowed(tokens: readonly number[]): { ids: Set<number>; eosOk: boolean } {
    const answer = this.answerText(tokens);
    const ids = new Set<number>();
    let eosOk = false;
    const add = (list: number[] | undefined) => list?.forEach((id) => ids.add(id));
    const docs = this.only ?? this.docs.map((_, k) => k);
    for (const k of docs) {
      for (const { text, wordStarts } of this.docs[k] ?? []) {
        for (const start of wordStarts) {
          if (answer === '') {
            for (let n = 1; n <= Math.min(this.vocab.longest, text.length - start); n++) add(this.vocab.starts.get(text.slice(start, start + n)));
            continue;
          }
          if (!text.startsWith(answer, start)) continue;
          const end = start + answer.length;
          eosOk ||= end === text.length || !isWordChar(text[end]);
          for (let n = 1; n <= Math.min(this.vocab.longest, text.length - end); n++) add(this.vocab.pieces.get(text.slice(end, end + n)));
        }
      }
    }
    return { ids, eosOk };
  }

  /**
   * The ids the rule lets follow `tokens`. On the first step bos stays (BART opens with `<s>`, forced or not);
   * when nothing would remain, eos may end the answer.
   */
  permitted(tokens: readonly number[]): Set<number> {
    const { ids, eosOk } = this.allowed(tokens);
    if (eosOk || ids.size === 0) ids.add(this.eosTokenId);
    if (this.bosTokenId !== null && tokens.length === 1) ids.add(this.bosTokenId);
    return ids;
  }

  /** Sets every token outside `permitted(tokens)` to -inf, in place. */
  restrict(scores: Float64Array, tokens: readonly number[]): Float64Array {
    const ids = this.permitted(tokens);
    for (let v = 0; v < scores.length; v++) if (!ids.has(v)) scores[v] = -Infinity;
    return scores;
  }
}
