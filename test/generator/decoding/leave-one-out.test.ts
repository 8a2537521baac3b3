import t from 'tap';
import { decodingConfidence } from '../../../src/generator/decoding/confidence.js';
import { leaveOneOut, marginalLogLikelihood, scoreAgainstEachDocument } from '../../../src/generator/decoding/leave-one-out.js';
import { logw, near, testConfig } from './config.js';
import { fakeStep } from './fake-step.js';

const V = 6;
// The answer [3, 2]: document 0 gives 3 p = .5, document 1 p = .2, document 2 p = .1; every document then ends (.9).
const table = {
  0: { '': { 3: 0.5 } },
  1: { '': { 3: 0.2 } },
  2: { '': { 3: 0.1 } },
  '*': { '3': { 2: 0.9 } },
};
const w = logw(0.5, 0.3, 0.2);

t.test('the answer is teacher-forced once against every document', async (t) => {
  const perDoc = await scoreAgainstEachDocument(fakeStep(table, V).step, [3, 2], 3, testConfig());
  t.same(perDoc.map((row) => row.map((lp) => Math.round(Math.exp(lp) * 1000) / 1000)), [[0.5, 0.9], [0.2, 0.9], [0.1, 0.9]]);
});

t.test('leaving a document out renormalizes the others and marginalizes as the mode does', async (t) => {
  const perDoc = [[0.5, 0.9], [0.2, 0.9], [0.1, 0.9]].map((row) => row.map(Math.log));
  // RAG-Token: per step, sum_k p(z_k|x) p(y_t|z_k). Without document 0 the weights are .6 and .4.
  const token = leaveOneOut('token', w, perDoc);
  t.ok(near(Math.exp(token.logLikelihood), (0.5 * 0.5 + 0.3 * 0.2 + 0.2 * 0.1) * 0.9), `${Math.exp(token.logLikelihood)}`);
  t.ok(near(Math.exp(token.withoutDocument[0]!), (0.6 * 0.2 + 0.4 * 0.1) * 0.9), 'without document 0');
  t.equal(token.dependsOn, 0, 'the answer depends on the document that gives it most');
  // RAG-Sequence: sum_k p(z_k|x) p(y|z_k) over whole sequences.
  const seq = leaveOneOut('sequence', w, perDoc);
  t.ok(near(Math.exp(seq.logLikelihood), 0.5 * 0.45 + 0.3 * 0.18 + 0.2 * 0.09), `${Math.exp(seq.logLikelihood)}`);
  t.ok(near(Math.exp(seq.withoutDocument[2]!), (0.5 * 0.45 + 0.3 * 0.18) / 0.8), 'without document 2');
  t.ok(seq.withoutDocument[2]! > seq.logLikelihood, 'removing the weakest document raises the likelihood');
  t.same(leaveOneOut('token', [0], [[Math.log(0.5)]]).withoutDocument, [null], 'nothing is left without the only document');
  // Token and sequence marginals differ once steps disagree on the document: here they agree at step 2.
  t.ok(near(marginalLogLikelihood('token', w, perDoc, [1]), Math.log(0.2 * 0.9)), 'one document left: its own likelihood');
});

t.test('confidence is the geometric mean of the chosen tokens\' marginal probabilities', async (t) => {
  const tokenDecoding = { mode: 'token' as const, tokens: [0, 3, 2], logprobs: [0, Math.log(0.25), Math.log(0.64)], docPosteriors: [] };
  t.ok(near(decodingConfidence(tokenDecoding, 0), 0.4), 'a leading forced bos does not count');
  t.ok(near(decodingConfidence(tokenDecoding, null), Math.cbrt(0.25 * 0.64)), 'without bos every token counts');
  const sequenceDecoding = {
    mode: 'sequence' as const, tokens: [3, 2], score: Math.log(0.36), logprobs: null, docPosteriors: [], candidates: [], docHypotheses: [],
  };
  t.ok(near(decodingConfidence(sequenceDecoding, 0), 0.6), 'RAG-Sequence: exp(log p(y|x) / T)');
  t.equal(decodingConfidence({ ...tokenDecoding, tokens: [0], logprobs: [0] }, 0), 0, 'nothing generated: no confidence');
});
