/**
 * Where an extractive answer stands in the retrieved passages: every occurrence of its text in each passage's
 * title and text, compared as the span constraint compares them (generator/decoding/span-constraint.ts: case and
 * runs of whitespace ignored), as offsets in UTF-16 code units of the original (what JavaScript's `slice` takes),
 * so a client can highlight it.
 */
import { normalizeSpanText } from '../generator/decoding/span-constraint.js';
import type { Passage } from '../types/corpus.js';

/** One occurrence of the answer: `passage[field].slice(start, end)` reads as the answer. */
export interface AnswerSpan {
  /** Index of the passage among the returned documents. */
  document: number;
  field: 'title' | 'text';
  start: number;
  end: number;
}

/** `text` compared as the constraint compares, each unit of it with the original range it came from. */
function comparable(text: string): { text: string; from: number[]; to: number[] } {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length;) {
    const space = /\s/.exec(text.slice(i, i + 1)) !== null;
    let j = i + 1;
    if (space) while (j < text.length && /\s/.test(text[j]!)) j++;
    else if (text.codePointAt(i)! > 0xffff) j = i + 2;
    const unit = space ? ' ' : text.slice(i, j).toLowerCase();
    for (const c of unit) {
      for (let k = 0; k < c.length; k++) {
        out += c[k];
        from.push(i);
        to.push(j);
      }
    }
    i = j;
  }
  return { text: out, from, to };
}

/** Occurrences of `answer` in `passages`, in document order, at most `limit` of them. */
export function answerSpans(answer: string, passages: readonly Pick<Passage, 'title' | 'text'>[], limit = 20): AnswerSpan[] {
  const spans: AnswerSpan[] = [];
  const wanted = normalizeSpanText(answer);
  if (!wanted) return spans;
  passages.forEach((passage, document) => {
    for (const field of ['title', 'text'] as const) {
      const source = comparable(passage[field]);
      for (let at = source.text.indexOf(wanted); at >= 0 && spans.length < limit; at = source.text.indexOf(wanted, at + 1)) {
        spans.push({ document, field, start: source.from[at]!, end: source.to[at + wanted.length - 1]! });
      }
    }
  });
  return spans;
}
