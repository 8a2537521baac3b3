/**
 * A full disk: while an upload is received (a small tmpfs, mounted when the test runs as root; skipped otherwise,
 * saying so), and before a build starts (the free-space check). Issue 23, failure 5.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { startTestApp, TEST_TOKEN } from '../helpers/build-test-app.js';
import { corpus, copyStore } from './store-fixture.js';

/** Mounts a tmpfs of `kib` KiB; undefined (with the reason in `why`) where mounting is not allowed. */
function smallDisk(kib: number): { dir?: string; why?: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`, unmount: () => {} };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const disk = smallDisk(128);

t.test('a full disk while receiving an upload: 507 naming the disk, and the partial file removed', { skip: disk.why ?? false }, async (t) => {
  t.teardown(() => disk.unmount());
  const app = await startTestApp(t, { RAG_INDEX_DIR: disk.dir! });
  const uploads = join(disk.dir!, 'uploads');
  const put = (body: string) => fetch(`${app.url}/index`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' }, body,
  });
  const full = await put(corpus('huge', 2000)); // about 700 KB onto 128 KiB
  t.equal(full.status, 507);
  const body = await full.json();
  t.equal(body.error.code, 'insufficient_storage');
  t.equal(body.error.message, `the disk holding ${uploads} is full: the upload was discarded; free space there and retry`);
  t.ok(full.headers.get('retry-after'));
  t.same(readdirSync(uploads), [], 'the partial file is removed');
  t.same(app.index.uploadedPaths, [], 'no build was started');
  const small = await put(corpus('small', 3));
  t.equal(small.status, 202, 'with room again, uploads are accepted');
});

t.test('a build is refused before it starts when the disk has less room than it needs', async (t) => {
  const store = await copyStore(t);
  const manager = await IndexManager.open({ ...store.options, reserveBytes: 2 ** 50 });
  t.teardown(() => manager.close());
  const upload = join(store.dir, 'next.ndjson');
  writeFileSync(upload, corpus('next', 4));
  const job = await manager.waitForJob(manager.startBuild(upload).id);
  t.equal(job.state, 'failed');
  t.match(job.error, new RegExp(`^not enough free space on the disk holding ${store.indexDir}: a build of 4 passages ` +
    'needs about [\\d.]+ MB and [\\d.]+ MB are free$'));
  t.equal(manager.describe()!.version, store.newer, 'the serving version stays');
  t.notOk(existsSync(join(store.indexDir, 'staging')) && readdirSync(join(store.indexDir, 'staging')).length > 0, 'nothing staged');
  t.notOk(existsSync(upload), 'the upload is removed');
});
