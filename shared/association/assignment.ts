// Optimal assignment on a rectangular cost matrix with forbidden entries (+Infinity = outside the gate).
//
// Objective, in priority order:
// 1. as many allowed pairs as possible (every gated pair that can be kept is kept);
// 2. the least total cost among those;
// 3. deterministic tie-break among equal-cost optima: the lexicographically smallest vector of column choices
//    in row order, "unmatched" counting as larger than any column. In words: row 0 gets the lowest column it
//    can have in some optimum, then row 1 the lowest it can have given that, and so on. Costs within
//    `tieTolerance` x (largest |cost|) of each other count as equal.
// Forbidden pairs are never returned.
//
// Why our own solver rather than the `munkres` package: munkres returns forbidden (Infinity) pairs, does its
// arithmetic on Infinity as is, and picks an undocumented optimum among ties that could change with a
// release. Here: Hungarian algorithm with potentials (shortest augmenting paths, O(n^3), n = max(rows, cols))
// on a square matrix where forbidden and padding cells cost a finite big M, followed by an O(n^3) pass that
// walks the equality subgraph (reduced cost 0 under the optimal potentials = the edges of every optimum) to
// pick the tie-break optimum. Tests check it against munkres and against brute force.

/** Row-major costs; +Infinity marks a forbidden pair. Every row must have the same length. */
export type CostMatrix = readonly (readonly number[])[];

export interface AssignmentPair {
  row: number;
  col: number;
}

export interface AssignmentOptions {
  /** Relative tolerance under which costs tie. Default {@link DEFAULT_TIE_TOLERANCE}. */
  tieTolerance?: number;
}

/** Far above rounding error of the potentials (~n * 1e-16 relative), far below any meaningful cost gap. */
export const DEFAULT_TIE_TOLERANCE = 1e-9;

/** Sum of cost[row][col] over the pairs. */
export function assignmentCost(cost: CostMatrix, pairs: readonly AssignmentPair[]): number {
  return pairs.reduce((sum, p) => sum + cost[p.row]![p.col]!, 0);
}

/**
 * Solves the assignment problem described in the module comment. Returns pairs sorted by row. 0 rows or
 * 0 columns return []. Throws a RangeError for ragged rows, NaN or -Infinity.
 */
export function solveAssignment(cost: CostMatrix, options: AssignmentOptions = {}): AssignmentPair[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of cost) {
    if (row.length !== cols) throw new RangeError('solveAssignment: rows of the cost matrix differ in length');
    for (const c of row) {
      if (Number.isNaN(c) || c === Number.NEGATIVE_INFINITY) {
        throw new RangeError(`solveAssignment: cost must be finite or +Infinity, got ${c}`);
      }
      if (c !== Number.POSITIVE_INFINITY) {
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
    }
  }
  if (lo > hi) return []; // empty, or everything forbidden

  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const scale = Math.max(Math.abs(lo), Math.abs(hi), hi - lo) || 1;
  // One more allowed pair must always beat any reshuffle of costs: M > hi + k (hi - lo) suffices.
  const bigM = hi + (k + 1) * (hi - lo) + scale;
  if (!Number.isFinite(bigM)) throw new RangeError('solveAssignment: costs too large to separate from forbidden cells');
  const allowed = new Uint8Array(n * n);
  const a = new Float64Array(n * n).fill(bigM);
  for (let i = 0; i < rows; i++) {
    const row = cost[i]!;
    for (let j = 0; j < cols; j++) {
      const c = row[j]!;
      if (c !== Number.POSITIVE_INFINITY) {
        a[i * n + j] = c;
        allowed[i * n + j] = 1;
      }
    }
  }

  const { colOf, rowOf, u, v } = hungarian(a, n);
  const tol = (options.tieTolerance ?? DEFAULT_TIE_TOLERANCE) * scale;
  // Equality subgraph under the optimal potentials. The Hungarian pairs are tight by construction; marking
  // them explicitly keeps that true under rounding.
  const tight = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) tight[i * n + j] = a[i * n + j]! - u[i]! - v[j]! <= tol ? 1 : 0;
    tight[i * n + colOf[i]!] = 1;
  }
  lexicographicOptimum(n, rows, colOf, rowOf, tight, allowed);

  const pairs: AssignmentPair[] = [];
  for (let i = 0; i < rows; i++) {
    const j = colOf[i]!;
    if (allowed[i * n + j] === 1) pairs.push({ row: i, col: j });
  }
  return pairs;
}

/**
 * Hungarian algorithm with potentials on a square n x n matrix (flat, row-major), rows added one at a time
 * by Dijkstra-like shortest augmenting paths. Returns the perfect matching and optimal duals u, v with
 * a[i][j] - u[i] - v[j] >= 0, equal to 0 on matched pairs. Strict comparisons: lowest index wins ties.
 */
function hungarian(
  a: Float64Array,
  n: number,
): { colOf: Int32Array; rowOf: Int32Array; u: Float64Array; v: Float64Array } {
  // 1-based internally; column 0 is the virtual start of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[j] = row matched to column j (0 = none)
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a[(i0 - 1) * n + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOf = new Int32Array(n);
  const rowOf = new Int32Array(n);
  for (let j = 1; j <= n; j++) {
    colOf[p[j]! - 1] = j - 1;
    rowOf[j - 1] = p[j]! - 1;
  }
  return { colOf, rowOf, u: u.subarray(1), v: v.subarray(1) };
}

/**
 * Rewrites a perfect matching of the equality subgraph (`tight` edges) into the tie-break optimum, in place.
 * Every optimum is a perfect matching of tight edges (complementary slackness), so the search stays inside
 * the optima. Rows are fixed in order: row i takes the lowest `real` column reachable by rotating an
 * alternating cycle through its current column, moving only unfixed rows (any tight edge) and rows fixed as
 * unmatched (between non-real edges only); rows fixed to a real column never move. O(n^2) per row, O(n) for
 * a row whose current column is already its lowest tight real one (the usual case without ties).
 */
function lexicographicOptimum(
  n: number,
  realRows: number,
  colOf: Int32Array,
  rowOf: Int32Array,
  tight: Uint8Array,
  real: Uint8Array,
): void {
  const FREE = 0;
  const FIXED_REAL = 1;
  const FIXED_UNMATCHED = 2;
  const state = new Uint8Array(n).fill(FREE);
  const next = new Int32Array(n); // next[c]: column that c's current row moves into on the rotation
  const reached = new Uint8Array(n);
  const queue = new Int32Array(n);
  for (let i = 0; i < realRows; i++) {
    const c0 = colOf[i]!;
    let lowest = -1;
    for (let j = 0; j < n && lowest < 0; j++) if (tight[i * n + j] && real[i * n + j]) lowest = j;
    if (lowest < 0) {
      // No real column in any optimum: row i stays unmatched (c0 is a forbidden or padding cell).
      state[i] = FIXED_UNMATCHED;
      continue;
    }
    if (lowest === c0) {
      state[i] = FIXED_REAL;
      continue;
    }
    // Breadth-first from the column row i would vacate: which columns can be vacated in turn?
    reached.fill(0);
    reached[c0] = 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = c0;
    while (head < tail) {
      const t = queue[head++]!;
      for (let r = 0; r < n; r++) {
        if (r === i || state[r] === FIXED_REAL || !tight[r * n + t]) continue;
        if (state[r] === FIXED_UNMATCHED && real[r * n + t]) continue;
        const c = colOf[r]!;
        if (reached[c]) continue;
        reached[c] = 1;
        next[c] = t;
        queue[tail++] = c;
      }
    }
    let best = -1;
    for (let j = lowest; j < n && best < 0; j++) {
      if (reached[j] && tight[i * n + j] && real[i * n + j]) best = j;
    }
    if (best < 0) {
      // Only non-real columns are reachable: row i stays unmatched.
      state[i] = FIXED_UNMATCHED;
      continue;
    }
    // Rotate: the owner of `best` moves to next[best], that column's owner onwards, until c0 is filled.
    const moves: Array<[number, number]> = [];
    for (let c = best; c !== c0; c = next[c]!) moves.push([rowOf[c]!, next[c]!]);
    for (const [r, c] of moves) {
      colOf[r] = c;
      rowOf[c] = r;
    }
    colOf[i] = best;
    rowOf[best] = i;
    state[i] = FIXED_REAL;
  }
}
