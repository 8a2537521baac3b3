/**
 * A fake step function for decoding tests: next-token distributions come from a table keyed by context and the
 * tokens generated so far. It rebuilds every row's prefix from `parents` (so a wrong parent shows up as a wrong
 * distribution) and checks that later steps keep each row's context, as a real key/value cache would require.
 */
import type { StepFn, StepInput } from '../../../src/types/generation.js';
import { logProbsOf } from './log-probs.js';

/** Per context (or '*' for any), per generated prefix ('' for none, else 'a,b'), probabilities of some tokens. */
export type Table = Record<string, Record<string, Record<number, number>>>;

/** A recorded step call (arrays copied). */
export interface StepCall {
  tokens: number[];
  parents: number[];
  contexts: number[];
  prefixes: number[][];
}

/** The fake step, its recorded calls and the vocabulary it serves. */
export interface FakeStep {
  step: StepFn;
  calls: StepCall[];
}

/**
 * Logits are `log p` for the listed tokens; the mass left is spread evenly over the unlisted ones (a tiny floor
 * when none is left), so every table row is a proper distribution. Prefixes not in the table get `fallback`.
 */
export function fakeStep(table: Table, vocab: number, fallback: Record<number, number> = {}): FakeStep {
  const calls: StepCall[] = [];
  let previous: { prefixes: number[][]; contexts: number[] } = { prefixes: [], contexts: [] };
  const step: StepFn = async ({ tokens, parents, contexts }: StepInput) => {
    const rows = tokens.length;
    const first = parents.every((p) => p === -1);
    const prefixes: number[][] = [];
    for (let r = 0; r < rows; r++) {
      if (first) {
        prefixes.push([]);
        continue;
      }
      const p = parents[r];
      if (p < 0 || p >= previous.prefixes.length) throw new Error(`row ${r} has parent ${p} out of range`);
      if (previous.contexts[p] !== contexts[r]) throw new Error(`row ${r} changed context from its parent`);
      // The token fed now is the one the parent row chose; the start token is not part of the key.
      prefixes.push([...previous.prefixes[p], tokens[r]]);
    }
    calls.push({ tokens: [...tokens], parents: [...parents], contexts: [...contexts], prefixes });
    const logits = new Float32Array(rows * vocab);
    for (let r = 0; r < rows; r++) {
      const key = prefixes[r].join(',');
      const probs = table[String(contexts[r])]?.[key] ?? table['*']?.[key] ?? fallback;
      logits.set(logitsOf(probs, vocab), r * vocab);
    }
    previous = { prefixes, contexts: [...contexts] };
    return logProbsOf(logits, vocab);
  };
  return { step, calls };
}

function logitsOf(probs: Record<number, number>, vocab: number): Float32Array {
  const listed = Object.keys(probs).map(Number);
  const left = Math.max(1 - listed.reduce((s, t) => s + probs[t], 0), 0);
  const rest = vocab - listed.length;
  const each = rest > 0 ? Math.max(left / rest, 1e-12) : 0;
  return Float32Array.from({ length: vocab }, (_, v) => Math.log(v in probs ? probs[v] : each));
}
