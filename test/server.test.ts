import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './helpers/build-test-app.js';
import { startChildServer } from './helpers/child-server.js';
import { tinyBundle } from './helpers/toolchain-bundle.js';

const SCRIPT = fileURLToPath(new URL('./helpers/run-test-server.ts', import.meta.url));

/** Starts the server with the test doubles in a child process. */
function startChild(env: Record<string, string>) {
  return startChildServer(env, [process.execPath, '--import', 'tsx', SCRIPT]);
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('never ready');
}

t.test('SIGTERM lets the in-flight request finish, releases the engine and the index, and exits 0', async (t) => {
  const server = startChild({ FAKE_STEP_DELAY_MS: '100', LOG_LEVEL: 'info' });
  t.teardown(() => server.child.kill('SIGKILL'));
  const url = await server.url;
  await waitReady(url);
  const pending = fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'what is the secret lisp question' }),
  });
  await new Promise((r) => setTimeout(r, 150));
  server.child.kill('SIGTERM');
  const res = await pending;
  t.equal(res.status, 200);
  t.equal((await res.json()).answer, 'Lisp is the answer');
  t.equal(await server.exited, 0);
  const lines = server.output().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const messages = lines.map((l) => l.msg);
  t.ok(messages.includes('SIGTERM: closing (in-flight requests finish first)'), 'the signal is logged');
  const engineClosed = messages.indexOf('fake engine closed');
  t.ok(engineClosed >= 0 && engineClosed < messages.indexOf('fake index closed'), 'engine, then index');
  t.ok(messages.includes('closed'), 'the close is logged');
  t.ok(lines.some((l) => l.reqId && l.msg === 'request completed'), 'request logs carry the request id');
  t.notMatch(server.output(), /secret lisp/, 'the question text is not logged at info level');
});

t.test('at debug level the question text is logged with its request id', async (t) => {
  const server = startChild({ LOG_LEVEL: 'debug' });
  t.teardown(() => server.child.kill('SIGKILL'));
  const url = await server.url;
  await waitReady(url);
  const res = await fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
    body: JSON.stringify({ question: 'debug lisp question' }),
  });
  t.equal(res.headers.get('x-request-id'), 'req-42');
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
  const lines = server.output().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  t.ok(lines.some((l) => l.reqId === 'req-42' && l.question === 'debug lisp question'));
});

t.test('npm start passes SIGTERM on to the server; not ready with the reason, logged once; PUT /index makes it ready without a restart', async (t) => {
  // A store whose pointer is broken and that has no version: not ready, and nothing to build (a quick start).
  const indexDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  t.teardown(() => rmSync(indexDir, { recursive: true, force: true }));
  writeFileSync(join(indexDir, 'current'), 'gone\n');
  const npm = startChildServer({ RAG_MODEL_DIR: tinyBundle, RAG_INDEX_DIR: indexDir, LOG_LEVEL: 'info', RAG_ADMIN_TOKEN: 'tok' },
    ['npm', 'start', '--ignore-scripts', '--silent']);
  t.teardown(() => npm.child.kill('SIGKILL'));
  const url = await npm.url;
  const probe = async () => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: await res.json() as { error: { code: string; message: string } } };
  };
  const unavailable = /^the service is not ready: no intact index version in .*current names version gone, whose folder .* is missing; PUT \/index to build one$/;
  await waitFor(async () => unavailable.test((await probe()).body.error.message), 60_000); // models load first
  for (let i = 0; i < 8; i++) {
    const { status, body } = await probe();
    t.equal(status, 503);
    t.match(body.error, { code: 'not_ready', message: unavailable });
  }
  const put = await fetch(`${url}/index?wait=true`, {
    method: 'PUT', headers: { authorization: 'Bearer tok', 'content-type': 'application/x-ndjson' },
    body: '{"id": "r1", "title": "Repair", "text": "the store was repaired by an upload"}\n',
  });
  t.equal(put.status, 200);
  const { version } = await put.json();
  // The build can finish before the models have loaded in their workers on a busy machine: ready once both are.
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);
  t.pass('ready without a restart');
  const answer = await fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'what repaired the store?', n_docs: 1, num_beams: 1, max_new_tokens: 2 }),
  });
  t.equal(answer.status, 200);
  t.equal((await answer.json()).index_version, version);
  npm.child.kill('SIGTERM');
  t.equal(await npm.exited, 0, 'npm exits once the server has closed');
  await t.rejects(fetch(`${url}/healthz`), 'the server is gone, its port closed');
  const notReady = npm.output().split('\n').filter((l) => l.includes('"msg":"readyz 503: the service is not ready: no intact'));
  t.equal(notReady.length, 1, 'one line for this state, however many probes');
  t.match(npm.output(), /"msg":"readyz 200: ready"/, 'and one line when it became ready');
  t.match(npm.output(), /SIGTERM: closing/);
});
