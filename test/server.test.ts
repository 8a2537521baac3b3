import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./helpers/run-test-server.ts', import.meta.url));

/** Starts the server in a child process; resolves with its URL once it listens. */
function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
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
