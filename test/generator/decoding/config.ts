/** A small generation config for decoding tests: tokens 0 bos, 1 pad, 2 eos (also the decoder start), 3.. words. */
import type { GenerationConfig } from '../../../src/generator/decoding/generation-config.js';

/** Every processor off; override what a test needs. */
export function testConfig(overrides: Partial<GenerationConfig> = {}): GenerationConfig {
  return {
    decoderStartTokenId: 2, bosTokenId: 0, eosTokenId: 2, padTokenId: 1, numBeams: 2, minLength: null, maxLength: 6,
    badWordsIds: null, noRepeatNgramSize: null, forcedBosTokenId: null, forcedEosTokenId: null, lengthPenalty: 1,
    earlyStopping: false,
    ...overrides,
  };
}

/** Log-weights from probabilities. */
export const logw = (...p: number[]): number[] => p.map(Math.log);

/** Rounds for comparisons of derived floats. */
export const near = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol;
