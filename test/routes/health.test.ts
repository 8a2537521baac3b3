import t from 'tap';
import { startTestApp } from '../helpers/build-test-app.js';

t.test('GET /healthz answers 200 while the process runs, ready or not', async (t) => {
  const app = await startTestApp(t);
  app.engine.isReady = false;
  const res = await fetch(`${app.url}/healthz`);
  t.equal(res.status, 200);
  t.same(await res.json(), { status: 'ok' });
});

t.test('GET /readyz answers 503 until the models and an index are loaded', async (t) => {
  const app = await startTestApp(t);
  let res = await fetch(`${app.url}/readyz`);
  t.equal(res.status, 200);
  t.same(await res.json(), { status: 'ready' });
  app.engine.isReady = false;
  res = await fetch(`${app.url}/readyz`);
  t.equal(res.status, 503);
  t.equal((await res.json()).error.code, 'not_ready');
  t.ok(res.headers.get('retry-after'));
  app.engine.isReady = true;
  app.index.current = undefined;
  t.equal((await fetch(`${app.url}/readyz`)).status, 503, 'no index loaded');
});

t.test('GET /readyz answers 503 while a replica loads the version another replica made current', async (t) => {
  const app = await startTestApp(t);
  let behind: string | undefined = 'replica r1 is loading version v2, current in the store, and serves v1 meanwhile';
  Object.assign(app.index, { notCaughtUp: () => behind });
  const res = await fetch(`${app.url}/readyz`);
  t.equal(res.status, 503);
  t.same(await res.json(), { error: { code: 'not_ready', message: behind } });
  t.equal((await fetch(`${app.url}/index`)).status, 200, 'GET /index still says which version it serves');
  behind = undefined;
  t.equal((await fetch(`${app.url}/readyz`)).status, 200, 'ready once it serves the store\'s version');
});

t.test('an unknown route answers 404 with the error body', async (t) => {
  const app = await startTestApp(t);
  const res = await fetch(`${app.url}/nope?x=1`);
  t.equal(res.status, 404);
  t.same(await res.json(), { error: { code: 'not_found', message: 'no route GET /nope' } });
  t.equal((await fetch(`${app.url}/answer`)).status, 404, 'GET on a POST route');
});
