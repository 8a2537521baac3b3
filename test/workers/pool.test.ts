/**
 * The worker pool on a small test worker (test/helpers/calls-worker.ts): calls run in other threads, errors and
 * crashes reach the caller, events stream back and calls can be cancelled, a dead worker is restarted while the
 * others serve, `pick` balances, and `close` releases and terminates every worker.
 */
import { threadId } from 'node:worker_threads';
import t from 'tap';
import { WorkerPool, type PoolWorker } from '../../src/workers/pool.js';
import type { CallsWorkerData } from '../helpers/calls-worker.js';

const ENTRY = new URL('../helpers/calls-worker.ts', import.meta.url).href;

function start(size: number, data: Partial<CallsWorkerData> = {}, warn: (m: string) => void = () => {}) {
  return WorkerPool.start<{ threadId: number }>({
    entry: ENTRY, size, workerData: { mark: 'test-calls-worker', ...data }, warn, restartDelayMs: 50,
  });
}

/** Resolves once slot `i` holds a live worker other than `old`. */
async function restarted(pool: WorkerPool, i: number, old: PoolWorker): Promise<PoolWorker> {
  while (pool.workers[i] === old || !pool.workers[i].alive) await new Promise((r) => setTimeout(r, 10));
  return pool.workers[i];
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

t.test('pick prefers the worker with fewer calls in flight', async (t) => {
  const pool = await start(2);
  t.teardown(() => pool.close());
  const [a, b] = pool.workers;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const held = a.call('hold', flag);
  t.equal(pool.pick(), b, 'the idle worker');
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  await held;
});

t.test('a call streams its events before its reply, and a cancelled call stops in the worker', async (t) => {
  const pool = await start(1);
  t.teardown(() => pool.close());
  const events: unknown[] = [];
  t.equal(await pool.pick().call('count', 5, { onEvent: (e) => events.push(e) }), 5);
  t.same(events, [0, 1, 2, 3, 4], 'every event, in order, before the reply');
  const controller = new AbortController();
  const seen: unknown[] = [];
  const cancelled = pool.pick().call('count', 1_000_000, { signal: controller.signal, onEvent: (e) => {
    seen.push(e);
    if (seen.length === 3) controller.abort();
  } });
  await t.rejects(cancelled, { message: /^stopped after \d+$/ }, 'the handler saw its signal abort');
  t.ok(seen.length < 1000, `it stopped after ${seen.length} events`);
  t.equal(pool.workers[0].busy, 0, 'nothing left in flight');
  const listenerFailed = pool.pick().call('count', 1_000_000, { onEvent: () => { throw new Error('the client is gone'); } });
  await t.rejects(listenerFailed, { message: 'the client is gone' }, 'an event listener that throws cancels its call, which fails with that error');
});

t.test('a worker that cannot load fails the start with its reason', async (t) => {
  await t.rejects(start(2, { failToLoad: 'no model.onnx here' }), { message: 'no model.onnx here' });
});

t.test('a crashed worker fails its calls with a 503, the others serve, and it is restarted with a growing delay', async (t) => {
  const warnings: string[] = [];
  const pool = await start(2, {}, (m) => warnings.push(m));
  t.teardown(() => pool.close());
  const [a, b] = pool.workers;
  const gone = exited(pool, 0);
  await t.rejects(a.call('exit', 3), { statusCode: 503, message: /stopped \(exit code 3\)/ }, 'process.exit in the worker');
  await gone;
  t.notOk(a.alive, 'marked dead');
  await t.rejects(a.call('threadId'), { statusCode: 503, message: /stopped/ }, 'later calls to it fail at once');
  t.equal(pool.pick(), b, 'pick skips it');
  t.equal(typeof await pool.pick().call('threadId'), 'number', 'the other worker serves meanwhile');
  const second = await restarted(pool, 0, a);
  t.equal(typeof await second.call('threadId'), 'number', 'the restarted worker serves');
  await t.rejects(second.call('crash', 'boom'), { statusCode: 503, message: /stopped \(exit code 1\)/ }, 'a throw in the worker');
  const third = await restarted(pool, 0, second);
  t.equal(typeof await third.call('threadId'), 'number');
  t.match(warnings, [
    'a worker exited unexpectedly (code 3); 1 of 2 remain; restarting it in 50 ms',
    'a worker was restarted; 2 of 2 serve',
    /^a worker failed: Error: boom/,
    'a worker exited unexpectedly (code 1); 1 of 2 remain; restarting it in 100 ms',
    'a worker was restarted; 2 of 2 serve',
  ], 'a crash soon after a restart doubles the delay');
});

t.test('while every worker is down, pick answers 503 until one is back', async (t) => {
  const pool = await start(1);
  t.teardown(() => pool.close());
  const [a] = pool.workers;
  await t.rejects(a.call('exit', 2), { statusCode: 503, message: /stopped/ });
  t.throws(() => pool.pick(), { statusCode: 503, message: /restarting/ });
  await restarted(pool, 0, a);
  t.equal(typeof await pool.pick().call('threadId'), 'number');
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
