/**
 * The store's write lease (src/index/store-lease.ts) between several holders on one folder, as replicas of one
 * store are: one holder at a time, a 409 naming the holder, nested holds, a lease broken only once expired, a
 * holder that finds its lease taken, and a restarted replica taking back its own.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreLease, StoreLeaseConflictError } from '../../src/index/store-lease.js';

async function store(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const leaseFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'lease'), 'utf8'));

t.test('one holder at a time; the other is refused with the owner and since when; holds nest', async (t) => {
  const dir = await store(t);
  const a = new StoreLease(dir, 'replica-a', 60_000);
  const b = new StoreLease(dir, 'replica-b', 60_000);
  const job = a.hold();
  const prune = a.hold();
  t.match(leaseFile(dir), { owner: 'replica-a', acquired_at: /^\d{4}-/, expires_at: /^\d{4}-/ });
  const err = t.throws(() => b.hold()) as StoreLeaseConflictError;
  t.type(err, StoreLeaseConflictError);
  t.equal(err.statusCode, 409);
  t.match(err.message, new RegExp(`^replica replica-a has been writing the index store since ${leaseFile(dir).acquired_at}`));
  t.equal(b.tryHold(), undefined);
  job.release();
  t.equal(b.tryHold(), undefined, 'the nested hold keeps the lease');
  prune.release();
  const taken = b.hold();
  t.equal(leaseFile(dir).owner, 'replica-b', 'free once every hold of a is released');
  taken.release();
});

t.test('an expired lease is broken by another replica; its holder then finds it lost', async (t) => {
  const dir = await store(t);
  const a = new StoreLease(dir, 'replica-a', 1_000);
  const held = a.hold();
  const lease = leaseFile(dir);
  writeFileSync(join(dir, 'lease'), JSON.stringify({ ...lease, expires_at: new Date(Date.now() - 1).toISOString() }));
  const b = new StoreLease(dir, 'replica-b', 60_000);
  const taken = b.hold();
  t.equal(leaseFile(dir).owner, 'replica-b');
  t.throws(() => a.verify(), /taken by replica replica-b/, 'a checks before it writes `current`');
  await new Promise((r) => setTimeout(r, 500)); // a renewal runs every third of the lease
  t.ok(held.lost.aborted, 'the renewal finds the lease lost and aborts the job');
  held.release();
  t.equal(leaseFile(dir).owner, 'replica-b', 'releasing a lost lease leaves the new holder\'s');
  taken.release();
});

t.test('a held lease is renewed past its first expiry, so nobody can break it', async (t) => {
  const dir = await store(t);
  const a = new StoreLease(dir, 'replica-a', 300);
  const held = a.hold();
  await new Promise((r) => setTimeout(r, 700));
  t.throws(() => new StoreLease(dir, 'replica-b', 300).hold(), StoreLeaseConflictError);
  t.notOk(held.lost.aborted);
  held.release();
});

t.test('a restarted replica takes back the lease its earlier run left; an unreadable lease is broken', async (t) => {
  const dir = await store(t);
  new StoreLease(dir, 'replica-a', 60_000).hold(); // the earlier run, killed without releasing
  const restarted = new StoreLease(dir, 'replica-a', 60_000);
  restarted.reclaimOwn();
  restarted.hold().release();
  writeFileSync(join(dir, 'lease'), 'garbage');
  const b = new StoreLease(dir, 'replica-b', 60_000);
  b.hold().release();
  t.pass('garbage in the lease file is taken for an expired lease');
});
