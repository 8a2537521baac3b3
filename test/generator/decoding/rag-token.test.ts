import t from 'tap';
import { ragTokenBeam } from '../../../src/generator/decoding/beam-search.js';
import { ragTokenGreedy } from '../../../src/generator/decoding/greedy.js';
import { logw, near, testConfig } from './config.js';
import { fakeStep } from './fake-step.js';

const V = 6;

t.test('greedy marginalization picks a token that no single document ranks first', async (t) => {
  const table = {
    0: { '': { 3: 0.5, 5: 0.45 } },
    1: { '': { 4: 0.6, 5: 0.35 } },
    '*': { '5': { 2: 0.9 } },
  };
  const fake = fakeStep(table, V);
  const out = await ragTokenGreedy(fake.step, logw(0.5, 0.5), testConfig());
  t.same(out.tokens, [5, 2]);
  t.ok(near(out.logprobs[0], Math.log(0.4)), `m[5] = log 0.4, got ${out.logprobs[0]}`);
  t.ok(near(out.docPosteriors[0][0], 0.5625) && near(out.docPosteriors[0][1], 0.4375), `${out.docPosteriors[0]}`);
  t.same(fake.calls[0].parents, [-1, -1], 'first step: no parents');
  t.same(fake.calls[0].contexts, [0, 1], 'row k attends to document k');
  t.same(fake.calls[1].parents, [0, 1], 'each document row continues its own cache');
  t.same(fake.calls[1].tokens, [5, 5], 'both rows feed the beam token');
  const alone = await ragTokenGreedy(fakeStep(table, V).step, [0], testConfig());
  t.equal(alone.tokens[0], 3, 'document 0 alone would pick 3');
});

t.test('greedy streams every token, stops at max_length, and forced eos ends on time', async (t) => {
  const seen: number[] = [];
  const fake = fakeStep({}, V, { 4: 0.9 });
  const out = await ragTokenGreedy(fake.step, [0], testConfig({ maxLength: 4 }), { onToken: (id) => seen.push(id) });
  t.same(out.tokens, [4, 4, 4], 'three new tokens for max_length 4');
  t.same(seen, [4, 4, 4]);
  t.equal(fake.calls.length, 3);
  const forced = await ragTokenGreedy(fakeStep({}, V, { 4: 0.9 }).step, [0], testConfig({ maxLength: 4, forcedEosTokenId: 2 }));
  t.same(forced.tokens, [4, 4, 2]);
  t.ok(near(forced.logprobs[2], Math.log(0.1 / 5), 1e-5), 'the forced token reports its own log-probability');
});

t.test('greedy ties go to the lowest token id; min_length holds eos back', async (t) => {
  const out = await ragTokenGreedy(fakeStep({ '*': { '': { 4: 0.4, 3: 0.4 } } }, V, { 2: 0.9 }).step, [0], testConfig());
  t.same(out.tokens, [3, 2]);
  const late = await ragTokenGreedy(fakeStep({}, V, { 2: 0.9, 5: 0.05 }).step, [0], testConfig({ minLength: 3 }));
  t.same(late.tokens, [5, 5, 2], 'eos banned while cur_len < 3');
});

// Step 1: 3 (.6) or 4 (.4). After 3 nothing stands out; after 4, eos is nearly certain.
const beamTable = {
  '*': { '': { 3: 0.6, 4: 0.4 }, '3': { 5: 0.4, 3: 0.3, 4: 0.3 }, '3,5': { 2: 0.5, 3: 0.5 }, '4': { 2: 0.95 } },
};

t.test('beam search finds a sequence that greedy misses', async (t) => {
  const cfg = testConfig({ maxLength: 4 });
  const greedy = await ragTokenGreedy(fakeStep(beamTable, V).step, [0], cfg);
  t.same(greedy.tokens, [3, 5, 2], 'greedy: p = 0.12');
  const fake = fakeStep(beamTable, V, { 3: 0.2, 4: 0.2, 5: 0.2 });
  const beam = await ragTokenBeam(fake.step, [0], cfg);
  t.same(beam.tokens, [4, 2], 'beam: p = 0.38');
  t.ok(near(beam.score!, Math.log(0.38) / 2, 1e-5), `score ${beam.score}`);
  t.same(beam.hypotheses!.map((h) => h.tokens), [[4, 2], [3, 5, 3]], 'the open beam at max_length beat [3, 5, 2]');
  t.same(fake.calls.map((c) => c.tokens.length), [1, 2, 2], 'the first step evaluates one beam for all');
  t.same(fake.calls[2].parents, [0, 0], 'both beams of step 3 continue beam [3]');
  t.same(fake.calls[2].tokens, [5, 3]);
});

t.test('beam parents reorder the K rows of each beam (row b*K + k)', async (t) => {
  const table = { '*': { '': { 3: 0.5, 4: 0.4 }, '3': { 5: 0.3, 3: 0.3, 4: 0.3 }, '4': { 5: 0.9 } } };
  const fake = fakeStep(table, V, { 3: 0.3 });
  await ragTokenBeam(fake.step, logw(0.5, 0.5), testConfig({ maxLength: 4 }));
  t.same(fake.calls[0].parents, [-1, -1]);
  t.same(fake.calls[1].parents, [0, 1, 0, 1], 'beams [3] and [4] both continue the first rows');
  t.same(fake.calls[1].contexts, [0, 1, 0, 1]);
  t.same(fake.calls[2].tokens, [5, 5, 3, 3], 'new beam 0 is [4, 5], new beam 1 is [3, 3]');
  t.same(fake.calls[2].parents, [2, 3, 0, 1], 'beam 0 continues old beam 1 (rows 2, 3)');
});

t.test('an eos candidate ranked >= num_beams is skipped, not finished', async (t) => {
  const table = { '*': { '': { 3: 0.5, 4: 0.3 }, '3': { 2: 0.5, 5: 0.4 }, '4': { 2: 0.5, 5: 0.1 } } };
  // Step 2 ranks: [3,2] .25 (eos, finished), [3,5] .20, [4,2] .15 (eos at rank 2: skipped), [4,5] .03.
  const out = await ragTokenBeam(fakeStep(table, V, { 2: 0.05 }).step, [0], testConfig({ maxLength: 4, lengthPenalty: 0 }));
  const finished = out.hypotheses!.map((h) => h.tokens);
  t.same(finished, [[3, 2], [3, 5, 0]], 'with length_penalty 0, [4, 2] (sum log .15) would have beaten [3, 5, 0]');
  t.ok(near(out.hypotheses![1].score, Math.log(0.2 * 0.19), 1e-5));
});

// Step 1 finishes [2] (.5); step 2 finishes [3, 2] (.21) while [4, 5] (.18) stays open; step 3 finishes [4, 5, 2].
const stopTable = {
  '*': { '': { 2: 0.5, 3: 0.3, 4: 0.2 }, '3': { 2: 0.7, 5: 0.3 }, '4': { 2: 0.1, 5: 0.9 }, '4,5': { 2: 0.95 } },
};

t.test('early_stopping ends the search as soon as num_beams hypotheses are finished', async (t) => {
  const fake = fakeStep(stopTable, V, { 2: 0.01 });
  const out = await ragTokenBeam(fake.step, [0], testConfig({ earlyStopping: true }));
  t.equal(fake.calls.length, 2);
  t.same(out.tokens, [2]);
  t.same(out.hypotheses!.map((h) => h.tokens), [[2], [3, 2]]);
});

t.test('without early stopping the search goes on while an open beam can still win', async (t) => {
  const fake = fakeStep(stopTable, V, { 2: 0.01 });
  const out = await ragTokenBeam(fake.step, [0], testConfig());
  t.equal(fake.calls.length, 3, 'log(.18)/3 > log(.21)/2 after step 2; nothing open can win after step 3');
  t.same(out.tokens, [4, 5, 2]);
  t.ok(near(out.score!, Math.log(0.2 * 0.9 * 0.95) / 3, 1e-5));
  t.same(out.logprobs.map((lp) => Math.round(Math.exp(lp) * 1000) / 1000), [0.2, 0.9, 0.95], 'per-step log-probabilities');
  t.same(out.docPosteriors, [[1], [1], [1]]);
});

t.test('length_penalty 0 compares plain sums: the short hypothesis wins and the search stops sooner', async (t) => {
  const fake = fakeStep(stopTable, V, { 2: 0.01 });
  const out = await ragTokenBeam(fake.step, [0], testConfig({ lengthPenalty: 0 }));
  t.equal(fake.calls.length, 2, 'log(.21) >= log(.18): no open beam can win');
  t.same(out.tokens, [2]);
  t.ok(near(out.score!, Math.log(0.5), 1e-5));
});

t.test('beam search reports the per-token document posterior along the winning beam', async (t) => {
  const table = { 0: { '': { 3: 0.8, 4: 0.1 } }, 1: { '': { 3: 0.2, 4: 0.7 } }, '*': { '3': { 2: 0.9 }, '4': { 2: 0.9 } } };
  const out = await ragTokenBeam(fakeStep(table, V).step, logw(0.5, 0.5), testConfig({ maxLength: 3 }));
  t.same(out.tokens, [3, 2]);
  t.ok(near(out.docPosteriors[0][0], 0.8) && near(out.docPosteriors[0][1], 0.2), `${out.docPosteriors[0]}`);
  // DECODING.md's posterior uses the prior w_k at every step: eos equally likely under both gives the prior back.
  t.ok(near(out.docPosteriors[1][0], 0.5, 1e-5) && near(out.docPosteriors[1][1], 0.5, 1e-5), `${out.docPosteriors[1]}`);
});
