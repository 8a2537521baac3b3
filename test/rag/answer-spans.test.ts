import t from 'tap';
import { answerSpans } from '../../src/rag/answer-spans.js';

t.test('every place an answer stands, in title or text, as offsets that slice it back out', async (t) => {
  const passages = [
    { title: 'Paris', text: 'Paris is the capital of France. Paris lies on the Seine.' },
    { title: 'Seine', text: 'The Seine flows through Paris.' },
    { title: 'Lyon', text: 'No match here.' },
  ];
  const spans = answerSpans('Paris', passages);
  t.same(spans.map((s) => [s.document, s.field]), [[0, 'title'], [0, 'text'], [0, 'text'], [1, 'text']]);
  for (const s of spans) t.equal(passages[s.document]![s.field].slice(s.start, s.end), 'Paris');
  t.equal(answerSpans('paris', passages).length, 4, 'in any case');
  t.same(answerSpans('Berlin', passages), [], 'an answer found nowhere has no span');
  t.same(answerSpans('', passages), [], 'nor has an empty one');
  t.equal(answerSpans('a', [{ title: '', text: 'a'.repeat(50) }], 5).length, 5, 'at most the limit');
  const accented = answerSpans('Curie', [{ title: 'x', text: 'Émile and 😀 Marie Curie' }])[0]!;
  t.equal(accented.start, 'Émile and 😀 Marie '.length, 'offsets in UTF-16 code units');
  const loose = [{ title: 'x', text: 'It was  MARIE\n curie who' }];
  const [span] = answerSpans('Marie Curie', loose);
  t.equal(loose[0]!.text.slice(span!.start, span!.end), 'MARIE\n curie', 'compared as the span constraint compares: case and spacing aside');
});
