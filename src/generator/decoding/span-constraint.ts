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

/** A character trie of piece texts: walking a text from a position meets every piece the text goes on with there. */
class PieceTrie {
  private readonly root: TrieNode = { next: new Map(), ids: [] };

  insert(piece: string, id: number): void {
    let node = this.root;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: new Map(), ids: [] }));
      node = child;
    }
    node.ids.push(id);
  }

  /** Adds to `out` the ids of every piece that `text` holds at `from`. */
  collect(text: string, from: number, out: Set<number>): void {
    let node: TrieNode | undefined = this.root;
    for (let i = from; i < text.length; i++) {
      node = node.next.get(text.charCodeAt(i));
      if (!node) return;
      for (const id of node.ids) out.add(id);
    }
  }
}

interface TrieNode {
  next: Map<number, TrieNode>;
  ids: number[];
}

/**
 * Each token's text in lower case, built once per tokenizer: `pieces` finds the pieces a text goes on with,
 * `starts` those that may open an answer (a piece without its leading spaces). Special tokens and pieces holding
 * U+FFFD (a split multi-byte character) are in neither, so they are never generated under the constraint.
 */
export class PieceVocabulary {
  readonly pieces = new PieceTrie();
  readonly starts = new PieceTrie();
  readonly textOf = new Map<number, string>();

  constructor(tokenizer: PieceSource) {
    for (const id of tokenizer.ids()) {
      if (tokenizer.isSpecial(id)) continue;
      const piece = tokenizer.decode([id]).toLowerCase();
      if (piece === '' || piece.includes('\ufffd')) continue;
      this.pieces.insert(piece, id);
      const opening = piece.replace(/^ +/, '');
      if (opening !== '') this.starts.insert(opening, id);
      this.textOf.set(id, piece);
    }
  }
}

/** What may follow an answer: the ids that keep it a span, and whether it may end there. */
interface Allowed {
  ids: Set<number>;
  eosOk: boolean;
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

  private readonly permittedSeen = new Map<string, ReadonlySet<number>>();

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
  allowed(tokens: readonly number[]): Allowed {
    return this.search(this.answerText(tokens));
  }

  private search(answer: string): Allowed {
    const ids = new Set<number>();
    let eosOk = false;
    const docs = this.only ?? this.docs.map((_, k) => k);
    for (const k of docs) {
      for (const { text, wordStarts } of this.docs[k] ?? []) {
        for (const start of wordStarts) {
          if (answer === '') {
            this.vocab.starts.collect(text, start, ids);
            continue;
          }
          if (!text.startsWith(answer, start)) continue;
          const end = start + answer.length;
          eosOk ||= end === text.length || !isWordChar(text[end]);
          this.vocab.pieces.collect(text, end, ids);
        }
      }
    }
    return { ids, eosOk };
  }

  /**
   * The ids the rule lets follow `tokens`. On the first step bos stays (BART opens with `<s>`, forced or not);
   * when nothing would remain, eos may end the answer. Beams and steps ask again for the same answer text, so each
   * text's set is kept for the life of the constraint (one request), shared by the callers.
   */
  permitted(tokens: readonly number[]): ReadonlySet<number> {
    const first = this.bosTokenId !== null && tokens.length === 1;
    const answer = this.answerText(tokens);
    const key = first ? `\u0000${answer}` : answer;
    let ids = this.permittedSeen.get(key);
    if (!ids) {
      const { ids: found, eosOk } = this.search(answer);
      if (eosOk || found.size === 0) found.add(this.eosTokenId);
      if (first) found.add(this.bosTokenId!);
      this.permittedSeen.set(key, (ids = found));
    }
    return ids;
  }

  /** Sets every token outside `permitted(tokens)` to -inf, in place. */
  restrict(scores: Float64Array, tokens: readonly number[]): Float64Array {
    const ids = this.permitted(tokens);
    for (let v = 0; v < scores.length; v++) if (!ids.has(v)) scores[v] = -Infinity;
    return scores;
  }
}
