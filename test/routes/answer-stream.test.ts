import t from 'tap';
import { ValidationError } from '../../src/errors.js';
import { startTestApp, waitFor } from '../helpers/build-test-app.js';

/** Parses a text/event-stream body into [event, data] pairs. */
function parseEvents(text: string): Array<[string, any]> {
  return text.split('\n\n').filter((f) => f.trim()).map((frame) => {
    const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
    const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
    return [event, JSON.parse(data)];
  });
}

function streamAnswer(url: string, body: object, signal?: AbortSignal) {
  return fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
}

t.test('POST /answer with stream: true sends token events then one done event with the full JSON', async (t) => {
  const { url, engine } = await startTestApp(t);
  const res = await streamAnswer(url, { question: 'unix', explain: true });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = parseEvents(await res.text());
  const tokens = events.filter(([e]) => e === 'token').map(([, d]) => d.text);
  t.same(tokens, ['Unix', ' is', ' the', ' answer']);
  t.same(events.map(([e]) => e), ['token', 'token', 'token', 'token', 'done']);
  const done = events.at(-1)![1];
  t.equal(done.answer, tokens.join(''), 'the done event carries the streamed text');
  t.equal(done.documents[0].doc_id, 'd2');
  t.equal(done.tokens.length, 4);
  t.equal(engine.calls[0]!.numBeams, 1, 'streaming decodes greedily');
});

t.test('POST /answer with stream: true refuses beam search, and errors before the first token are plain HTTP', async (t) => {
  const { url, engine } = await startTestApp(t);
  let res = await streamAnswer(url, { question: 'q', num_beams: 4 });
  t.equal(res.status, 400);
  t.same(await res.json(), {
    error: { code: 'invalid_request', message: '`num_beams` must be 1 when `stream` is true (streaming decodes greedily)' },
  });
  t.equal((await streamAnswer(url, { question: 'q', num_beams: 1 })).status, 200);
  engine.isReady = false;
  res = await streamAnswer(url, { question: 'q' });
  t.equal(res.status, 503);
  t.match(res.headers.get('content-type'), /^application\/json/);
  engine.isReady = true;
  engine.failWith = new ValidationError('`question` must be at most 256 tokens');
  res = await streamAnswer(url, { question: 'q' });
  t.equal(res.status, 400);
});

t.test('POST /answer with stream: true reports a failure after the first token as an error event', async (t) => {
  const { url, engine } = await startTestApp(t, { RAG_REQUEST_TIMEOUT_MS: '250' });
  engine.stepDelayMs = 100;
  const res = await streamAnswer(url, { question: 'lisp' });
  t.equal(res.status, 200);
  const events = parseEvents(await res.text());
  t.equal(events[0]![0], 'token');
  t.same(events.at(-1), ['error', { error: { code: 'deadline_exceeded', message: 'the request did not finish within its deadline of 250 ms' } }]);
  t.notOk(events.some(([e]) => e === 'done'));
});

t.test('POST /answer with stream: true cancels generation when the client disconnects mid-stream', async (t) => {
  const { url, engine } = await startTestApp(t);
  engine.stepDelayMs = 40;
  const controller = new AbortController();
  const res = await streamAnswer(url, { question: 'lisp' }, controller.signal);
  const reader = res.body!.getReader();
  const first = await reader.read();
  t.match(new TextDecoder().decode(first.value), /event: token/);
  controller.abort();
  await waitFor(() => engine.aborted === 1);
  t.equal(engine.aborted, 1);
});
