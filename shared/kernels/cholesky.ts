// Cholesky factorisation S = L Lᵀ of small symmetric matrices and the solves built on it: the one
// implementation behind gating, Gaussian fusion and the tracker's Kalman update.
//
// Matrices are flat row-major Float64Arrays (entry (i, j) at i n + j): ml-matrix, which this replaced, allocated
// several objects per call, ~100x the arithmetic of the 2x2 and 4x4 systems solved here for every candidate pair
// and fused pair of every frame. The operation order is ml-matrix's CholeskyDecomposition (row j of L from the
// left, each inner sum from 0 over k ascending) and its solve (forward, then backward substitution), so results
// are bit-identical to those calls. Keep the order: the simulator's output hash depends on the last bits (gating
// and the IMM mode probabilities react to them near ties). test/kernels checks it against ml-matrix.
//
// Results come back in buffers owned by this module, reused by the next call of the same function: use or copy
// them before calling it again.

/** Relative diagonal loading applied once to a matrix that is not numerically positive definite. */
export const REGULARISATION_EPS = 1e-9;

/**
 * Lower Cholesky factor of the symmetric n x n matrix `a` (its lower triangle is read), or null when `a` is not
 * numerically positive definite. n = 2 goes through {@link cholesky2x2}.
 */
export function choleskyFactor(a: ArrayLike<number>, n: number): Float64Array | null {
  const l = buffers(n).factor;
  if (n === 2) {
    const f = cholesky2x2(a[0]!, a[2]!, a[3]!);
    if (f === null) return null;
    l[0] = f[0]!;
    l[1] = 0;
    l[2] = f[1]!;
    l[3] = f[2]!;
    return l;
  }
  l.fill(0);
  let positiveDefinite = true;
  for (let j = 0; j < n; j++) {
    let d = 0;
    for (let k = 0; k < j; k++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += l[k * n + i]! * l[j * n + i]!;
      s = (a[j * n + k]! - s) / l[k * n + k]!;
      l[j * n + k] = s;
      d = d + s * s;
    }
    d = a[j * n + j]! - d;
    positiveDefinite &&= d > 0;
    l[j * n + j] = Math.sqrt(Math.max(d, 0));
  }
  return positiveDefinite ? l : null;
}

/**
 * {@link choleskyFactor} of a covariance, regularised: a matrix that is singular but positive semi-definite (e.g.
 * a zero matrix from a source that claims perfect knowledge) gets eps · scale added to its diagonal once, scale =
 * its largest absolute diagonal entry (1 if that is 0), eps = {@link REGULARISATION_EPS}. One that is still not
 * positive definite (indefinite, NaN) is garbage from upstream: RangeError naming `what`.
 */
export function choleskyFactorRegularised(sym: ArrayLike<number>, n: number, what: string): Float64Array {
  const l = choleskyFactor(sym, n);
  if (l !== null) return l;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(sym[i * n + i]!));
  const eps = REGULARISATION_EPS * (scale > 0 ? scale : 1);
  const loaded = buffers(n).loaded;
  for (let i = 0; i < n * n; i++) loaded[i] = sym[i]!;
  for (let i = 0; i < n; i++) loaded[i * n + i] = loaded[i * n + i]! + eps;
  const regularised = choleskyFactor(loaded, n);
  if (regularised === null) throw new RangeError(`${what}: matrix is not positive semi-definite`);
  return regularised;
}

/** {@link choleskyFactorRegularised} after checking that every entry is finite (RangeError naming `what`). */
export function choleskyFactorCovariance(sym: ArrayLike<number>, n: number, what: string): Float64Array {
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(sym[i])) throw new RangeError(`${what}: matrix has non-finite entries`);
  return choleskyFactorRegularised(sym, n, what);
}

/** Solves L Lᵀ X = B in place: `b` is the n x count matrix B (row-major), replaced by X. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, count: number): void {
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < count; j++) {
      for (let i = 0; i < k; i++) b[k * count + j] = b[k * count + j]! - b[i * count + j]! * l[k * n + i]!;
      b[k * count + j] = b[k * count + j]! / l[k * n + k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let j = 0; j < count; j++) {
      for (let i = k + 1; i < n; i++) b[k * count + j] = b[k * count + j]! - b[i * count + j]! * l[i * n + k]!;
      b[k * count + j] = b[k * count + j]! / l[k * n + k]!;
    }
  }
}

/**
 * rᵀ S⁻¹ r from the factor L of S: |L⁻¹ r|², forward substitution only (the forward half of
 * {@link choleskySolve}), the squares summed from 0 in index order.
 */
export function choleskyNormSquared(l: Float64Array, n: number, r: ArrayLike<number>): number {
  const y = buffers(n).vector;
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    let v = r[i]!;
    for (let k = 0; k < i; k++) v = v - y[k]! * l[i * n + k]!;
    y[i] = v / l[i * n + i]!;
    d2 += y[i]! * y[i]!;
  }
  return d2;
}

// ---------------------------------------------------------------- the 2x2 kernel

/**
 * The 2x2 kernel: [l00, l10, l11], the lower factor of [[s00, s10], [s10, s11]], or null when that matrix is not
 * numerically positive definite. Closed form with exactly the operations of {@link choleskyFactor} at n = 2 (the
 * subtractions of its empty sums are of an exact 0, which changes no bit). Every 2x2 factorisation goes through
 * here: the tracker's innovation covariance directly, gating on position through choleskyFactor.
 */
export function cholesky2x2(s00: number, s10: number, s11: number): Float64Array | null {
  const l00 = Math.sqrt(Math.max(s00, 0));
  const l10 = s10 / l00;
  const d11 = s11 - l10 * l10;
  if (!(s00 > 0 && d11 > 0)) return null;
  FACTOR_2X2[0] = l00;
  FACTOR_2X2[1] = l10;
  FACTOR_2X2[2] = Math.sqrt(d11);
  return FACTOR_2X2;
}

/** [x0, x1] solving L Lᵀ x = b for the 2x2 factor (l00, l10, l11): {@link choleskySolve}'s operations at n = 2. */
export function choleskySolve2x2(l00: number, l10: number, l11: number, b0: number, b1: number): Float64Array {
  let x0 = b0 / l00;
  let x1 = (b1 - x0 * l10) / l11;
  x1 = x1 / l11;
  x0 = (x0 - x1 * l10) / l00;
  SOLVED_2X2[0] = x0;
  SOLVED_2X2[1] = x1;
  return SOLVED_2X2;
}

const FACTOR_2X2 = new Float64Array(3);
const SOLVED_2X2 = new Float64Array(2);

// ---------------------------------------------------------------- buffers

interface Buffers {
  factor: Float64Array;
  loaded: Float64Array;
  vector: Float64Array;
}

const BY_SIZE: Buffers[] = [];

function buffers(n: number): Buffers {
  let b = BY_SIZE[n];
  if (b === undefined) {
    b = { factor: new Float64Array(n * n), loaded: new Float64Array(n * n), vector: new Float64Array(n) };
    BY_SIZE[n] = b;
  }
  return b;
}
