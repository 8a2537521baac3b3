/**
 * Beam search's ranking of candidate continuations: the `n` best of `scores[b][v] + beamScores[b]` over all
 * (b, v), best first, ties to the lower flat index `b*V + v` (a stable descending sort), NaN never, and -inf
 * candidates kept (earliest first) when fewer than `n` are finite. Rows come whole (`Float64Array` of V scores) or
 * sparse (the few tokens the processors left; every other token scores -inf), with the same result for both.
 */

/** One candidate continuation: beam, token and its total score. */
export interface Candidate {
  beam: number;
  token: number;
  value: number;
}

/** A row in which only `ids` (ascending) may be chosen, with their scores; every other token scores -inf. */
export interface SparseRow {
  ids: readonly number[];
  scores: readonly number[];
}

/** Keeps `top` the `n` best seen so far; candidates must be offered in flat-index order. */
function offer(top: Candidate[], n: number, beam: number, token: number, value: number): void {
  if (Number.isNaN(value)) return;
  // Strictly better than the current n-th: an equal later candidate never displaces an earlier one.
  if (top.length === n && !(value > top[n - 1].value)) return;
  let at = top.length;
  while (at > 0 && top[at - 1].value < value) at--;
  top.splice(at, 0, { beam, token, value });
  if (top.length > n) top.pop();
}

/** The `n` best candidates over whole rows (see the module comment). */
export function topCandidates(scores: readonly Float64Array[], beamScores: readonly number[], n: number): Candidate[] {
  const top: Candidate[] = [];
  for (let b = 0; b < scores.length; b++) {
    const row = scores[b];
    for (let v = 0; v < row.length; v++) offer(top, n, b, v, row[v] + beamScores[b]);
  }
  return top;
}

/** The `n` best candidates over sparse rows of a `vocab`-token vocabulary: the same as `topCandidates` on whole rows. */
export function topSparseCandidates(rows: readonly SparseRow[], beamScores: readonly number[], vocab: number, n: number): Candidate[] {
  const top: Candidate[] = [];
  for (let b = 0; b < rows.length; b++) {
    const { ids, scores } = rows[b];
    for (let i = 0; i < ids.length; i++) {
      const value = scores[i] + beamScores[b];
      if (value > -Infinity) offer(top, n, b, ids[i], value);
    }
  }
  // Short of n: the full scan would have kept the earliest -inf candidates, listed or not, after the finite ones.
  for (let b = 0; b < rows.length && top.length < n; b++) {
    const { ids, scores } = rows[b];
    let next = 0;
    for (let v = 0; v < vocab && top.length < n; v++) {
      const listed = next < ids.length && ids[next] === v;
      const value = (listed ? scores[next++] : -Infinity) + beamScores[b];
      if (value === -Infinity) top.push({ beam: b, token: v, value });
    }
  }
  return top;
}

/** The score a sparse row gives `token` (-inf when it is not listed). */
export function sparseScore(row: SparseRow, token: number): number {
  const i = row.ids.indexOf(token);
  return i < 0 ? -Infinity : row.scores[i];
}
