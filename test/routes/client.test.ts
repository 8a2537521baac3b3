import t from 'tap';
import createClient from 'openapi-fetch';
import type { paths } from '../helpers/api-types.js';
import { startTestApp, TEST_TOKEN } from '../helpers/build-test-app.js';

t.test('a client generated from the OpenAPI document calls every route', async (t) => {
  const app = await startTestApp(t);
  const client = createClient<paths>({ baseUrl: app.url });

  const answer = await client.POST('/answer', { body: { question: 'What is Lisp?', n_docs: 2, explain: true } });
  t.equal(answer.response.status, 200);
  // NOTE: 200 has two media types (JSON and text/event-stream), so the data type is their union.
  if (typeof answer.data !== 'object') throw new Error('expected a JSON answer');
  t.equal(answer.data.answer, 'Lisp is the answer');
  t.equal(answer.data.documents.length, 2);
  t.equal(answer.data.tokens?.[0]?.doc_weights.length, 2);

  const stream = await client.POST('/answer', { body: { question: 'unix', stream: true }, parseAs: 'text' });
  t.equal(stream.response.status, 200);
  t.match(stream.data, /event: done/);

  const invalid = await client.POST('/answer', { body: { question: 'q', n_docs: 99 } });
  t.equal(invalid.response.status, 400);
  t.equal(invalid.error?.error.message, '`n_docs` must be an integer between 1 and 50');

  const jeopardy = await client.POST('/jeopardy', { body: { answer: 'Unix', mode: 'sequence' } });
  t.equal(jeopardy.data?.question, 'Unix is the answer');

  const described = await client.GET('/index');
  t.equal(described.data?.version, 'v1');

  const auth = { authorization: `Bearer ${TEST_TOKEN}` };
  const accepted = await client.PUT('/index', {
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    body: '{"title":"T","text":"x"}\n' as never,
    bodySerializer: (b: unknown) => b as string,
  });
  t.equal(accepted.response.status, 202);
  const jobId = (accepted.data as { job_id: string }).job_id;
  let job = await client.GET('/index/jobs/{id}', { params: { path: { id: jobId } } });
  for (let i = 0; i < 100 && job.data?.state !== 'succeeded'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    job = await client.GET('/index/jobs/{id}', { params: { path: { id: jobId } } });
  }
  t.equal(job.data?.state, 'succeeded');

  const waited = await client.PUT('/index', {
    params: { query: { wait: true } }, headers: auth,
    body: { documents: [{ title: 'A', text: 'alpha' }, { id: 'b', title: 'B', text: 'beta' }] },
  });
  t.equal(waited.response.status, 200);
  t.equal((waited.data as { documents: number }).documents, 2);

  const missing = await client.GET('/index/jobs/{id}', { params: { path: { id: 'nope' } } });
  t.equal(missing.error?.error.code, 'not_found');

  t.equal((await client.GET('/healthz')).data?.status, 'ok');
  t.equal((await client.GET('/readyz')).data?.status, 'ready');
  const metrics = await client.GET('/metrics', { parseAs: 'text' });
  t.match(metrics.data, /rag_request_duration_seconds/);
});
