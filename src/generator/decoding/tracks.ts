/**
 * Several decoding processes ("tracks") run in lockstep through one step callback: each step gathers the rows
 * every unfinished track wants, calls `step` once, and hands each track its slice of the log-probabilities. A track names
 * parents among its own rows of the previous step; this module maps them to rows of the shared batch. This is
 * how RAG-Sequence runs K beam searches at once, and how rows of several requests can later share one step.
 */
import { DecodingAbortedError } from './types.js';
import { type LogProbs, type StepFn } from '../../types/generation.js';

/** The rows a track wants in the next step; `parents` index the track's own rows of the previous step. */
export interface TrackRows {
  tokens: readonly number[];
  parents: readonly number[];
  contexts: readonly number[];
}

/** One decoding process driven by `runTracks`. */
export interface DecodingTrack {
  /** Rows for the next step, or null when the track has finished. */
  nextRows(): TrackRows | null;
  /** This track's next-token log-probabilities for the rows it asked for, `[rows, vocab]`. */
  consume(logProbs: LogProbs, vocab: number): void;
}

/** Throws a `DecodingAbortedError` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DecodingAbortedError(signal.reason);
}

/**
 * Steps every track until all have finished. Tracks that start together must start on the same step (their
 * first rows all have parent -1); a finished track's rows simply leave the batch.
 */
export async function runTracks(tracks: readonly DecodingTrack[], step: StepFn, signal?: AbortSignal): Promise<void> {
  // Where each track's rows sat in the previous step's batch.
  const previousBase = new Array<number>(tracks.length).fill(-1);
  for (;;) {
    const wanted = tracks.map((track) => track.nextRows());
    const total = wanted.reduce((n, rows) => n + (rows ? rows.tokens.length : 0), 0);
    if (total === 0) return;
    throwIfAborted(signal);
    const tokens = new Int32Array(total);
    const parents = new Int32Array(total);
    const contexts = new Int32Array(total);
    const base = new Array<number>(tracks.length).fill(-1);
    let row = 0;
    wanted.forEach((rows, t) => {
      if (!rows) return;
      base[t] = row;
      for (let i = 0; i < rows.tokens.length; i++, row++) {
        const parent = rows.parents[i];
        if (parent >= 0 && previousBase[t] < 0) throw new Error(`track ${t} names a parent but had no rows before`);
        tokens[row] = rows.tokens[i];
        parents[row] = parent < 0 ? -1 : previousBase[t] + parent;
        contexts[row] = rows.contexts[i];
      }
    });
    const logProbs = await step({ tokens, parents, contexts });
    if (logProbs.length === 0 || logProbs.length % total !== 0) {
      throw new Error(`step returned ${logProbs.length} log-probabilities for ${total} rows; expected [rows, vocab]`);
    }
    const vocab = logProbs.length / total;
    wanted.forEach((rows, t) => {
      if (!rows) return;
      const n = rows.tokens.length;
      tracks[t].consume(logProbs.subarray(base[t] * vocab, (base[t] + n) * vocab), vocab);
    });
    base.forEach((b, t) => { previousBase[t] = b; });
  }
}
