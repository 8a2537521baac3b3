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
  for (const id of bannedTokens(tokens, cfg)) ban(scores, id);
  constraint?.restrict(scores, tokens);
  for (const id of forcedTokens(tokens.length, cfg)) force(scores, id);
  return scores;
}

/**
 * The token ids the processors leave a row, ascending, when they leave a short list (a span constraint or a forced
 * token applies); null when every token but a few banned ones stays, and the whole row is worth processing.
 * A token in the list keeps its score; every other gets -inf: the same outcome as `applyLogitsProcessors`.
 */
export function allowedTokens(
  tokens: readonly number[], cfg: ProcessorConfig, vocab: number, constraint: SpanConstraint | null = null,
): number[] | null {
  const forced = forcedTokens(tokens.length, cfg);
  if (!constraint && forced.length === 0) return null;
  let ids = constraint ? [...constraint.permitted(tokens)] : [forced[0]];
  for (const id of forced) ids = ids.filter((other) => other === id);
  const banned = new Set(bannedTokens(tokens, cfg));
  return ids.filter((id) => id >= 0 && id < vocab && !banned.has(id)).sort((a, b) => a - b);
}

/** What min_length, bad_words_ids and no_repeat_ngram_size ban for the next token (repeats possible). */
function bannedTokens(tokens: readonly number[], cfg: ProcessorConfig): number[] {
  const banned: number[] = [];
  if (cfg.minLength !== null && tokens.length < cfg.minLength) banned.push(cfg.eosTokenId);
  if (cfg.badWordsIds) banBadWords(banned, tokens, cfg.badWordsIds);
  if (cfg.noRepeatNgramSize !== null && cfg.noRepeatNgramSize > 0) banRepeatedNgrams(banned, tokens, cfg.noRepeatNgramSize);
  return banned;
}

/** The forced tokens of this step, in order: bos on the first step, eos on the last. */
function forcedTokens(curLen: number, cfg: ProcessorConfig): number[] {
  const forced: number[] = [];
  if (cfg.forcedBosTokenId !== null && curLen === 1) forced.push(cfg.forcedBosTokenId);
  if (cfg.forcedEosTokenId !== null && curLen === cfg.maxLength - 1) forced.push(cfg.forcedEosTokenId);
  return forced;
}

/** Lists the last token of each banned sequence whose head the generated tokens end with. */
function banBadWords(out: number[], tokens: readonly number[], words: readonly (readonly number[])[]): void {
  for (const seq of words) {
    const head = seq.length - 1;
    if (head > tokens.length) continue;
    let match = true;
    for (let i = 0; i < head && match; i++) match = tokens[tokens.length - head + i] === seq[i];
    if (match) out.push(seq[head]);
  }
}

/**
 * Lists every token that would complete an n-gram the row already holds (HF's NoRepeatNGramLogitsProcessor): the
 * tokens that followed an earlier occurrence of the last n-1 tokens. The decoder start token counts.
 */
function banRepeatedNgrams(banned: number[], tokens: readonly number[], n: number): void {
  const len = tokens.length;
  if (len + 1 < n) return;
  const head = len - (n - 1);
  for (let start = 0; start + n <= len; start++) {
    let match = true;
    for (let i = 0; i < n - 1 && match; i++) match = tokens[start + i] === tokens[head + i];
    if (match) banned.push(tokens[start + n - 1]);
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
