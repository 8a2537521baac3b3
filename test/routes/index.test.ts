import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, TEST_TOKEN, waitFor, type TestApp } from '../helpers/build-test-app.js';

const NDJSON = 'application/x-ndjson';
const docs = [{ id: 'a', title: 'Alpha', text: 'alpha text' }, { title: 'Beta', text: 'beta text' }];
const ndjson = docs.map((d) => JSON.stringify(d)).join('\n') + '\n';

interface PutOptions { type?: string; token?: string | null; query?: string; signal?: AbortSignal }

function put(app: TestApp, body: BodyInit, opts: PutOptions = {}) {
  const headers: Record<string, string> = {};
  if (opts.type !== undefined) headers['content-type'] = opts.type;
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TEST_TOKEN}`;
  const init = { method: 'PUT', headers, body, duplex: 'half', signal: opts.signal };
  return fetch(`${app.url}/index${opts.query ?? ''}`, init as RequestInit);
}

async function uploadsLeft(app: TestApp): Promise<string[]> {
  return readdir(join(app.config.indexDir, 'uploads')).catch(() => []);
}

async function waitForJob(app: TestApp, statusUrl: string) {
  for (let i = 0; i < 100; i++) {
    const job = await (await fetch(`${app.url}${statusUrl}`)).json();
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('job did not finish');
}

t.test('GET /index describes the serving index in snake_case; 503 before one is loaded', async (t) => {
  const app = await startTestApp(t);
  let res = await fetch(`${app.url}/index`);
  t.equal(res.status, 200);
  t.same(await res.json(), {
    version: 'v1', documents: 3, passages: 3, dimension: 8, index_type: 'IndexFlatIP',
    built_at: '2026-01-01T00:00:00.000Z', model: 'fake-model',
  });
  app.index.current = undefined;
  res = await fetch(`${app.url}/index`);
  t.equal(res.status, 503);
  t.equal((await res.json()).error.code, 'not_ready');
});

t.test('PUT /index (NDJSON) answers 202 with a job whose status URL reports it until it succeeds', async (t) => {
  const app = await startTestApp(t);
  const res = await put(app, ndjson, { type: `${NDJSON}; charset=utf-8` });
  t.equal(res.status, 202);
  const body = await res.json();
  t.same(Object.keys(body).sort(), ['job_id', 'status_url']);
  t.equal(body.status_url, `/index/jobs/${body.job_id}`);
  const job = await waitForJob(app, body.status_url);
  t.same(job, { job_id: body.job_id, state: 'succeeded', progress: { done: 2, total: 2 }, version: 'v2' });
  t.same(app.index.lastUpload, docs, 'the manager received every document as sent');
  t.equal((await (await fetch(`${app.url}/index`)).json()).version, 'v2');
  t.same(await uploadsLeft(app), [], 'the temporary file was handed over and removed');
});

t.test('PUT /index (JSON {"documents": [...]}) with ?wait=true answers 200 with the new description', async (t) => {
  const app = await startTestApp(t);
  const res = await put(app, JSON.stringify({ documents: docs }), { type: 'application/json', query: '?wait=true' });
  t.equal(res.status, 200);
  t.match(await res.json(), { version: 'v2', documents: 2, passages: 2, index_type: 'IndexFlatIP' });
  t.same(app.index.lastUpload, docs);
});

t.test('PUT /index?wait=true answers 500 when the build fails, and the old index keeps serving', async (t) => {
  const app = await startTestApp(t);
  app.index.autoFinish = false;
  const pending = put(app, ndjson, { type: NDJSON, query: '?wait=true' });
  await waitFor(() => app.index.isBuilding()); // the upload has been received and its build started
  app.index.finishBuild('encoder crashed at /secret/path');
  const res = await pending;
  t.equal(res.status, 500);
  const body = await res.json();
  t.equal(body.error.code, 'build_failed');
  t.notMatch(body.error.message, /secret/);
  t.equal((await (await fetch(`${app.url}/index`)).json()).version, 'v1');
  const job = await (await fetch(`${app.url}/index/jobs/job-1`)).json();
  t.match(job, { state: 'failed', error: 'encoder crashed at /secret/path' });
});

t.test('PUT /index answers 409 while another build runs', async (t) => {
  const app = await startTestApp(t);
  app.index.autoFinish = false;
  t.equal((await put(app, ndjson, { type: NDJSON })).status, 202);
  const res = await put(app, ndjson, { type: NDJSON });
  t.equal(res.status, 409);
  t.equal((await res.json()).error.code, 'conflict');
  app.index.finishBuild();
});

t.test('PUT /index answers 400 naming the first bad line, keeps serving the old index and keeps no file', async (t) => {
  const app = await startTestApp(t);
  const body = `${ndjson}{"title":"x","text":"ok"}\n{"title":"no text"}\n{"broken`;
  const res = await put(app, body, { type: NDJSON });
  t.equal(res.status, 400);
  t.same(await res.json(), { error: { code: 'invalid_request', message: 'line 4: "text" is required and must be a string' } });
  t.equal(app.index.uploadedPaths.length, 0, 'no build started');
  t.same(await uploadsLeft(app), []);
  t.equal((await (await fetch(`${app.url}/index`)).json()).version, 'v1');

  const json = await put(app, '{"documents": [\n{"title":"a","text":"b"},\n{"title":"c","text":""}]}', { type: 'application/json' });
  t.equal(json.status, 400);
  t.match((await json.json()).error.message, /^line 3 \(document 2\): "text" must not be empty/);
  const empty = await put(app, '', { type: NDJSON });
  t.equal(empty.status, 400);
  t.match((await empty.json()).error.message, /no documents/);
});

t.test('PUT /index: 401 without a token, 403 with a wrong one, before anything else is checked', async (t) => {
  const app = await startTestApp(t);
  let res = await put(app, ndjson, { type: NDJSON, token: null });
  t.equal(res.status, 401);
  t.equal(res.headers.get('www-authenticate'), 'Bearer');
  t.equal((await res.json()).error.code, 'unauthorized');
  res = await put(app, ndjson, { type: NDJSON, token: 'wrong' });
  t.equal(res.status, 403);
  t.equal((await res.json()).error.code, 'forbidden');
  res = await put(app, 'x', { type: 'text/plain', token: 'wrong' });
  t.equal(res.status, 403, 'auth is checked before the content type');
  t.equal(app.index.uploadedPaths.length, 0);
});

t.test('PUT /index answers 403 when no admin token is configured', async (t) => {
  const app = await startTestApp(t, { RAG_ADMIN_TOKEN: '' });
  const res = await put(app, ndjson, { type: NDJSON, token: '' + TEST_TOKEN });
  t.equal(res.status, 403);
  t.match((await res.json()).error.message, /RAG_ADMIN_TOKEN is not configured/);
});

t.test('PUT /index answers 415 for other content types', async (t) => {
  const app = await startTestApp(t);
  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
    const res = await put(app, ndjson, { type });
    t.equal(res.status, 415, type);
    t.same(await res.json(), {
      error: { code: 'unsupported_media_type', message: 'Content-Type must be one of application/x-ndjson, application/json' },
    });
  }
});

t.test('PUT /index answers 413 over the size limit, declared or streamed', async (t) => {
  const app = await startTestApp(t, { RAG_MAX_UPLOAD_BYTES: '100' });
  const big = ndjson.repeat(10);
  let res = await put(app, big, { type: NDJSON });
  t.equal(res.status, 413, 'by Content-Length');
  t.same(await res.json(), { error: { code: 'payload_too_large', message: 'the request body must be at most 100 bytes' } });
  const chunks = Buffer.from(big);
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < chunks.length; i += 40) controller.enqueue(chunks.subarray(i, i + 40));
      controller.close();
    },
  });
  res = await put(app, stream, { type: NDJSON });
  t.equal(res.status, 413, 'chunked, counted while streaming');
  t.same(await uploadsLeft(app), []);
  t.equal(app.index.uploadedPaths.length, 0);
});

t.test('PUT /index answers 400 for a bad ?wait value', async (t) => {
  const app = await startTestApp(t);
  const res = await put(app, ndjson, { type: NDJSON, query: '?wait=maybe' });
  t.equal(res.status, 400);
  t.same(await res.json(), { error: { code: 'invalid_request', message: '`wait` must be a boolean' } });
  t.equal(app.index.uploadedPaths.length, 0);
});

t.test('PUT /index?index_type= chooses the index kind; an unknown one is a 400 naming the field and its values', async (t) => {
  const app = await startTestApp(t);
  const bad = await put(app, ndjson, { type: NDJSON, query: '?index_type=annoy' });
  t.equal(bad.status, 400);
  t.same(await bad.json(), { error: { code: 'invalid_request',
    message: '`index_type` must be one of "auto", "flat", "hnsw", "ivf_pq"' } });
  t.equal(app.index.uploadedPaths.length, 0, 'no upload is kept and no build starts');
  for (const [value, kind] of [['ivf_pq', 'ivf_pq'], ['hnsw', 'hnsw'], ['auto', undefined]] as const) {
    const res = await put(app, ndjson, { type: NDJSON, query: `?wait=true&index_type=${value}` });
    t.equal(res.status, 200);
    t.equal(app.index.lastIndexKind, kind, `index_type=${value} reaches the build as ${kind}`);
  }
});

t.test('PUT /index: a client that disconnects mid-upload leaves no file and starts no build', async (t) => {
  const app = await startTestApp(t);
  const controller = new AbortController();
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
  const pending = put(app, body, { type: NDJSON, signal: controller.signal }).catch((err) => err);
  push.enqueue(new TextEncoder().encode('{"title":"a","text":"b"}\n{"title":"c",'));
  await waitFor(async () => (await uploadsLeft(app)).length === 1);
  controller.abort();
  t.equal((await pending).name, 'AbortError');
  await waitFor(async () => (await uploadsLeft(app)).length === 0);
  t.equal(app.index.uploadedPaths.length, 0);
  t.equal(app.index.isBuilding(), false);
});

t.test('GET /index/jobs/:id answers 404 for an unknown job', async (t) => {
  const app = await startTestApp(t);
  const res = await fetch(`${app.url}/index/jobs/nope`);
  t.equal(res.status, 404);
  t.same(await res.json(), { error: { code: 'not_found', message: 'no index build job with id "nope"' } });
});
