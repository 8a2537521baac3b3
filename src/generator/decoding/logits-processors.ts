/**
 * The logits processors of docs/DECODING.md, applied in place to one row's log-probabilities, in this order:
 * min_length, bad_words_ids, no_repeat_ngram_size, the span constraint of extractive tasks, forced BOS, forced EOS.
 * Each is off when its config value (or the constraint) is null.
 */
import type { GenerationConfig } from './generation-config.js';
import type { SpanConstraint } from './span-constraint.js';

/** The options the processors read. */
export type ProcessorConfig = Pick<GenerationConfig,
  'eosTokenId' | 'minLength' | 'badWordsIds' | 'noRepeatNgramSize' | 'forcedBosTokenId' | 'forcedEosTokenId' | 'maxLength'>;

/**
 * Applies every processor to `scores` (modified in place and returned). `tokens` is the row's sequence so far,
 * the decoder start token included, so `cur_len = tokens.length`.
 */
export function applyLogitsProcessors(
  scores: Float64Array, tokens: readonly number[], cfg: ProcessorConfig, constraint: SpanConstraint | null = null,
): Float64Array {
  const curLen = tokens.length;
  if (cfg.minLength !== null && curLen < cfg.minLength) ban(scores, cfg.eosTokenId);
  if (cfg.badWordsIds) banBadWords(scores, tokens, cfg.badWordsIds);
  if (cfg.noRepeatNgramSize !== null && cfg.noRepeatNgramSize > 0) banRepeatedNgrams(scores, tokens, cfg.noRepeatNgramSize);
  constraint?.restrict(scores, tokens);
  if (cfg.forcedBosTokenId !== null && curLen === 1) force(scores, cfg.forcedBosTokenId);
  if (cfg.forcedEosTokenId !== null && curLen === cfg.maxLength - 1) force(scores, cfg.forcedEosTokenId);
  return scores;
}

/** Bans the last token of each banned sequence whose head the generated tokens end with. */
function banBadWords(scores: Float64Array, tokens: readonly number[], banned: readonly (readonly number[])[]): void {
  for (const seq of banned) {
    const head = seq.length - 1;
    if (head > tokens.length) continue;
    let match = true;
    for (let i = 0; i < head && match; i++) match = tokens[tokens.length - head + i] === seq[i];
    if (match) ban(scores, seq[head]);
  }
}

/**
 * Bans every token that would complete an n-gram the row already holds (HF's NoRepeatNGramLogitsProcessor): the
 * tokens that followed an earlier occurrence of the last n-1 tokens. The decoder start token counts.
 */
function banRepeatedNgrams(scores: Float64Array, tokens: readonly number[], n: number): void {
  const len = tokens.length;
  if (len + 1 < n) return;
  const head = len - (n - 1);
  for (let start = 0; start + n <= len; start++) {
    let match = true;
    for (let i = 0; i < n - 1 && match; i++) match = tokens[start + i] === tokens[head + i];
    if (match) ban(scores, tokens[start + n - 1]);
  }
}

function ban(scores: Float64Array, id: number): void {
  // Ids outside the vocabulary cannot be produced anyway.
  if (id < scores.length) scores[id] = -Infinity;
}

/** Every token but `id` gets -inf; `id` keeps its score. */
function force(scores: Float64Array, id: number): void {
  const keep = id < scores.length ? scores[id] : -Infinity;
  scores.fill(-Infinity);
  if (id < scores.length) scores[id] = keep;
}
