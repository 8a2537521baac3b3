import t from 'tap';
import { distinctCandidates, ragSequence } from '../../../src/generator/decoding/rag-sequence.js';
import { TeacherForcedTrack } from '../../../src/generator/decoding/teacher-forcing.js';
import { runTracks } from '../../../src/generator/decoding/tracks.js';
import { logw, near, testConfig } from './config.js';
import { fakeStep } from './fake-step.js';

const V = 6;
// Document 0 prefers [3, 2] then [4, 2]; document 1 prefers [5, 2] then [4, 2]. [3, 2] is not among document 1's
// beams although document 1 gives it p = .18.
const table = {
  0: { '': { 3: 0.5, 4: 0.3 } },
  1: { '': { 5: 0.5, 4: 0.3, 3: 0.2 } },
  '*': { '3': { 2: 0.9 }, '4': { 2: 0.9 }, '5': { 2: 0.9 } },
};
const w = logw(0.5, 0.5);

t.test('thorough RAG-Sequence dedups the per-document hypotheses and rescores each against every document', async (t) => {
  const fake = fakeStep(table, V);
  const out = await ragSequence(fake.step, w, testConfig());
  t.same(out.docHypotheses.map((hyps) => hyps.map((h) => h.tokens)), [[[3, 2], [4, 2]], [[5, 2], [4, 2]]]);
  t.same(out.candidates.map((c) => c.tokens), [[3, 2], [4, 2], [5, 2]], 'distinct, in order of first appearance');
  // p([3,2]) = .5 * .45 + .5 * .18 = .315; p([4,2]) = .27; p([5,2]) = .5 * (.05 * .9) + .5 * .45 = .2475.
  const expected = [0.315, 0.27, 0.2475];
  out.candidates.forEach((c, i) => t.ok(near(Math.exp(c.score), expected[i], 1e-6), `candidate ${i}: ${Math.exp(c.score)}`));
  t.same(out.tokens, [3, 2]);
  t.ok(near(Math.exp(out.candidates[0].docScores[1]), 0.18, 1e-6), 'rescored against a document that did not produce it');
  t.same(out.logprobs!.map((row) => row.map((lp) => Math.round(Math.exp(lp) * 1000) / 1000)), [[0.5, 0.9], [0.2, 0.9]]);
  t.ok(near(out.docPosteriors[0], 0.225 / 0.315) && near(out.docPosteriors[1], 0.09 / 0.315), `${out.docPosteriors}`);
  const beamCalls = fake.calls.filter((c) => c.parents.every((p) => p === -1));
  t.equal(beamCalls.length, 2, 'one batch of per-document beam searches, then one batch of rescoring');
  t.same(beamCalls[0].contexts, [0, 1], 'both documents\' beam searches share the first step');
  t.same(beamCalls[1].contexts, [0, 1, 0, 1, 0, 1], 'each candidate against each document');
});

t.test('fast RAG-Sequence uses each document\'s own beam scores and no rescoring', async (t) => {
  const fake = fakeStep(table, V);
  const out = await ragSequence(fake.step, w, testConfig(), { fast: true });
  // p([3,2]) = .5 * .45 = .225 (document 1 did not produce it); p([4,2]) = .27 from both; p([5,2]) = .225.
  t.same(out.tokens, [4, 2], 'fast and thorough disagree here');
  t.ok(near(Math.exp(out.score), 0.27, 1e-6));
  t.same(out.candidates[0].docScores[1], -Infinity);
  t.equal(out.logprobs, null);
  t.ok(near(out.docPosteriors[0], 0.5) && near(out.docPosteriors[1], 0.5));
  t.equal(fake.calls.filter((c) => c.parents.every((p) => p === -1)).length, 1, 'only the beam searches ran');
});

t.test('distinctCandidates keeps a document\'s first score for a repeated hypothesis', async (t) => {
  const h = (tokens: number[], sumLogprobs: number) => ({ tokens, sumLogprobs, score: 0, logprobs: [], docPosteriors: [] });
  const out = distinctCandidates([[h([3, 2], -1), h([3, 2], -5)], [h([4], -2), h([3, 2], -3)]]);
  t.same(out.map((c) => c.tokens), [[3, 2], [4]]);
  t.same([...out[0].produced], [[0, -1], [1, -3]]);
});

t.test('teacher forcing excludes the score of a leading bos and includes the final eos', async (t) => {
  const forcedTable = { '*': { '': { 0: 0.5, 4: 0.25 }, '0': { 3: 0.8 }, '0,3': { 2: 0.6 }, '4': { 3: 0.5 }, '4,3': { 2: 0.4 } } };
  const fake = fakeStep(forcedTable, V);
  const cfg = testConfig();
  const withBos = new TeacherForcedTrack(cfg, [0, 3, 2], 0);
  const plain = new TeacherForcedTrack(cfg, [4, 3, 2], 1);
  const short = new TeacherForcedTrack(cfg, [4], 0);
  await runTracks([withBos, plain, short], fake.step);
  t.same(withBos.logprobs.map((lp) => Math.round(Math.exp(lp) * 1000) / 1000), [1, 0.8, 0.6], 'bos scores 0 (p = 1)');
  t.same(plain.logprobs.map((lp) => Math.round(Math.exp(lp) * 1000) / 1000), [0.25, 0.5, 0.4]);
  t.ok(near(plain.total(), Math.log(0.25 * 0.5 * 0.4), 1e-6));
  t.same(fake.calls.map((c) => c.tokens), [[2, 2, 2], [0, 4], [3, 3]], 'the short sequence leaves the batch');
  t.same(fake.calls[1].parents, [0, 1]);
  t.same(fake.calls[2].parents, [0, 1]);
});
