/**
 * One entry point over the decoders: RAG-Token (greedy when one beam, else beam search) or RAG-Sequence
 * (thorough unless fast). The config should already carry the request's beams and length (`withRequest`).
 */
import { ragTokenBeam } from './beam-search.js';
import type { GenerationConfig } from './generation-config.js';
import { ragTokenGreedy } from './greedy.js';
import { ragSequence } from './rag-sequence.js';
import type { DecodeOptions, SequenceDecoding, TokenDecoding } from './types.js';
import type { StepFn } from '../../types/generation.js';

/** Which decoder to run. */
export interface DecodeRequest extends DecodeOptions {
  mode: 'token' | 'sequence';
  /** RAG-Sequence only: skip the rescoring pass. */
  fast?: boolean;
  /** Greedy RAG-Token only (one beam): each token id as soon as it is chosen. */
  onToken?: (tokenId: number) => void;
}

/** A decoding tagged with its mode. */
export type Decoding = ({ mode: 'token' } & TokenDecoding) | ({ mode: 'sequence' } & SequenceDecoding);

/** Decodes with document log-weights `w` over contexts 0..K-1 through `step`. */
export async function decode(step: StepFn, w: ArrayLike<number>, cfg: GenerationConfig, req: DecodeRequest): Promise<Decoding> {
  if (w.length === 0) throw new Error('decoding needs at least one document');
  if (req.mode === 'sequence') {
    return { mode: 'sequence', ...(await ragSequence(step, w, cfg, { signal: req.signal, fast: req.fast, constraint: req.constraint, scoreEveryToken: req.scoreEveryToken })) };
  }
  const out = cfg.numBeams === 1
    ? await ragTokenGreedy(step, w, cfg, { signal: req.signal, onToken: req.onToken, constraint: req.constraint, scoreEveryToken: req.scoreEveryToken })
    : await ragTokenBeam(step, w, cfg, { signal: req.signal, constraint: req.constraint, scoreEveryToken: req.scoreEveryToken });
  return { mode: 'token', ...out };
}
