/**
 * Crashes of the real service (a child process killed with SIGKILL) mid-upload and mid-build, then a restart:
 * what serves, what is left on disk, and what a client polling its job is told. Issue 23, failures 4 and 6.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { TEST_TOKEN, waitFor } from '../helpers/build-test-app.js';
import { startChildServer, waitForStatus, type ChildServer } from '../helpers/child-server.js';
import { tinyBundle } from '../helpers/toolchain-bundle.js';
import { corpus, copyStore } from './store-fixture.js';

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

async function killed(server: ChildServer): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

t.test('killed mid-upload and mid-build: a restart removes the leftovers, serves the same version, and reports the job interrupted', async (t) => {
  const store = await copyStore(t);
  const env = { RAG_MODEL_DIR: tinyBundle, RAG_INDEX_DIR: store.indexDir, RAG_ADMIN_TOKEN: TEST_TOKEN, LOG_LEVEL: 'info' };
  const uploads = join(store.indexDir, 'uploads');
  const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' };

  // 1. An upload that never ends, killed once part of it is on disk.
  const first = startChildServer(env);
  t.teardown(() => first.child.kill('SIGKILL'));
  const url1 = await first.url;
  await waitForStatus(url1, '/readyz');
  const upload = request(`${url1}/index`, { method: 'PUT', headers: auth });
  upload.on('error', () => {}); // the server dies under it
  upload.write(corpus('partial', 200));
  await waitFor(() => list(uploads).some((f) => statSync(join(uploads, f)).size > 0), 30_000);
  await killed(first);
  t.equal(list(uploads).length, 1, 'the crash left the partial upload behind');

  // 2. A build, killed while it embeds.
  const second = startChildServer(env);
  t.teardown(() => second.child.kill('SIGKILL'));
  const url2 = await second.url;
  await waitForStatus(url2, '/readyz');
  t.same(list(uploads), [], 'the restart removed the partial upload');
  const put = await fetch(`${url2}/index`, { method: 'PUT', headers: auth, body: corpus('big', 800) });
  t.equal(put.status, 202);
  const { job_id: jobId } = await put.json();
  await waitFor(async () => {
    const job = await (await fetch(`${url2}/index/jobs/${jobId}`)).json();
    return job.state === 'running' && job.progress.done > 0;
  }, 60_000);
  await killed(second);
  t.match(JSON.parse(readFileSync(join(store.indexDir, 'jobs', `${jobId}.json`), 'utf8')), { state: 'running' });
  t.ok(list(join(store.indexDir, 'staging')).length > 0, 'the crash left a staging folder');
  t.equal(list(uploads).length, 1, 'and the upload being built');

  // 3. The restart.
  const third = startChildServer(env);
  t.teardown(() => third.child.kill('SIGKILL'));
  const url3 = await third.url;
  await waitForStatus(url3, '/readyz');
  const job = await fetch(`${url3}/index/jobs/${jobId}`);
  t.equal(job.status, 200, 'the job id survives the restart');
  t.match(await job.json(), { job_id: jobId, state: 'failed', error: 'interrupted' });
  t.same(list(join(store.indexDir, 'staging')), [], 'no staging left');
  t.same(list(uploads), [], 'no upload left');
  const index = await (await fetch(`${url3}/index`)).json();
  t.equal(index.version, store.newer, 'the version serving before the crashes serves');
  t.equal(index.degraded, undefined);
  t.same(readdirSync(join(store.indexDir, 'versions')).sort(), [store.older, store.newer].sort());
  third.child.kill('SIGTERM');
  t.equal(await third.exited, 0);
});
