import t from 'tap';
import { exactMatch, f1Score, normalizeAnswer } from '../../src/eval/answer-metrics.js';

t.test('normalization drops case, punctuation and articles as SQuAD does', async (t) => {
  t.equal(normalizeAnswer('The  Bell Labs, Inc.'), 'bell labs inc');
});

t.test('exact match compares normalized answers', async (t) => {
  t.equal(exactMatch('the Bell Labs', ['AT&T', 'Bell Labs']), 1);
  t.equal(exactMatch('Bell', ['Bell Labs']), 0);
});

t.test('F1 counts shared tokens against the best answer', async (t) => {
  t.equal(f1Score('Ken Thompson', ['Ken Thompson and Dennis Ritchie']), (2 * 1 * 0.4) / 1.4); // precision 1, recall 2/5
  t.equal(f1Score('nothing shared', ['Bell Labs']), 0);
  t.equal(f1Score('Bell Labs', ['x', 'Bell Labs']), 1);
});
