import t from 'tap';
import { postJson, startTestApp, TEST_TOKEN } from '../helpers/build-test-app.js';

/** The value of the first sample whose line starts with `prefix`. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('GET /metrics exposes latency by route and status, tokens, queue, index and build jobs', async (t) => {
  const app = await startTestApp(t);
  t.equal((await postJson(`${app.url}/answer`, { question: 'lisp', max_new_tokens: 3 })).status, 200);
  t.equal((await postJson(`${app.url}/answer`, { question: 'lisp', max_new_tokens: 2 })).status, 200);
  t.equal((await postJson(`${app.url}/answer`, { question: '' })).status, 400);
  const put = await fetch(`${app.url}/index?wait=true`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' },
    body: '{"title":"a","text":"b"}\n',
  });
  t.equal(put.status, 200);
  await new Promise((r) => setTimeout(r, 20));

  const res = await fetch(`${app.url}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  t.equal(sample(text, 'rag_request_duration_seconds_count{route="/answer",method="POST",status="200"}'), 2);
  t.equal(sample(text, 'rag_request_duration_seconds_count{route="/answer",method="POST",status="400"}'), 1);
  t.equal(sample(text, 'rag_generated_tokens_total{route="answer"}'), 5);
  t.equal(sample(text, 'rag_request_generated_tokens_count{route="answer"}'), 2);
  t.equal(sample(text, 'rag_queue_size'), 0);
  t.equal(sample(text, 'rag_queue_wait_seconds_count'), 2);
  t.equal(sample(text, 'rag_running_requests'), 0);
  t.equal(sample(text, 'rag_index_info{version="v2",index_type="IndexFlatIP"}'), 1);
  t.equal(sample(text, 'rag_index_passages'), 1);
  t.equal(sample(text, 'rag_index_build_jobs_total{outcome="started"}'), 1);
  t.equal(sample(text, 'rag_index_build_jobs_total{outcome="succeeded"}'), 1);
  t.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'default process metrics');
});

t.test('the metrics of two apps are independent', async (t) => {
  const a = await startTestApp(t);
  const b = await startTestApp(t);
  await postJson(`${a.url}/answer`, { question: 'lisp' });
  const text = await (await fetch(`${b.url}/metrics`)).text();
  t.equal(sample(text, 'rag_request_duration_seconds_count{route="/answer"'), undefined);
});
