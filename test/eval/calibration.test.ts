import t from 'tap';
import {
  expectedCalibrationError, precisionAtCoverage, reliability, thresholdForPrecision,
} from '../../src/eval/calibration.js';

const records = [
  { confidence: 0.95, correct: true }, { confidence: 0.9, correct: true }, { confidence: 0.85, correct: false },
  { confidence: 0.5, correct: true }, { confidence: 0.45, correct: false }, { confidence: 0.1, correct: false },
  { confidence: 0.05, correct: false }, { confidence: 1, correct: true },
];

t.test('the reliability table bins confidences and compares them with the share right', async (t) => {
  const bins = reliability(records, 4);
  t.same(bins.map((b) => b.count), [2, 1, 1, 4], 'a bin holds its lower edge; a confidence of 1 falls in the last');
  t.equal(bins[3]!.accuracy, 0.75);
  t.ok(Math.abs(bins[3]!.meanConfidence - 0.925) < 1e-12);
  const ece = expectedCalibrationError(records, 4);
  // (2 * |0 - .075| + |0 - .45| + |1 - .5| + 4 * |.75 - .925|) / 8
  t.ok(Math.abs(ece - (2 * 0.075 + 0.45 + 0.5 + 4 * 0.175) / 8) < 1e-12, `ece ${ece}`);
  t.equal(expectedCalibrationError([{ confidence: 1, correct: true }, { confidence: 0, correct: false }]), 0, 'perfectly calibrated');
});

t.test('precision at a coverage keeps the most confident answers', async (t) => {
  t.equal(precisionAtCoverage(records, 0.5), 0.75, 'the top four: three right');
  t.equal(precisionAtCoverage(records, 1), 0.5);
  t.equal(precisionAtCoverage(records, 0.01), 1, 'at least one answer');
});

t.test('the abstention threshold is the lowest that reaches the precision', async (t) => {
  t.same(thresholdForPrecision(records, 0.75), { threshold: 0.5, coverage: 5 / 8 }, 'four of five right from .5 up');
  t.same(thresholdForPrecision(records, 1), { threshold: 0.9, coverage: 3 / 8 });
  t.same(thresholdForPrecision(records, 0.5), { threshold: 0, coverage: 1 }, 'everything already that precise');
  t.same(thresholdForPrecision([{ confidence: 0.7, correct: false }], 0.5), { threshold: 1, coverage: 0 }, 'none reaches it');
  const ties = [{ confidence: 0.6, correct: true }, { confidence: 0.6, correct: false }, { confidence: 0.2, correct: false }];
  t.same(thresholdForPrecision(ties, 1), { threshold: 1, coverage: 0 }, 'a threshold cannot split equal confidences');
});
