/**
 * Generation options, read from a bundle's Hugging Face `generation_config.json` (snake_case) into camelCase,
 * with the defaults of docs/DECODING.md (facebook/rag-token-nq) for absent fields.
 */

/** The options decoding needs. A processor whose option is null is off. */
export interface GenerationConfig {
  decoderStartTokenId: number;
  bosTokenId: number | null;
  eosTokenId: number;
  padTokenId: number | null;
  numBeams: number;
  minLength: number | null;
  /** Counts the decoder start token: `1 + max_new_tokens`. */
  maxLength: number;
  badWordsIds: number[][] | null;
  /** Bans repeating any n-gram of this size; null or 0 is off. */
  noRepeatNgramSize: number | null;
  forcedBosTokenId: number | null;
  forcedEosTokenId: number | null;
  lengthPenalty: number;
  earlyStopping: boolean;
}

/** DECODING.md's defaults (facebook/rag-token-nq). */
export const DEFAULT_GENERATION_CONFIG: Readonly<GenerationConfig> = Object.freeze({
  decoderStartTokenId: 2,
  bosTokenId: 0,
  eosTokenId: 2,
  padTokenId: 1,
  numBeams: 4,
  minLength: 1,
  maxLength: 50,
  badWordsIds: [[0, 0]],
  noRepeatNgramSize: null,
  forcedBosTokenId: null,
  forcedEosTokenId: 2,
  lengthPenalty: 1.0,
  earlyStopping: false,
});

/**
 * Reads a parsed `generation_config.json`. Absent fields take the defaults; `null` switches a processor off;
 * values decoding cannot honour (a list of several eos ids, `early_stopping: "never"`) are rejected, so that a
 * bundle is never decoded differently from what it asks.
 */
export function parseGenerationConfig(json: Record<string, unknown>): GenerationConfig {
  const d = DEFAULT_GENERATION_CONFIG;
  const cfg: GenerationConfig = {
    decoderStartTokenId: tokenId(json, 'decoder_start_token_id', d.decoderStartTokenId, false) as number,
    bosTokenId: tokenId(json, 'bos_token_id', d.bosTokenId, true),
    eosTokenId: tokenId(json, 'eos_token_id', d.eosTokenId, false) as number,
    padTokenId: tokenId(json, 'pad_token_id', d.padTokenId, true),
    numBeams: integer(json, 'num_beams', d.numBeams, 1) as number,
    minLength: integer(json, 'min_length', d.minLength, 0, true),
    maxLength: integer(json, 'max_length', d.maxLength, 1) as number,
    badWordsIds: badWords(json.bad_words_ids, d.badWordsIds),
    noRepeatNgramSize: integer(json, 'no_repeat_ngram_size', d.noRepeatNgramSize, 0, true),
    forcedBosTokenId: tokenId(json, 'forced_bos_token_id', d.forcedBosTokenId, true),
    forcedEosTokenId: tokenId(json, 'forced_eos_token_id', d.forcedEosTokenId, true),
    lengthPenalty: lengthPenalty(json.length_penalty, d.lengthPenalty),
    earlyStopping: earlyStopping(json.early_stopping, d.earlyStopping),
  };
  return cfg;
}

/** A request's beams and new-token budget applied over a bundle's config. */
export function withRequest(cfg: GenerationConfig, req: { numBeams?: number; maxNewTokens?: number }): GenerationConfig {
  return {
    ...cfg,
    ...(req.numBeams !== undefined ? { numBeams: req.numBeams } : {}),
    ...(req.maxNewTokens !== undefined ? { maxLength: 1 + req.maxNewTokens } : {}),
  };
}

function tokenId(json: Record<string, unknown>, key: string, fallback: number | null, nullable: boolean): number | null {
  let value = json[key];
  if (value === undefined) return fallback;
  // HF allows a list of eos ids; one id in a list is the same thing, several are not supported here.
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (value === null && nullable) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`generation_config.json: ${key} must be one non-negative integer token id, got ${JSON.stringify(value)}`);
  }
  return value;
}

function integer(json: Record<string, unknown>, key: string, fallback: number | null, min: number, nullable = false): number | null {
  const value = json[key];
  if (value === undefined) return fallback;
  if (value === null && nullable) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`generation_config.json: ${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function badWords(value: unknown, fallback: number[][] | null): number[][] | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  const ok = Array.isArray(value) && value.every((seq) => Array.isArray(seq) && seq.length > 0
    && seq.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0));
  if (!ok) throw new Error(`generation_config.json: bad_words_ids must be a list of non-empty lists of token ids`);
  return (value as number[][]).map((seq) => [...seq]);
}

function lengthPenalty(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`generation_config.json: length_penalty must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function earlyStopping(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    throw new Error(`generation_config.json: early_stopping must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}
