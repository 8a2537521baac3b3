import t from 'tap';
import { DEFAULT_GENERATION_CONFIG, parseGenerationConfig, withRequest } from '../../../src/generator/decoding/generation-config.js';
import { applyLogitsProcessors, type ProcessorConfig } from '../../../src/generator/decoding/logits-processors.js';
import { logSoftmax, logSumExp, softmax } from '../../../src/generator/decoding/math.js';

const off: ProcessorConfig = {
  eosTokenId: 2, minLength: null, badWordsIds: null, noRepeatNgramSize: null, forcedBosTokenId: null,
  forcedEosTokenId: null, maxLength: 10,
};
const scores = () => Float64Array.from([-1, -2, -3, -4, -5]);

t.test('processors leave the scores alone when every option is off', async (t) => {
  t.same([...applyLogitsProcessors(scores(), [2, 3], off)], [...scores()]);
});

t.test('min_length bans eos while cur_len < min_length, counting the start token', async (t) => {
  const cfg = { ...off, minLength: 3 };
  t.equal(applyLogitsProcessors(scores(), [2, 3], cfg)[2], -Infinity, 'cur_len 2 < 3');
  t.equal(applyLogitsProcessors(scores(), [2, 3, 4], cfg)[2], -3, 'cur_len 3 is enough');
});

t.test('bad_words_ids bans a token after its head, and a one-token sequence always', async (t) => {
  const cfg = { ...off, badWordsIds: [[0, 0], [3, 4, 1], [4]] };
  const afterZero = applyLogitsProcessors(scores(), [2, 0], cfg);
  t.equal(afterZero[0], -Infinity, '[0, 0]: 0 after 0');
  t.equal(afterZero[4], -Infinity, '[4] is always banned');
  t.equal(afterZero[1], -2, '[3, 4, 1] needs the head 3, 4');
  const afterHead = applyLogitsProcessors(scores(), [2, 3, 4], cfg);
  t.equal(afterHead[1], -Infinity, 'head 3, 4 matched');
  t.equal(afterHead[0], -1, '0 only banned after 0');
  t.equal(applyLogitsProcessors(scores(), [2], { ...off, badWordsIds: [[2, 1]] })[1], -Infinity,
    'the decoder start token counts as generated');
  t.equal(applyLogitsProcessors(scores(), [2], { ...off, badWordsIds: [[9, 9, 1]] })[1], -2, 'a head longer than the sequence never matches');
});

t.test('no_repeat_ngram_size bans the tokens that would repeat an n-gram the row holds', async (t) => {
  const cfg = { ...off, noRepeatNgramSize: 3 };
  // [2, 3, 4, 0, 3, 4]: the trigrams so far are (2,3,4) (3,4,0) (4,0,3) (0,3,4); the row ends with (3, 4),
  // which was followed by 0 once, so 0 is banned and nothing else.
  const out = applyLogitsProcessors(scores(), [2, 3, 4, 0, 3, 4], cfg);
  t.same([...out], [-Infinity, -2, -3, -4, -5]);
  t.same([...applyLogitsProcessors(scores(), [2, 3], cfg)], [...scores()], 'shorter than n - 1 tokens of history');
  const bigrams = applyLogitsProcessors(scores(), [2, 4, 1, 4, 3, 4], { ...off, noRepeatNgramSize: 2 });
  t.same([...bigrams], [-1, -Infinity, -3, -Infinity, -5], '4 was followed by 1 and by 3');
  t.same([...applyLogitsProcessors(scores(), [2, 3, 3], { ...off, noRepeatNgramSize: 1 })], [-1, -2, -Infinity, -Infinity, -5],
    'n = 1 bans every token already in the row, the start token included');
  t.same([...applyLogitsProcessors(scores(), [2, 3, 3], { ...off, noRepeatNgramSize: 0 })], [...scores()], '0 is off');
});

t.test('no_repeat_ngram_size is read from generation_config.json and must be a non-negative integer', async (t) => {
  t.equal(parseGenerationConfig({ no_repeat_ngram_size: 3 }).noRepeatNgramSize, 3);
  t.equal(parseGenerationConfig({}).noRepeatNgramSize, null, 'off by default, as in facebook/rag-token-nq');
  t.throws(() => parseGenerationConfig({ no_repeat_ngram_size: -1 }), /no_repeat_ngram_size must be an integer >= 0/);
  t.throws(() => parseGenerationConfig({ no_repeat_ngram_size: 2.5 }), /no_repeat_ngram_size/);
});

t.test('forced bos keeps only its token on the first step', async (t) => {
  const cfg = { ...off, forcedBosTokenId: 0 };
  t.same([...applyLogitsProcessors(scores(), [2], cfg)], [-1, -Infinity, -Infinity, -Infinity, -Infinity]);
  t.same([...applyLogitsProcessors(scores(), [2, 0], cfg)], [...scores()], 'later steps are free');
});

t.test('forced eos keeps only eos when cur_len == max_length - 1', async (t) => {
  const cfg = { ...off, forcedEosTokenId: 2, maxLength: 3 };
  t.same([...applyLogitsProcessors(scores(), [2, 4], cfg)], [-Infinity, -Infinity, -3, -Infinity, -Infinity]);
  t.same([...applyLogitsProcessors(scores(), [2], cfg)], [...scores()]);
});

t.test('processors run in order: forced eos overrides min_length', async (t) => {
  const cfg = { ...off, minLength: 5, forcedEosTokenId: 2, maxLength: 3 };
  // min_length bans eos, then forced eos keeps eos with its (already -inf) score: everything is -inf, as in HF.
  t.ok([...applyLogitsProcessors(scores(), [2, 4], cfg)].every((s) => s === -Infinity));
});

t.test('parseGenerationConfig reads HF fields, keeps defaults and lets null switch a processor off', async (t) => {
  const cfg = parseGenerationConfig({ num_beams: 2, max_length: 9, forced_eos_token_id: null, eos_token_id: [2], early_stopping: true });
  t.equal(cfg.numBeams, 2);
  t.equal(cfg.maxLength, 9);
  t.equal(cfg.forcedEosTokenId, null);
  t.equal(cfg.eosTokenId, 2);
  t.equal(cfg.earlyStopping, true);
  t.same(cfg.badWordsIds, [[0, 0]], 'absent: default');
  t.same(parseGenerationConfig({}), DEFAULT_GENERATION_CONFIG);
  t.throws(() => parseGenerationConfig({ early_stopping: 'never' }), /early_stopping/);
  t.throws(() => parseGenerationConfig({ eos_token_id: [2, 3] }), /eos_token_id/);
  t.throws(() => parseGenerationConfig({ num_beams: 0 }), /num_beams must be an integer >= 1/);
  t.same(withRequest(cfg, { numBeams: 1, maxNewTokens: 20 }).maxLength, 21);
});

t.test('log_softmax and logsumexp are stable on large logits and on -inf', async (t) => {
  // float64 input: float32 cannot hold 1000 + log(3) closely enough for a 1e-9 check.
  const big = [1000, 1000 + Math.log(3)];
  const lsm = logSoftmax(big);
  t.ok(Math.abs(Math.exp(lsm[0]) - 0.25) < 1e-9 && Math.abs(Math.exp(lsm[1]) - 0.75) < 1e-9, `${[...lsm]}`);
  t.same([...logSoftmax([-Infinity, 0])], [-Infinity, 0]);
  t.same([...logSoftmax([-Infinity, -Infinity])], [-Infinity, -Infinity], 'fully masked stays -inf, not NaN');
  t.ok(Math.abs(logSumExp([-1e4, -1e4]) - (-1e4 + Math.log(2))) < 1e-9);
  t.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
  t.same(softmax([0, Math.log(3)]).map((p) => Math.round(p * 1e6) / 1e6), [0.25, 0.75]);
});
