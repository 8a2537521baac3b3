/**
 * Floating-point operations of the BART generator's runs, counted from its config (a multiply-add is 2): the
 * matrix products of the projections, the attention scores and weighted sums, and the feed-forward layers.
 * Layer norms, softmax, GELU, embeddings and biases (a few operations per element, not per weight) are left out,
 * so the counts are a little low and the GFLOP/s they give are, if anything, an underestimate.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The sizes that set a BART generator's work (Hugging Face `config.json` names in camelCase). */
export interface BartSizes {
  dModel: number;
  encoderLayers: number;
  decoderLayers: number;
  encoderFfn: number;
  decoderFfn: number;
  vocab: number;
  /** Longest input the position embeddings allow. */
  positions: number;
}

/** Reads a generator folder's `config.json`. */
export async function readBartSizes(generatorDir: string): Promise<BartSizes> {
  const c = JSON.parse(await readFile(join(generatorDir, 'config.json'), 'utf8')) as Record<string, number>;
  const sizes = {
    dModel: c.d_model, encoderLayers: c.encoder_layers, decoderLayers: c.decoder_layers,
    encoderFfn: c.encoder_ffn_dim, decoderFfn: c.decoder_ffn_dim, vocab: c.vocab_size,
    positions: c.max_position_embeddings,
  };
  for (const [key, value] of Object.entries(sizes)) {
    if (!(Number.isInteger(value) && value > 0)) throw new Error(`${generatorDir}/config.json: no positive integer for ${key}`);
  }
  return sizes;
}

/**
 * The encoder over `rows` inputs of `length` tokens each (no padding): per token and layer, the Q, K, V and
 * output projections (4 d^2 multiply-adds), scores and weighted sum over `length` positions (2 length d), and the
 * feed-forward layer (2 d ffn).
 */
export function encoderFlops(s: BartSizes, rows: number, length: number): number {
  const perToken = 4 * s.dModel ** 2 + 2 * length * s.dModel + 2 * s.dModel * s.encoderFfn;
  return 2 * rows * length * s.encoderLayers * perToken;
}

/**
 * One decoder step of `rows` rows, each feeding one token after `past` cached positions and attending to a
 * context of `length` tokens: per row and layer, self-attention (4 projections, scores and sum over past + 1
 * positions), cross-attention (query and output projections, scores and sum over `length`; its keys and values
 * come from the cache, except on the first step, which projects them from the `length` encoder states), the
 * feed-forward layer; then the output projection onto the vocabulary.
 */
export function decoderStepFlops(s: BartSizes, rows: number, past: number, length: number, first: boolean): number {
  const d = s.dModel;
  const selfAttention = 4 * d * d + 2 * (past + 1) * d;
  const crossAttention = 2 * d * d + 2 * length * d + (first ? 2 * d * d * length : 0);
  const perLayer = selfAttention + crossAttention + 2 * d * s.decoderFfn;
  return 2 * rows * (s.decoderLayers * perLayer + d * s.vocab);
}
