// Fusion of two Gaussian estimates of the same state: the information form (independent errors) and covariance
// intersection (unknown cross-correlation). Pure math on number[] / number[][], in plain loops: the vehicle fuses
// every associated pair of every frame, and covariance intersection runs dozens of Cholesky solves per pair, where
// ml-matrix's per-operation allocations cost far more than the 4x4 arithmetic. The loops do exactly the
// floating-point operations of the ml-matrix calls they replaced (mmul, CholeskyDecomposition and its solve, in
// their order), so results are unchanged bit for bit; choleskySpd still returns ml-matrix's decomposition.
//
// Degenerate inputs: a covariance that is singular but positive semi-definite (e.g. a zero matrix from a source
// that claims perfect knowledge) is regularised by adding eps * scale to its diagonal, scale = its largest
// absolute diagonal entry (1 if that is 0), eps = REGULARISATION_EPS. A covariance that is still not positive
// definite after that (indefinite, NaN, Infinity) is garbage from upstream: we throw a RangeError naming it
// rather than return a fused estimate that looks valid.
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import type { Matrix } from '../model/covariance.js';

/** A Gaussian estimate: mean vector and its covariance (row-major, symmetric positive definite). */
export interface Gaussian {
  mean: number[];
  cov: Matrix;
}

export interface CovarianceIntersectionResult extends Gaussian {
  /** Weight of `a`'s information in the fused information matrix, in [0, 1]. */
  omega: number;
}

/** Relative diagonal loading applied once to a covariance that is not numerically positive definite. */
export const REGULARISATION_EPS = 1e-9;

function symmetrised(m: Matrix): MlMatrix {
  const n = m.length;
  const out = new MlMatrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out.set(i, j, (m[i]![j]! + m[j]![i]!) / 2);
  }
  return out;
}

function checkSquare(m: Matrix, n: number, what: string): void {
  if (m.length !== n || m.some((row) => row.length !== n)) {
    throw new RangeError(`${what}: expected a ${n}x${n} matrix`);
  }
  if (m.some((row) => row.some((v) => !Number.isFinite(v)))) {
    throw new RangeError(`${what}: matrix has non-finite entries`);
  }
}

/**
 * Cholesky decomposition of a symmetric positive-definite matrix (symmetrised first). Regularises a singular
 * PSD matrix once (see the module comment) and throws a RangeError naming `what` if that does not help.
 */
export function choleskySpd(m: Matrix, what = 'covariance'): CholeskyDecomposition {
  checkSquare(m, m.length, what);
  const sym = symmetrised(m);
  const chol = new CholeskyDecomposition(sym);
  if (chol.isPositiveDefinite()) return chol;
  let scale = 0;
  for (let i = 0; i < sym.rows; i++) scale = Math.max(scale, Math.abs(sym.get(i, i)));
  const eps = REGULARISATION_EPS * (scale > 0 ? scale : 1);
  for (let i = 0; i < sym.rows; i++) sym.set(i, i, sym.get(i, i) + eps);
  const loaded = new CholeskyDecomposition(sym);
  if (!loaded.isPositiveDefinite()) {
    throw new RangeError(`${what}: matrix is not positive semi-definite`);
  }
  return loaded;
}

/** Inverse of a symmetric positive-definite matrix via Cholesky (regularised as in {@link choleskySpd}). */
export function invertSpd(m: Matrix, what = 'covariance'): Matrix {
  return symmetrisedPlain(choleskySolve(choleskyLower(m, what), identity(m.length)));
}

function checkPair(a: Gaussian, b: Gaussian): number {
  const n = a.mean.length;
  if (n === 0 || b.mean.length !== n) {
    throw new RangeError(`fusion: means must have the same non-zero length (got ${n} and ${b.mean.length})`);
  }
  if (a.mean.some((v) => !Number.isFinite(v)) || b.mean.some((v) => !Number.isFinite(v))) {
    throw new RangeError('fusion: mean has non-finite entries');
  }
  checkSquare(a.cov, n, 'fusion: a.cov');
  checkSquare(b.cov, n, 'fusion: b.cov');
  return n;
}

/**
 * Information-form fusion of two estimates with independent errors:
 * P = (Pa^-1 + Pb^-1)^-1, x = P (Pa^-1 xa + Pb^-1 xb).
 * Computed in the algebraically equal gain form K = Pa (Pa + Pb)^-1, x = xa + K (xb - xa), with the Joseph form
 * P = (I - K) Pa (I - K)^T + K Pb K^T: it only inverts Pa + Pb (so an exact, zero-covariance input is honoured)
 * and keeps P symmetric positive semi-definite under rounding.
 */
export function fuseInformation(a: Gaussian, b: Gaussian): Gaussian {
  const n = checkPair(a, b);
  // Validates both inputs (throws on indefinite covariances); the factors themselves are not needed.
  choleskyLower(a.cov, 'fuseInformation: a.cov');
  choleskyLower(b.cov, 'fuseInformation: b.cov');
  const pa = symmetrisedPlain(a.cov);
  const pb = symmetrisedPlain(b.cov);
  const sL = choleskyLower(addPlain(pa, pb), 'fuseInformation: a.cov + b.cov');
  // S and Pa are symmetric, so K = Pa S^-1 = (S^-1 Pa)^T.
  const k = transposed(choleskySolve(sL, pa));
  const kd = matMul(k, b.mean.map((v, i) => [v - a.mean[i]!]));
  const x = a.mean.map((v, i) => v + kd[i]![0]!);
  const iMinusK = identity(n).map((row, i) => row.map((v, j) => v - k[i]![j]!));
  const p = addPlain(matMul(matMul(iMinusK, pa), transposed(iMinusK)), matMul(matMul(k, pb), transposed(k)));
  return { mean: x, cov: symmetrisedPlain(p) };
}

/**
 * Covariance intersection, consistent whatever the (unknown) cross-correlation of the two errors:
 * P^-1 = w Pa^-1 + (1 - w) Pb^-1, x = P (w Pa^-1 xa + (1 - w) Pb^-1 xb).
 *
 * Without `omega`, w minimises det(P) over [0, 1]. det rather than trace: it does not depend on the units of
 * the state components (trace would add m^2 to m^2/s^2 for [x, y, vx, vy]). log det(P(w)) is convex in w, so
 * the minimum is where its derivative -tr(P(w) (Pa^-1 - Pb^-1)) crosses zero, found by bisection (bounded,
 * deterministic, full double precision; golden section on the flat objective itself only resolves w to
 * ~1e-8). When det(P) does not depend on w (equal covariances), w = 0.5, which averages the means.
 */
export function fuseCovarianceIntersection(a: Gaussian, b: Gaussian, omega?: number): CovarianceIntersectionResult {
  const n = checkPair(a, b);
  if (omega !== undefined && !(omega >= 0 && omega <= 1)) {
    throw new RangeError(`fuseCovarianceIntersection: omega must be in [0, 1], got ${omega}`);
  }
  const ia = invertSpd(a.cov, 'fuseCovarianceIntersection: a.cov');
  const ib = invertSpd(b.cov, 'fuseCovarianceIntersection: b.cov');
  const information = (w: number): Matrix => symmetrisedPlain(ia.map((row, i) => row.map((v, j) => v * w + ib[i]![j]! * (1 - w))));
  const gap = ia.map((row, i) => row.map((v, j) => v - ib[i]![j]!));
  // d/dw log det(information(w)) = tr(information(w)^-1 (Pa^-1 - Pb^-1)), non-increasing in w.
  const slope = (w: number): number => {
    const x = choleskySolve(choleskyLower(information(w), 'fuseCovarianceIntersection: fused information'), gap);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += x[i]![i]!;
    return trace;
  };
  const w = omega ?? maximiseConcaveOnUnitInterval(slope);
  const infoL = choleskyLower(information(w), 'fuseCovarianceIntersection: fused information');
  const fromA = matMul(ia, a.mean.map((v) => [v]));
  const fromB = matMul(ib, b.mean.map((v) => [v]));
  const weighted = fromA.map(([v], i) => [v! * w + fromB[i]![0]! * (1 - w)]);
  const p = choleskySolve(infoL, identity(n));
  const x = choleskySolve(infoL, weighted);
  return { mean: x.map(([v]) => v!), cov: symmetrisedPlain(p), omega: w };
}

// ---------------------------------------------------------------- plain-array algebra (ml-matrix's operation order)

/** (M + Mᵀ) / 2 as a new matrix. */
function symmetrisedPlain(m: Matrix): Matrix {
  return m.map((row, i) => row.map((v, j) => (v + m[j]![i]!) / 2));
}

function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : 0)));
}

function addPlain(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
}

function transposed(a: Matrix): Matrix {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

/** A B, each entry summed from 0 over k ascending (as ml-matrix's mmul). */
function matMul(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0]!.length;
  return a.map((ai) => {
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += ai[k]! * b[k]![j]!;
      row.push(s);
    }
    return row;
  });
}

/**
 * Lower Cholesky factor of the symmetrised m, regularised once if singular, throwing like choleskySpd: the same
 * numbers as choleskySpd(m, what).lowerTriangularMatrix.
 */
function choleskyLower(m: Matrix, what: string): Matrix {
  checkSquare(m, m.length, what);
  const sym = symmetrisedPlain(m);
  const l = choleskyOf(sym);
  if (l !== null) return l;
  let scale = 0;
  for (let i = 0; i < sym.length; i++) scale = Math.max(scale, Math.abs(sym[i]![i]!));
  const eps = REGULARISATION_EPS * (scale > 0 ? scale : 1);
  for (let i = 0; i < sym.length; i++) sym[i]![i] = sym[i]![i]! + eps;
  const loaded = choleskyOf(sym);
  if (loaded === null) throw new RangeError(`${what}: matrix is not positive semi-definite`);
  return loaded;
}

/** ml-matrix's CholeskyDecomposition of a symmetric matrix: L, or null when not positive definite. */
function choleskyOf(a: Matrix): Matrix | null {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let positiveDefinite = true;
  for (let j = 0; j < n; j++) {
    const lj = l[j]!;
    let d = 0;
    for (let k = 0; k < j; k++) {
      const lk = l[k]!;
      let s = 0;
      for (let i = 0; i < k; i++) s += lk[i]! * lj[i]!;
      s = (a[j]![k]! - s) / lk[k]!;
      lj[k] = s;
      d = d + s * s;
    }
    d = a[j]![j]! - d;
    positiveDefinite &&= d > 0;
    lj[j] = Math.sqrt(Math.max(d, 0));
  }
  return positiveDefinite ? l : null;
}

/** X with L Lᵀ X = B: forward then backward substitution, column by column, as ml-matrix's solve. */
function choleskySolve(l: Matrix, b: Matrix): Matrix {
  const n = l.length;
  const x = b.map((row) => [...row]);
  const count = x[0]!.length;
  for (let k = 0; k < n; k++) {
    const xk = x[k]!;
    const lk = l[k]!;
    for (let j = 0; j < count; j++) {
      for (let i = 0; i < k; i++) xk[j] = xk[j]! - x[i]![j]! * lk[i]!;
      xk[j] = xk[j]! / lk[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const xk = x[k]!;
    for (let j = 0; j < count; j++) {
      for (let i = k + 1; i < n; i++) xk[j] = xk[j]! - x[i]![j]! * l[i]![k]!;
      xk[j] = xk[j]! / l[k]![k]!;
    }
  }
  return x;
}

/**
 * Argmax on [0, 1] of a concave function given its non-increasing derivative. Flat (derivative >= 0 at 1 and
 * <= 0 at 0, i.e. zero throughout, as for equal covariances): 0.5, the symmetric choice that averages the
 * means. Otherwise an end point if the maximum is there, else bisection to full precision.
 */
function maximiseConcaveOnUnitInterval(slope: (w: number) => number): number {
  const atZero = slope(0);
  const atOne = slope(1);
  if (atZero <= 0 && atOne >= 0) return 0.5;
  if (atOne >= 0) return 1;
  if (atZero <= 0) return 0;
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (slope(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
