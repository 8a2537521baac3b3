import t from 'tap';
import { postJson, startTestApp, waitFor } from './helpers/build-test-app.js';

t.test('close lets in-flight generations finish, refuses new work, then releases the engine', async (t) => {
  const app = await startTestApp(t);
  app.engine.stepDelayMs = 60;
  const inFlight = postJson(`${app.url}/answer`, { question: 'lisp' });
  await waitFor(() => app.engine.calls.length === 1);
  const closing = app.app.close();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(app.engine.closed, false, 'the engine is not released while a generation runs');
  const late = await postJson(`${app.url}/answer`, { question: 'unix' }).catch((err) => err);
  t.ok(late instanceof Error || late.status === 503, 'a request arriving during close is refused');
  if (!(late instanceof Error)) {
    t.same(late.json, { error: { code: 'not_ready', message: 'the server is shutting down' } });
  }
  const ready = await fetch(`${app.url}/readyz`).catch((err) => err);
  t.ok(ready instanceof Error || ready.status === 503, 'not ready while closing');
  const res = await inFlight;
  t.equal(res.status, 200, 'the in-flight request completed');
  t.equal(res.json.answer, 'Lisp is the answer');
  await closing;
  t.equal(app.engine.closed, true, 'the engine was released');
  t.equal(app.engine.calls.length, 1, 'the late request never reached the engine');
});

t.test('close cuts connections still open after the grace period', async (t) => {
  const app = await startTestApp(t, { RAG_SHUTDOWN_GRACE_MS: '100' });
  app.engine.stepDelayMs = 1000;
  const inFlight = postJson(`${app.url}/answer`, { question: 'lisp' }).catch((err) => err);
  await waitFor(() => app.engine.calls.length === 1);
  const started = Date.now();
  await app.app.close();
  t.ok(Date.now() - started < 900, 'close did not wait for the slow generation');
  t.ok(await inFlight instanceof Error, 'the cut request failed on the client');
  t.equal(app.engine.closed, true);
});
