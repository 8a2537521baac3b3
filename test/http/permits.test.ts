import t from 'tap';
import { OverloadedError } from '../../src/errors.js';
import { Permits } from '../../src/http/permits.js';

const tick = () => new Promise((r) => setImmediate(r));

t.test('Permits grants up to maxConcurrent at once and queues the rest in order', async (t) => {
  const depths: number[] = [];
  const permits = new Permits({ maxConcurrent: 2, maxQueue: 5, queueTimeoutMs: 10_000, onQueueDepth: (d) => depths.push(d) });
  const a = await permits.acquire();
  const b = await permits.acquire();
  const order: string[] = [];
  const c = permits.acquire().then((r) => (order.push('c'), r));
  const d = permits.acquire().then((r) => (order.push('d'), r));
  await tick();
  t.equal(permits.running, 2);
  t.equal(permits.queued, 2);
  a();
  (await c)();
  b();
  (await d)();
  t.same(order, ['c', 'd']);
  t.equal(permits.running, 0);
  t.equal(permits.queued, 0);
  t.same(depths, [1, 2, 1, 0]);
});

t.test('Permits refuses with 429 and Retry-After when the queue is full', async (t) => {
  const permits = new Permits({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 10_000 });
  const release = await permits.acquire();
  const waiting = permits.acquire();
  const err = await permits.acquire().catch((e) => e);
  t.ok(err instanceof OverloadedError);
  t.equal(err.statusCode, 429);
  t.match(err.headers['Retry-After'], /^[1-9]\d*$/);
  release();
  (await waiting)();
});

t.test('Permits gives up with 503 after queueTimeoutMs', async (t) => {
  const permits = new Permits({ maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 20 });
  const release = await permits.acquire();
  const err = await permits.acquire().catch((e) => e);
  t.equal(err.statusCode, 503);
  t.equal(permits.queued, 0, 'the timed-out waiter left the queue');
  release();
});

t.test('Permits removes an aborted waiter and rejects with the abort reason', async (t) => {
  const permits = new Permits({ maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 10_000 });
  const release = await permits.acquire();
  const controller = new AbortController();
  const waiting = permits.acquire(controller.signal);
  const reason = new Error('client gone');
  controller.abort(reason);
  t.equal(await waiting.catch((e) => e), reason);
  t.equal(permits.queued, 0);
  release();
  t.equal(permits.running, 0, 'the permit was not handed to the aborted waiter');
});

t.test('release is idempotent: a second call frees no second slot', async (t) => {
  const permits = new Permits({ maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 10_000 });
  const release = await permits.acquire();
  release();
  release();
  t.equal(permits.running, 0);
  const again = await permits.acquire();
  let second = false;
  const waiting = permits.acquire().then((r) => ((second = true), r));
  await tick();
  t.equal(second, false, 'the one slot is taken: the next caller waits');
  t.equal(permits.queued, 1);
  again();
  (await waiting)();
  t.equal(permits.running, 0);
});
