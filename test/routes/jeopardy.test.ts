import t from 'tap';
import { postJson, startTestApp, waitFor } from '../helpers/build-test-app.js';

t.test('POST /jeopardy returns a clue as `question` with documents and timings', async (t) => {
  const { url, engine } = await startTestApp(t);
  const res = await postJson(`${url}/jeopardy`, { answer: ' FORTRAN ', n_docs: 2, mode: 'sequence' });
  t.equal(res.status, 200);
  t.same(Object.keys(res.json).sort(), ['confidence', 'documents', 'index_version', 'mode', 'question', 'timings_ms']);
  t.equal(res.json.question, 'FORTRAN is the answer');
  t.equal(res.json.mode, 'sequence');
  t.equal(res.json.documents.length, 2);
  t.match(engine.calls[0], { answer: 'FORTRAN', nDocs: 2, mode: 'sequence', numBeams: 4, maxNewTokens: 50 });
});

t.test('POST /jeopardy answers 400 naming the field and its limit', async (t) => {
  const { url } = await startTestApp(t);
  const cases: Array<[unknown, string]> = [
    [{}, '`answer` is required'],
    [{ answer: '   ' }, '`answer` must be between 1 and 2000 characters'],
    [{ answer: 'a'.repeat(2001) }, '`answer` must be between 1 and 2000 characters'],
    [{ answer: 'a', n_docs: 51 }, '`n_docs` must be an integer between 1 and 50'],
    [{ answer: 'a', num_beams: 9 }, '`num_beams` must be an integer between 1 and 8'],
    [{ answer: 'a', max_new_tokens: 300 }, '`max_new_tokens` must be an integer between 1 and 256'],
    [{ answer: 'a', mode: 'x' }, '`mode` must be one of "token", "sequence"'],
    [{ answer: 'a', question: 'q' }, 'unknown field `question` in the body'],
  ];
  for (const [body, message] of cases) {
    const res = await postJson(`${url}/jeopardy`, body);
    t.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
    t.same(res.json, { error: { code: 'invalid_request', message } });
  }
});

t.test('POST /jeopardy answers 503 when not ready and 429 when saturated', async (t) => {
  const { url, engine } = await startTestApp(t, { RAG_MAX_CONCURRENT: '1', RAG_MAX_QUEUE: '0' });
  engine.isReady = false;
  t.equal((await postJson(`${url}/jeopardy`, { answer: 'a' })).status, 503);
  engine.isReady = true;
  let open!: () => void;
  engine.gate = new Promise((r) => (open = r));
  const first = postJson(`${url}/jeopardy`, { answer: 'a' });
  await waitFor(() => engine.calls.length === 1);
  const second = await postJson(`${url}/jeopardy`, { answer: 'b' });
  t.equal(second.status, 429);
  t.ok(second.headers.get('retry-after'));
  open();
  t.equal((await first).status, 200);
});
