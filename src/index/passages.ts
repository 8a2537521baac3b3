/**
 * Documents to retrieval passages, under the same rule as the toolchain's `onnx/ragkit/data/passages.py`:
 * words = text split on runs of whitespace; passage n = words[100n, 100(n+1)) joined by single spaces;
 * id `{doc_id}-p{n}`; title = the document's title. A document with no words yields no passage.
 * Also names ids for documents without (the corpus reader, corpus.ts, has checked that explicit ones are unique).
 */
import type { DocumentInput, Passage } from '../types/corpus.js';

/** At most this many whitespace-separated words per passage (the paper's 100-word split). */
export const PASSAGE_WORDS = 100;

/** A document with its id settled. */
export interface IdentifiedDocument {
  id: string;
  title: string;
  text: string;
}

// Exactly the characters Python's str.split() treats as whitespace. JS's \s differs: it lacks \x1c-\x1f and \x85
// and adds \ufeff, which would split a few real-world texts differently from the toolchain.
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Words of a text as Python's `text.split()` finds them. */
export function splitWords(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((w) => w.length > 0);
}

/** The passages of one document, in order. */
export function splitDocument(doc: IdentifiedDocument, maxWords = PASSAGE_WORDS): Passage[] {
  if (!Number.isInteger(maxWords) || maxWords < 1) throw new Error(`maxWords must be a positive integer, got ${maxWords}`);
  const words = splitWords(doc.text);
  const passages: Passage[] = [];
  for (let n = 0; n * maxWords < words.length; n++) {
    passages.push({
      id: `${doc.id}-p${n}`, docId: doc.id, title: doc.title,
      text: words.slice(n * maxWords, (n + 1) * maxWords).join(' '),
    });
  }
  return passages;
}

/** Number of passages `splitDocument` makes of this text, without building them. */
export function countPassages(text: string, maxWords = PASSAGE_WORDS): number {
  return Math.ceil(splitWords(text).length / maxWords);
}

const AUTO_ID = /^doc-\d+(~\d+)?$/;

/**
 * Names documents that came without an id, deterministically: the n-th document of the corpus (1-based, counting
 * all documents) is `doc-n`, or `doc-n~2`, `doc-n~3`... if the corpus already uses that id explicitly. Feed it
 * the explicit ids first (`reserve`), then ask for each document in corpus order (`idFor`).
 */
export class DocumentIds {
  private readonly reserved = new Set<string>();
  private position = 0;

  /** First pass: notes an explicit id (only ids shaped like automatic ones need remembering). */
  reserve(id: string): void {
    if (AUTO_ID.test(id)) this.reserved.add(id);
  }

  /** Second pass: the id of the next document in corpus order. */
  idFor(doc: DocumentInput): string {
    this.position++;
    if (doc.id !== undefined) return doc.id;
    let id = `doc-${this.position}`;
    for (let k = 2; this.reserved.has(id); k++) id = `doc-${this.position}~${k}`;
    this.reserved.add(id);
    return id;
  }
}
