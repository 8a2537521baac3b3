import t from 'tap';
import { BeamSearchTrack } from '../../../src/generator/decoding/beam-search.js';
import { decode } from '../../../src/generator/decoding/decode.js';
import { GreedyTrack, ragTokenGreedy } from '../../../src/generator/decoding/greedy.js';
import { runTracks } from '../../../src/generator/decoding/tracks.js';
import { DecodingAbortedError } from '../../../src/generator/decoding/types.js';
import { type StepFn } from '../../../src/types/generation.js';
import { logw, testConfig } from './config.js';
import { fakeStep } from './fake-step.js';

const V = 6;
const table = {
  0: { '': { 3: 0.6 }, '3': { 4: 0.6 }, '3,4': { 2: 0.9 } },
  1: { '': { 4: 0.7 }, '4': { 2: 0.6 } },
  2: { '': { 5: 0.5, 4: 0.4 }, '5': { 3: 0.5 }, '4': { 2: 0.9 }, '5,3': { 2: 0.8 } },
};

t.test('abort stops decoding between steps with a DecodingAbortedError', async (t) => {
  const controller = new AbortController();
  const fake = fakeStep({}, V, { 4: 0.9 });
  let calls = 0;
  const step: StepFn = async (input) => {
    if (++calls === 2) controller.abort(new Error('client gone'));
    return fake.step(input);
  };
  const err = await ragTokenGreedy(step, [0], testConfig({ maxLength: 20 }), { signal: controller.signal }).catch((e) => e);
  t.type(err, DecodingAbortedError);
  t.match(err.message, /client gone/);
  t.equal(calls, 2, 'the step in flight finishes; no further step starts');
  const none = await decode(step, [0], testConfig(), { mode: 'sequence', signal: controller.signal }).catch((e) => e);
  t.type(none, DecodingAbortedError, 'an aborted signal stops before the first step');
  t.equal(calls, 2);
});

t.test('tracks of different requests share steps and decode exactly as they do alone', async (t) => {
  const cfg = testConfig({ maxLength: 5 });
  const aloneA = new GreedyTrack(cfg, logw(0.5, 0.5), [0, 1]);
  await runTracks([aloneA], fakeStep(table, V).step);
  const aloneB = new BeamSearchTrack(cfg, [0], [2]);
  await runTracks([aloneB], fakeStep(table, V).step);
  const a = new GreedyTrack(cfg, logw(0.5, 0.5), [0, 1]);
  const b = new BeamSearchTrack(cfg, [0], [2]);
  const shared = fakeStep(table, V);
  await runTracks([a, b], shared.step);
  t.same(a.result(), aloneA.result());
  t.same(b.result(), aloneB.result());
  t.same(shared.calls[0].contexts, [0, 1, 2], 'one step serves both');
  t.same(shared.calls[1].parents, [0, 1, 2, 2], 'the beam track\'s parents are offset past the greedy rows');
  t.ok(shared.calls.some((c) => c.contexts.every((x) => x === 2)), 'a finished track leaves the batch');
});

t.test('a step that returns the wrong number of log-probabilities is an error', async (t) => {
  const bad: StepFn = async () => new Float32Array(7);
  await t.rejects(ragTokenGreedy(bad, logw(0.5, 0.5), testConfig()), /7 log-probabilities for 2 rows/);
});

t.test('decode runs greedy for one beam and beam search otherwise', async (t) => {
  const greedy = await decode(fakeStep(table, V).step, [0], testConfig({ numBeams: 1 }), { mode: 'token' });
  t.equal(greedy.mode, 'token');
  t.notOk('score' in greedy, 'greedy has no beam score');
  const beam = await decode(fakeStep(table, V).step, [0], testConfig(), { mode: 'token' });
  t.ok('hypotheses' in beam);
});
