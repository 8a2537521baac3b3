/**
 * `rag calibrate records.jsonl... [--dev FILE,FILE] [--precision P]`: how well the confidences that `rag eval
 * --records` wrote predict exact match. Prints the reliability table, the expected calibration error and precision
 * at 50% and 80% coverage for the held-out records; with `--dev`, the abstention threshold (`min_confidence`) that
 * reaches precision P on the dev records, and what it keeps and how precise it is on the held-out ones.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  expectedCalibrationError, precisionAtCoverage, reliability, thresholdForPrecision, type ConfidenceRecord,
} from '../eval/calibration.js';

async function readRecords(paths: readonly string[]): Promise<ConfidenceRecord[]> {
  const lines = await Promise.all(paths.map(async (path) => (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim())));
  return lines.flat().map((line) => {
    const r = JSON.parse(line) as ConfidenceRecord;
    if (typeof r.confidence !== 'number' || typeof r.correct !== 'boolean') throw new Error(`a record needs "confidence" and "correct": ${line}`);
    return r;
  });
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Prints the calibration report; returns its figures. */
export async function calibrate(paths: readonly string[], devPaths: readonly string[], precision: number) {
  const held = paths.filter((p) => !devPaths.some((d) => basename(d) === basename(p)));
  const records = await readRecords(held);
  console.log(`held-out records: ${records.length} from ${held.length} files`);
  console.log('| confidence | answers | mean confidence | exact match |\n|---|---|---|---|');
  for (const b of reliability(records)) {
    console.log(`| ${b.from.toFixed(1)}-${b.to.toFixed(1)} | ${b.count} | ${b.count ? b.meanConfidence.toFixed(3) : '-'} | ${b.count ? pct(b.accuracy) : '-'} |`);
  }
  const ece = expectedCalibrationError(records);
  const at50 = precisionAtCoverage(records, 0.5);
  const at80 = precisionAtCoverage(records, 0.8);
  const all = records.filter((r) => r.correct).length / Math.max(1, records.length);
  console.log(`\nexact match ${pct(all)}; expected calibration error ${ece.toFixed(3)}; precision at 50% coverage ${pct(at50)}, at 80% ${pct(at80)}`);
  if (devPaths.length === 0) return { ece, at50, at80 };
  const dev = await readRecords(devPaths);
  const chosen = thresholdForPrecision(dev, precision);
  const kept = records.filter((r) => r.confidence >= chosen.threshold);
  const keptPrecision = kept.filter((r) => r.correct).length / Math.max(1, kept.length);
  console.log(`min_confidence ${chosen.threshold.toFixed(3)} reaches ${pct(precision)} precision on ${dev.length} dev records `
    + `(keeps ${pct(chosen.coverage)}); on the held-out records it keeps ${pct(kept.length / Math.max(1, records.length))} `
    + `at ${pct(keptPrecision)} precision`);
  return { ece, at50, at80, threshold: chosen.threshold };
}
