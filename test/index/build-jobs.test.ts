import t from 'tap';
import { BuildConflictError, BuildJobs } from '../../src/index/build-jobs.js';

/** A runner that finishes when told to, reporting progress on the way. */
function controllable() {
  let finish!: (v: string) => void;
  let fail!: (e: Error) => void;
  let report!: (p: { done: number; total: number }) => void;
  let signal!: AbortSignal;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const runner = (r: typeof report, s: AbortSignal): Promise<{ version: string }> => {
    report = r;
    signal = s;
    ready();
    return new Promise<{ version: string }>((resolve, reject) => {
      finish = (version) => resolve({ version });
      fail = reject;
      s.addEventListener('abort', () => reject(new Error('stopped')));
    });
  };
  return {
    runner, started, finish: (v: string) => finish(v), fail: (e: Error) => fail(e),
    report: (d: number, n: number) => report({ done: d, total: n }), signal: () => signal,
  };
}

t.test('a job goes queued -> running -> succeeded with progress and version', async (t) => {
  const jobs = new BuildJobs();
  const c = controllable();
  const job = jobs.start(c.runner);
  t.match(job, { state: 'queued', progress: { done: 0, total: 0 } });
  t.ok(jobs.isBuilding());
  await c.started;
  c.report(3, 10);
  t.match(jobs.get(job.id), { state: 'running', progress: { done: 3, total: 10 } });
  c.finish('v7');
  t.match(await jobs.wait(job.id), { state: 'succeeded', version: 'v7', progress: { done: 10, total: 10 } });
  t.notOk(jobs.isBuilding());
});

t.test('a second build while one runs is refused with a 409 error; after it ends one may start', async (t) => {
  const jobs = new BuildJobs();
  const c = controllable();
  const first = jobs.start(c.runner);
  const err = t.throws(() => jobs.start(controllable().runner)) as BuildConflictError;
  t.ok(err instanceof BuildConflictError);
  t.equal(err.statusCode, 409);
  t.match(err.message, first.id);
  await c.started;
  c.fail(new Error('line 4: bad'));
  t.match(await jobs.wait(first.id), { state: 'failed', error: 'line 4: bad' });
  const next = controllable();
  const second = jobs.start(next.runner);
  await next.started;
  next.finish('v2');
  t.equal((await jobs.wait(second.id)).state, 'succeeded');
});

t.test('cancel aborts the runner and the job fails as "cancelled"; old jobs are forgotten', async (t) => {
  const jobs = new BuildJobs(1);
  const c = controllable();
  const job = jobs.start(c.runner);
  await c.started;
  t.ok(jobs.cancel(job.id));
  t.ok(c.signal().aborted);
  t.match(await jobs.wait(job.id), { state: 'failed', error: 'cancelled' });
  t.notOk(jobs.cancel(job.id), 'not active any more');
  const ids = [job.id];
  for (let i = 0; i < 2; i++) {
    const k = controllable();
    ids.push(jobs.start(k.runner).id);
    await k.started;
    k.finish(`v${i}`);
    await jobs.wait(ids.at(-1)!);
  }
  t.equal(jobs.get(ids[0]), undefined, 'oldest forgotten');
  t.ok(jobs.get(ids[2]));
  await t.rejects(jobs.wait('nope'), /no build job/);
});
