/**
 * The encoded inputs of several requests as one set: each request's contexts right-padded to the longest and
 * stacked, so one decoder run can attend to all of them. Padding carries mask 0, which the decoder's
 * cross-attention ignores, so a row's logits do not depend on the other requests (up to float rounding).
 */
import type { EncodedContexts } from '../../onnx/bart-generator.js';

/** The stacked contexts and, per part, the index of its first context in them. */
export interface StackedContexts {
  contexts: EncodedContexts;
  bases: number[];
}

/** Stacks `parts` in order; all must share one hidden size. */
export function stackContexts(parts: readonly EncodedContexts[]): StackedContexts {
  if (parts.length === 0) throw new Error('nothing to stack');
  const dModel = parts[0].dModel;
  if (parts.some((p) => p.dModel !== dModel)) throw new Error('contexts of different hidden sizes cannot share a run');
  if (parts.length === 1) return { contexts: parts[0], bases: [0] };
  const length = Math.max(...parts.map((p) => p.length));
  const count = parts.reduce((n, p) => n + p.count, 0);
  const hidden = new Float32Array(count * length * dModel);
  const mask = new BigInt64Array(count * length);
  const bases: number[] = [];
  let base = 0;
  for (const part of parts) {
    bases.push(base);
    for (let k = 0; k < part.count; k++) {
      const row = base + k;
      hidden.set(part.hidden.subarray(k * part.length * dModel, (k + 1) * part.length * dModel), row * length * dModel);
      mask.set(part.mask.subarray(k * part.length, (k + 1) * part.length), row * length);
    }
    base += part.count;
  }
  return { contexts: { hidden, mask, count, length, dModel }, bases };
}
