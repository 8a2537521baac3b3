/**
 * Answer metrics with SQuAD's normalization (lower case, punctuation and articles removed, single spaces), as
 * the toolchain's `onnx/ragkit/eval/metrics.py`, so that the CLI and the training report agree.
 */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** SQuAD's answer normalization. */
export function normalizeAnswer(text: string): string {
  return text.toLowerCase().replace(PUNCTUATION, '').replace(/\b(a|an|the)\b/g, ' ').split(/\s+/).filter(Boolean).join(' ');
}

/** 1 when the prediction equals one of the answers after normalization, else 0. */
export function exactMatch(prediction: string, answers: readonly string[]): number {
  const p = normalizeAnswer(prediction);
  return answers.some((a) => normalizeAnswer(a) === p) ? 1 : 0;
}

/** The best token-overlap F1 of the prediction against the answers. */
export function f1Score(prediction: string, answers: readonly string[]): number {
  const pred = normalizeAnswer(prediction).split(' ').filter(Boolean);
  return Math.max(0, ...answers.map((answer) => {
    const gold = normalizeAnswer(answer).split(' ').filter(Boolean);
    const counts = new Map<string, number>();
    for (const w of gold) counts.set(w, (counts.get(w) ?? 0) + 1);
    let common = 0;
    for (const w of pred) {
      const c = counts.get(w) ?? 0;
      if (c > 0) { common++; counts.set(w, c - 1); }
    }
    if (common === 0) return 0;
    const precision = common / pred.length;
    const recall = common / gold.length;
    return (2 * precision * recall) / (precision + recall);
  }));
}
