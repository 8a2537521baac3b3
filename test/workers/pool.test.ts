/**
 * The worker pool on a small test worker (test/helpers/calls-worker.ts): calls run in other threads, errors and
 * crashes reach the caller, `pick` balances, and `close` releases and terminates every worker.
 */
import { threadId } from 'node:worker_threads';
import t from 'tap';
import { WorkerPool } from '../../src/workers/pool.js';
import type { CallsWorkerData } from '../helpers/calls-worker.js';

const ENTRY = new URL('../helpers/calls-worker.ts', import.meta.url).href;

function start(size: number, data: Partial<CallsWorkerData> = {}, warn: (m: string) => void = () => {}) {
  return WorkerPool.start<{ threadId: number }>({ entry: ENTRY, size, workerData: { mark: 'test-calls-worker', ...data }, warn });
}

/** Resolves when the worker thread has ended. */
const exited = (pool: WorkerPool, i: number) => new Promise((resolve) => pool.workers[i].worker.once('exit', resolve));

t.test('calls run in the workers\' threads, results come back, and failures reject with the worker\'s message', async (t) => {
  const pool = await start(2);
  t.teardown(() => pool.close());
  const threads = await Promise.all(pool.workers.map((w) => w.call<number>('threadId')));
  t.equal(new Set([...threads, threadId]).size, 3, 'two workers, neither the main thread');
  t.equal(pool.info.threadId, threads[0], 'the first worker\'s ready info is kept');
  t.same(Array.from(await pool.pick().call<Float32Array>('double', Float32Array.of(1, 2.5))), [2, 5], 'a transferred result');
  await t.rejects(pool.pick().call('fail', 'bad input'), { message: 'bad input' });
  await t.rejects(pool.pick().call('nothing'), { message: 'unknown operation nothing' });
  t.equal(typeof await pool.workers[0].call('threadId'), 'number', 'the worker serves on after a failed call');
});

t.test('pick prefers the worker with fewer calls in flight, then with fewer pinned states', async (t) => {
  const pool = await start(2);
  t.teardown(() => pool.close());
  const [a, b] = pool.workers;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const held = a.call('hold', flag);
  t.equal(pool.pick(), b, 'the idle worker');
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  await held;
  b.pinned = 1;
  t.equal(pool.pick(), a, 'both idle: the one holding fewer states');
});

t.test('a worker that cannot load fails the start with its reason', async (t) => {
  await t.rejects(start(2, { failToLoad: 'no model.onnx here' }), { message: 'no model.onnx here' });
});

t.test('a crashed worker fails its calls, is reported, and later calls go to the live ones', async (t) => {
  const warnings: string[] = [];
  const pool = await start(2, {}, (m) => warnings.push(m));
  t.teardown(() => pool.close());
  const [a, b] = pool.workers;
  const gone = exited(pool, 0);
  await t.rejects(a.call('exit', 3), { message: /exited with code 3/ });
  await gone;
  t.notOk(a.alive, 'marked dead');
  await t.rejects(a.call('threadId'), { message: /exited with code 3/ }, 'later calls to it fail at once');
  t.equal(pool.pick(), b, 'pick skips it');
  t.same(warnings, ['a worker exited unexpectedly (code 3); 1 of 2 remain']);
});

t.test('close releases each worker\'s resources, ends its thread, and refuses later calls', async (t) => {
  const released: string[] = [];
  const pool = await start(2, {}, (m) => released.push(m));
  const threads = await Promise.all(pool.workers.map((w) => w.call<number>('threadId')));
  const ends = [exited(pool, 0), exited(pool, 1)];
  await pool.close();
  await Promise.all(ends);
  t.same(released.sort(), threads.map((id) => `released in ${id}`).sort(), 'each worker ran its close');
  t.throws(() => pool.pick(), { message: 'the worker pool is closed' });
  await t.rejects(pool.workers[0].call('threadId'), { message: 'the worker pool is closed' });
  await pool.close(); // a second close does nothing
});
