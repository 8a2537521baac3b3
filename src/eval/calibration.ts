/**
 * How well answer confidences predict correctness, over records of answered questions: a reliability table (per
 * confidence bin, the mean confidence against the share answered right), the expected calibration error (those
 * gaps weighted by the bins' sizes), precision at a coverage (answer only the most confident share), and the
 * abstention threshold that reaches a precision.
 */

/** One answered question: the answer's confidence and whether it matched. */
export interface ConfidenceRecord {
  confidence: number;
  correct: boolean;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** Equal-width confidence bins over [0, 1]; empty bins are kept (count 0) so tables line up. */
export function reliability(records: readonly ConfidenceRecord[], bins = 10): ReliabilityBin[] {
  return Array.from({ length: bins }, (_, b) => {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = records.filter((r) => r.confidence >= from && (r.confidence < to || (b === bins - 1 && r.confidence <= to)));
    const mean = (f: (r: ConfidenceRecord) => number) => (inBin.length ? inBin.reduce((s, r) => s + f(r), 0) / inBin.length : 0);
    return { from, to, count: inBin.length, meanConfidence: mean((r) => r.confidence), accuracy: mean((r) => Number(r.correct)) };
  });
}

/** Expected calibration error: the bins' |accuracy - mean confidence|, weighted by their share of the records. */
export function expectedCalibrationError(records: readonly ConfidenceRecord[], bins = 10): number {
  if (records.length === 0) return 0;
  return reliability(records, bins).reduce((s, b) => s + (b.count / records.length) * Math.abs(b.accuracy - b.meanConfidence), 0);
}

const byConfidence = (records: readonly ConfidenceRecord[]) => [...records].sort((a, b) => b.confidence - a.confidence);

/** The share right among the `coverage` most confident answers (at least one answer). */
export function precisionAtCoverage(records: readonly ConfidenceRecord[], coverage: number): number {
  if (records.length === 0) return 0;
  const kept = byConfidence(records).slice(0, Math.max(1, Math.round(coverage * records.length)));
  return kept.filter((r) => r.correct).length / kept.length;
}

/**
 * The lowest confidence threshold at which the answers kept are right at least `precision` of the time, and the
 * share it keeps; 0 keeps everything when the whole set is already that precise, 1 when no threshold reaches it.
 */
export function thresholdForPrecision(records: readonly ConfidenceRecord[], precision: number): { threshold: number; coverage: number } {
  const sorted = byConfidence(records);
  let right = 0;
  let best: { threshold: number; coverage: number } = { threshold: 1, coverage: 0 };
  sorted.forEach((r, i) => {
    right += Number(r.correct);
    const tie = i + 1 < sorted.length && sorted[i + 1]!.confidence === r.confidence;
    if (!tie && right / (i + 1) >= precision) best = { threshold: i + 1 === sorted.length ? 0 : r.confidence, coverage: (i + 1) / sorted.length };
  });
  return best;
}
