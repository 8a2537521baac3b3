/**
 * Two index managers on one store, as two replicas are (src/index/replica-sync.ts): the follower switches to what
 * the writer makes current while a request in flight finishes on its version; a version that fails to load on the
 * follower is reported and the old one keeps serving; retention on the writer keeps every version the follower
 * announces it reads; a job of the writer reads from the follower.
 */
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexManager } from '../../src/index/index-manager.js';
import { writeCurrent } from '../../src/index/index-store.js';
import { waitFor } from '../helpers/build-test-app.js';
import { copyStore, corpus, DAMAGE, logSink } from './store-fixture.js';

t.test('a follower switches to what another replica makes current, keeps what fails to load, and what it reads is kept', async (t) => {
  const store = await copyStore(t);
  const writer = await IndexManager.open({ ...store.options, keepVersions: 1, replica: { id: 'writer', pollMs: 100 } });
  t.teardown(() => writer.close());
  const sink = logSink();
  const follower = await IndexManager.open({ ...store.options, log: sink.log, replica: { id: 'follower', pollMs: 100 } });
  t.teardown(() => follower.close());
  t.equal(follower.describe()!.version, store.newer);

  // A rollback on the writer, while a request on the follower holds the newer version.
  const inFlight = follower.acquire();
  const rollback = await writer.waitForJob((await writer.activate(store.older)).id);
  t.equal(rollback.state, 'succeeded');
  await waitFor(() => follower.describe()!.version === store.older, 5_000);
  t.equal(inFlight.version, store.newer, 'the request in flight keeps its version');
  t.equal(inFlight.search(new Float32Array(follower.describe()!.dimension).fill(0.1), 1)[0]!.length, 1, 'and can still search it');
  t.match(follower.replicaStatus(), { replica: 'follower', serving: store.older, storeVersion: store.older, followed: 1, failures: 0 });
  t.equal(follower.notCaughtUp(), undefined, 'caught up: ready');
  await waitFor(async () => (await follower.readJob(rollback.id))?.state === 'succeeded', 5_000);
  t.pass('the writer\'s job reads from the follower');

  // A build on the writer with keepVersions 1: the version the follower's request still reads is not pruned.
  writeFileSync(join(store.dir, 'third.jsonl'), corpus('third', 3));
  const build = await writer.waitForJob(writer.startBuild(join(store.dir, 'third.jsonl')).id);
  t.equal(build.state, 'succeeded');
  await waitFor(() => follower.describe()!.version === build.version, 5_000);
  t.ok(existsSync(store.file(store.newer, 'manifest.json')), 'the version a request on the follower reads is kept');
  inFlight.release();

  // A version that fails to load on the follower: reported, not marked, and the old version serves on.
  DAMAGE.truncate!(store.file(store.newer, 'index.faiss'));
  await writeCurrent(store.indexDir, store.newer); // as a replica that had not seen the damage would
  await waitFor(() => follower.replicaStatus().failures === 1, 5_000);
  t.equal(follower.describe()!.version, build.version, 'the follower keeps serving the previous version');
  t.match(follower.replicaStatus().failed, { version: store.newer, reason: /index\.faiss/ });
  t.equal(follower.notCaughtUp(), undefined, 'and is ready on it');
  t.ok(sink.lines.some((l) => l.startsWith(`warn index: version ${store.newer}, which another replica made current, failed to load`)));
  t.notOk(existsSync(store.file(store.newer, 'DAMAGED')), 'a follower does not mark a version it failed to load');
  await writeCurrent(store.indexDir, build.version!);
});
