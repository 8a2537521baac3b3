/**
 * The document and version routes over the index manager double: authentication, the streamed checks shared with
 * PUT /index (a bad line is a 400 naming it, ids required, 413), 409 while a job runs, 202 + job or ?wait=true,
 * unknown ids reported, documents read back, versions listed and activated.
 */
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, TEST_TOKEN, waitFor, type TestApp } from '../helpers/build-test-app.js';

const NDJSON = 'application/x-ndjson';

function send(app: TestApp, method: string, path: string, body?: string, type = NDJSON, token: string | null = TEST_TOKEN) {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': type };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${app.url}${path}`, { method, headers, body });
}

/** The job at `statusUrl` once it has ended. */
async function settled(app: TestApp, statusUrl: string) {
  await waitFor(async () => ['succeeded', 'failed'].includes((await (await fetch(`${app.url}${statusUrl}`)).json()).state));
  return (await fetch(`${app.url}${statusUrl}`)).json();
}

const lines = (...docs: object[]) => docs.map((d) => JSON.stringify(d)).join('\n') + '\n';

async function seeded(t: Parameters<typeof startTestApp>[0], env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp(t, env);
  app.index.stored.set('a', { id: 'a', title: 'Alpha', text: 'alpha text' });
  app.index.stored.set('b', { id: 'b', title: 'Beta', text: 'beta text' });
  return app;
}

t.test('POST /index/documents upserts by id: 202 and a job, or 200 with what changed on ?wait=true', async (t) => {
  const app = await seeded(t);
  let res = await send(app, 'POST', '/index/documents', lines({ id: 'a', title: 'Alpha', text: 'new alpha' }));
  t.equal(res.status, 202);
  const { status_url } = await res.json();
  t.match(status_url, /^\/index\/jobs\//);
  t.match(await settled(app, status_url), { state: 'succeeded', changes: { upserted: 1 } });
  res = await send(app, 'POST', '/index/documents?wait=true',
    JSON.stringify({ documents: [{ id: 'c', title: 'Gamma', text: 'gamma text' }] }), 'application/json');
  t.equal(res.status, 200);
  t.match(await res.json(), { state: 'succeeded', version: 'v3', changes: { upserted: 1, deleted: 0, unknown_ids: [] } });
  const doc = await (await fetch(`${app.url}/index/documents/a`)).json();
  t.same(doc, { id: 'a', title: 'Alpha', text: 'new alpha', passages: 1 });
  t.same(await readdir(join(app.config.indexDir, 'uploads')).catch(() => []), [], 'the upload was handed over');
});

t.test('POST /index/documents refuses bad input before any job starts', async (t) => {
  const app = await seeded(t, { RAG_MAX_UPLOAD_BYTES: '200' });
  const bad = await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x' }) + '{"id": "y", "title": \n');
  t.equal(bad.status, 400);
  t.match((await bad.json()).error.message, /^line 2: not valid JSON/);
  const noId = await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x' }, { title: 'Y', text: 'y' }));
  t.equal(noId.status, 400);
  t.match((await noId.json()).error.message, /^line 2: "id" is required/);
  const field = await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x', extra: 1 }));
  t.match((await field.json()).error.message, /^line 1: unknown field "extra"/, 'the same document check as PUT /index');
  const big = await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x'.repeat(300) }));
  t.equal(big.status, 413);
  t.equal((await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x' }), NDJSON, null)).status, 401);
  t.equal((await send(app, 'POST', '/index/documents', lines({ id: 'x', title: 'X', text: 'x' }), NDJSON, 'wrong')).status, 403);
  t.equal((await send(app, 'POST', '/index/documents', 'x', 'text/plain')).status, 415);
  t.equal(app.index.uploadedPaths.length, 0, 'no job started');
  t.equal(app.index.describe()!.version, 'v1', 'the serving version is untouched');
});

t.test('DELETE /index/documents deletes by id and reports the unknown ones; 409 while a job runs', async (t) => {
  const app = await seeded(t);
  let res = await send(app, 'DELETE', '/index/documents?wait=true', JSON.stringify({ ids: ['a', 'nope'] }), 'application/json');
  t.equal(res.status, 200);
  t.match(await res.json(), { state: 'succeeded', changes: { upserted: 0, deleted: 1, unknown_ids: ['nope'] } });
  t.equal((await fetch(`${app.url}/index/documents/a`)).status, 404, 'a deleted document is gone');
  t.equal((await fetch(`${app.url}/index/documents/b`)).status, 200);

  res = await send(app, 'DELETE', '/index/documents', JSON.stringify({ ids: [] }), 'application/json');
  t.equal(res.status, 400, 'ids are required');
  res = await send(app, 'DELETE', '/index/documents', JSON.stringify({ ids: ['b'] }), 'application/json', null);
  t.equal(res.status, 401);

  app.index.autoFinish = false;
  res = await send(app, 'DELETE', '/index/documents', JSON.stringify({ ids: ['b'] }), 'application/json');
  t.equal(res.status, 202);
  const conflict = await send(app, 'POST', '/index/documents', lines({ id: 'c', title: 'C', text: 'c' }));
  t.equal(conflict.status, 409, 'one job at a time, as for PUT /index');
  t.equal((await send(app, 'POST', '/index/versions/v1/activate')).status, 409);
  app.index.finishBuild('disk on fire');
  app.index.autoFinish = true;
  const failed = await send(app, 'DELETE', '/index/documents?wait=true', JSON.stringify({ ids: ['b'] }), 'application/json');
  t.equal(failed.status, 200, 'the next change runs once the job ended');
});

t.test('GET /index/versions lists versions; activate serves one, 404 for an unknown one', async (t) => {
  const app = await seeded(t);
  await send(app, 'DELETE', '/index/documents?wait=true', JSON.stringify({ ids: ['a'] }), 'application/json');
  const list = await (await fetch(`${app.url}/index/versions`)).json();
  t.match(list.versions.map((v: { version: string; serving: boolean }) => [v.version, v.serving]), [['v1', false], ['v2', true]]);
  t.match(list.versions[0], { created_at: /^2026-/, documents: 1, passages: 1, segments: 1 });
  const res = await send(app, 'POST', '/index/versions/v1/activate?wait=true');
  t.equal(res.status, 200);
  t.match(await res.json(), { state: 'succeeded', version: 'v1' });
  t.equal(app.index.describe()!.version, 'v1');
  const unknown = await send(app, 'POST', '/index/versions/v9/activate');
  t.equal(unknown.status, 404);
  t.equal((await send(app, 'POST', '/index/versions/v1/activate', undefined, NDJSON, null)).status, 401);
});
