import t from 'tap';
import { ValidationError } from '../../src/errors.js';
import type { AnswerRequest } from '../../src/rag/types.js';
import { metricValue, postJson, startTestApp, waitFor } from '../helpers/build-test-app.js';

t.test('POST /answer returns the answer, documents with weights, index version and timings', async (t) => {
  const { url, engine } = await startTestApp(t);
  const res = await postJson(`${url}/answer`, { question: '  What is Lisp?  ' });
  t.equal(res.status, 200);
  t.equal(res.json.answer, 'Lisp is the answer');
  t.equal(res.json.mode, 'token');
  t.equal(res.json.index_version, 'v-fake');
  t.same(Object.keys(res.json.timings_ms).sort(), ['generate', 'retrieve', 'total']);
  t.same(Object.keys(res.json.documents[0]).sort(), ['doc_id', 'id', 'score', 'text', 'title', 'weight']);
  t.equal(res.json.documents[0].doc_id, 'd1');
  const total = res.json.documents.reduce((s: number, d: { weight: number }) => s + d.weight, 0);
  t.ok(Math.abs(total - 1) < 1e-9, 'weights sum to 1');
  t.notOk('tokens' in res.json, 'no tokens without explain');
  t.match(engine.calls[0], { question: 'What is Lisp?', nDocs: 5, mode: 'token', numBeams: 4, maxNewTokens: 50 },
    'the question is trimmed and the defaults applied');
  t.ok(res.headers.get('x-request-id'));
});

t.test('POST /answer passes the options and explain adds per-token document weights', async (t) => {
  const { url, engine } = await startTestApp(t);
  const res = await postJson(`${url}/answer`, {
    question: 'unix', n_docs: 2, mode: 'sequence', num_beams: 1, max_new_tokens: 3, explain: true, extractive: false,
  });
  t.equal(res.status, 200);
  t.equal(res.json.mode, 'sequence');
  t.equal(res.json.documents.length, 2);
  t.equal(res.json.answer, 'Unix is the');
  t.equal(res.json.tokens.length, 3);
  t.equal(res.json.tokens[0].doc_weights.length, 2);
  t.match(engine.calls[0], { nDocs: 2, mode: 'sequence', numBeams: 1, maxNewTokens: 3, explain: true, extractive: false });
  await postJson(`${url}/answer`, { question: 'unix' });
  t.equal((engine.calls[1] as AnswerRequest).extractive, undefined, 'no extractive: the bundle decides');
});

t.test('POST /answer carries a confidence, abstains below min_confidence and counts abstentions', async (t) => {
  const { url, engine } = await startTestApp(t);
  const sure = await postJson(`${url}/answer`, { question: 'What is Lisp?' });
  t.equal(sure.json.abstained, false);
  t.ok(sure.json.confidence > 0 && sure.json.confidence <= 1, `confidence ${sure.json.confidence}`);
  t.equal(await metricValue(url, 'rag_abstentions_total'), 0);
  const unsure = await postJson(`${url}/answer`, { question: 'What is Lisp?', min_confidence: 1 });
  t.equal(unsure.status, 200);
  t.same([unsure.json.answer, unsure.json.abstained], [null, true], 'no answer below the minimum');
  t.same(unsure.json.documents, sure.json.documents, 'the documents still come back');
  t.equal(await metricValue(url, 'rag_abstentions_total'), 1);
  await postJson(`${url}/answer`, { question: 'unix', explain: 'loo' });
  t.match(engine.calls.at(-1), { explain: true, attribution: true }, 'explain "loo" asks for tokens and attribution');
  await postJson(`${url}/answer`, { question: 'unix', explain: 'tokens' });
  t.match(engine.calls.at(-1), { explain: true, attribution: false });
  await postJson(`${url}/answer`, { question: 'unix', mode: 'sequence', thorough: false });
  t.match(engine.calls.at(-1), { mode: 'sequence', fast: true }, 'thorough: false asks for fast RAG-Sequence');
  await postJson(`${url}/answer`, { question: 'unix', mode: 'sequence' });
  t.match(engine.calls.at(-1), { fast: false }, 'thorough by default');
});

t.test('POST /answer accepts the bounds themselves', async (t) => {
  const { url } = await startTestApp(t);
  for (const body of [
    { question: 'q'.repeat(2000) }, { question: ` ${'q'.repeat(2000)} ` }, { question: 'q', n_docs: 1 },
    { question: 'q', n_docs: 50, num_beams: 8, max_new_tokens: 256 }, { question: 'q', num_beams: 1, max_new_tokens: 1 },
  ]) {
    t.equal((await postJson(`${url}/answer`, body)).status, 200, JSON.stringify(body).slice(0, 60));
  }
});

t.test('POST /answer answers 400 naming the field and its limit', async (t) => {
  const { url, engine } = await startTestApp(t);
  const cases: Array<[unknown, string]> = [
    [{}, '`question` is required'],
    [{ question: '' }, '`question` must be between 1 and 2000 characters'],
    [{ question: ' \n\t ' }, '`question` must be between 1 and 2000 characters'],
    [{ question: 'q'.repeat(2001) }, '`question` must be between 1 and 2000 characters'],
    [{ question: 42 }, '`question` must be a string'],
    [{ question: 'q', n_docs: 0 }, '`n_docs` must be an integer between 1 and 50'],
    [{ question: 'q', n_docs: 51 }, '`n_docs` must be an integer between 1 and 50'],
    [{ question: 'q', n_docs: 2.5 }, '`n_docs` must be an integer between 1 and 50'],
    [{ question: 'q', n_docs: '5' }, '`n_docs` must be an integer between 1 and 50'],
    [{ question: 'q', num_beams: 0 }, '`num_beams` must be an integer between 1 and 8'],
    [{ question: 'q', num_beams: 9 }, '`num_beams` must be an integer between 1 and 8'],
    [{ question: 'q', max_new_tokens: 0 }, '`max_new_tokens` must be an integer between 1 and 256'],
    [{ question: 'q', max_new_tokens: 257 }, '`max_new_tokens` must be an integer between 1 and 256'],
    [{ question: 'q', mode: 'beam' }, '`mode` must be one of "token", "sequence"'],
    [{ question: 'q', explain: 'yes' }, '`explain` must be true, false, "tokens" or "loo"'],
    [{ question: 'q', min_confidence: -0.1 }, '`min_confidence` must be a number between 0 and 1'],
    [{ question: 'q', min_confidence: 1.5 }, '`min_confidence` must be a number between 0 and 1'],
    [{ question: 'q', min_confidence: 'high' }, '`min_confidence` must be a number between 0 and 1'],
    [{ question: 'q', stream: 1 }, '`stream` must be a boolean'],
    [{ question: 'q', extractive: 'on' }, '`extractive` must be a boolean'],
    [{ question: 'q', k: 5 }, 'unknown field `k` in the body'],
    [['q'], 'the body must be an object'],
  ];
  for (const [body, message] of cases) {
    const res = await postJson(`${url}/answer`, body);
    t.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
    t.same(res.json, { error: { code: 'invalid_request', message } });
  }
  t.equal(engine.calls.length, 0, 'the engine never saw an invalid request');
});

t.test('POST /answer: malformed JSON 400, empty body 400, oversize 413, other content types 415', async (t) => {
  const { url } = await startTestApp(t, { RAG_MAX_BODY_BYTES: '2048' });
  const post = (body: string, type = 'application/json') =>
    fetch(`${url}/answer`, { method: 'POST', headers: { 'content-type': type }, body });
  let res = await post('{"question": ');
  t.equal(res.status, 400);
  t.same(await res.json(), { error: { code: 'invalid_request', message: 'the request body is not valid JSON' } });
  res = await post('');
  t.equal(res.status, 400);
  t.match(await res.json(), { error: { code: 'invalid_request', message: /body is empty/ } });
  res = await post(JSON.stringify({ question: 'q'.repeat(3000) }));
  t.equal(res.status, 413);
  t.match(await res.json(), { error: { code: 'payload_too_large', message: /at most 2048 bytes/ } });
  res = await post('question=q', 'application/x-www-form-urlencoded');
  t.equal(res.status, 415);
  t.match(await res.json(), { error: { code: 'unsupported_media_type' } });
});

t.test('POST /answer answers 503 with Retry-After until the engine is ready', async (t) => {
  const { url, engine } = await startTestApp(t);
  engine.isReady = false;
  const res = await postJson(`${url}/answer`, { question: 'q' });
  t.equal(res.status, 503);
  t.equal(res.json.error.code, 'not_ready');
  t.ok(Number(res.headers.get('retry-after')) >= 1);
});

t.test('POST /answer answers 429 with Retry-After when the queue is full, 503 when the wait times out', async (t) => {
  const { url, engine } = await startTestApp(t, { RAG_MAX_CONCURRENT: '1', RAG_MAX_QUEUE: '1', RAG_QUEUE_TIMEOUT_MS: '1000' });
  let open!: () => void;
  engine.gate = new Promise((r) => (open = r));
  const running = postJson(`${url}/answer`, { question: 'first' });
  await waitFor(() => engine.calls.length === 1);
  const queued = postJson(`${url}/answer`, { question: 'second' });
  await waitFor(async () => (await metricValue(url, 'rag_queue_size')) === 1);
  const refused = await postJson(`${url}/answer`, { question: 'third' });
  t.equal(refused.status, 429);
  t.equal(refused.json.error.code, 'too_many_requests');
  t.ok(Number(refused.headers.get('retry-after')) >= 1);
  const timedOut = await queued;
  t.equal(timedOut.status, 503);
  t.equal(timedOut.json.error.code, 'overloaded');
  t.ok(Number(timedOut.headers.get('retry-after')) >= 1);
  open();
  t.equal((await running).status, 200);
});

t.test('POST /answer hides internals on 500 and passes typed engine errors through', async (t) => {
  const { url, engine } = await startTestApp(t);
  engine.failWith = new Error('ENOENT /secret/path/model.onnx');
  let res = await postJson(`${url}/answer`, { question: 'q' });
  t.equal(res.status, 500);
  t.same(res.json, { error: { code: 'internal_error', message: 'internal server error' } });
  engine.failWith = new ValidationError('`question` must be at most 256 tokens');
  res = await postJson(`${url}/answer`, { question: 'q' });
  t.equal(res.status, 400);
  t.same(res.json, { error: { code: 'invalid_request', message: '`question` must be at most 256 tokens' } });
});

t.test('POST /answer stops generating at the request deadline and answers 503', async (t) => {
  const { url, engine } = await startTestApp(t, { RAG_REQUEST_TIMEOUT_MS: '150' });
  engine.stepDelayMs = 100;
  const res = await postJson(`${url}/answer`, { question: 'lisp' });
  t.equal(res.status, 503);
  t.equal(res.json.error.code, 'deadline_exceeded');
  t.equal(engine.aborted, 1, 'the engine saw the abort');
});

t.test('POST /answer: a client that disconnects cancels its generation', async (t) => {
  const { url, engine } = await startTestApp(t);
  engine.stepDelayMs = 50;
  const controller = new AbortController();
  const pending = fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'lisp' }),
    signal: controller.signal,
  }).catch((e) => e);
  await waitFor(() => engine.calls.length === 1);
  controller.abort();
  await pending;
  await waitFor(() => engine.aborted === 1);
  t.equal(engine.aborted, 1);
  t.equal(engine.calls[0]!.signal!.aborted, true);
});
