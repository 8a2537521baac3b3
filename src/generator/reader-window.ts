/**
 * The part of a retrieved passage a small reader is given: the window of `words` words that holds the most of the
 * question's words. A bundle asks for it in `rag_config.json` (`tasks.<task>.window_words`) when its reader was
 * trained on short passages and reads a whole 100-word passage worse (onnx/EXPERIMENTS.md, reader windows); a
 * bundle that does not ask reads whole passages, as the paper's generator does. Retrieval, the returned passages
 * and their answer spans are unchanged: only the generator's input is narrowed.
 */

/** Words too common to say which part of a passage a question is about. */
const STOPWORDS = new Set(
  ('a an and are as at be been by did do does for from had has have he her his how in into is it its last many much ' +
    'name of on or she than that the their them they this to was were what when where which who whom whose why ' +
    'with year years').split(' '),
);
/** Two words of at least this many letters that begin alike count as one ("launched", "launch"). */
const STEM = 5;

function contentTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

function sameTerm(a: string, b: string): boolean {
  if (a === b) return true;
  return a.length >= STEM && b.length >= STEM && a.slice(0, STEM) === b.slice(0, STEM);
}

/** Per word of the passage, the indices of the question terms it holds. */
function termsPerWord(words: string[], questionTerms: string[]): number[][] {
  return words.map((word) => {
    const terms = contentTerms(word);
    return questionTerms.flatMap((q, i) => (terms.some((w) => sameTerm(q, w)) ? [i] : []));
  });
}

/**
 * The window of `size` whitespace-separated words of `text` that holds the most distinct terms of `question`;
 * `text` itself when it is no longer. Of equal windows, the one whose question words stand nearest a third of the
 * way in (a field's value, a sentence's object, follow the words a question repeats), then the earliest (a
 * passage's start usually defines its subject).
 */
export function readerWindow(text: string, question: string, size: number): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  if (words.length <= size) return text;
  const matches = termsPerWord(words, [...new Set(contentTerms(question))]);
  let best = { start: 0, covered: -1, offCentre: 0 };
  for (let start = 0; start + size <= words.length; start++) {
    const covered = new Set<number>();
    let positions = 0;
    let matched = 0;
    for (let i = 0; i < size; i++) {
      const held = matches[start + i];
      if (held.length === 0) continue;
      held.forEach((q) => covered.add(q));
      positions += i;
      matched++;
    }
    const offCentre = matched === 0 ? 0 : Math.abs(positions / matched - size / 3);
    if (covered.size > best.covered || (covered.size === best.covered && offCentre < best.offCentre)) {
      best = { start, covered: covered.size, offCentre };
    }
  }
  return words.slice(best.start, best.start + size).join(' ');
}
