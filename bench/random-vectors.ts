/** Deterministic pseudo-random vectors, uniform in [-0.5, 0.5) from a fixed-seed LCG: benchmarks and tests get the
 * same data on every run, so results compare and failures reproduce. */
export function randomVectors(n: number, d: number, seed: number): Float32Array {
  const out = new Float32Array(n * d);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}
