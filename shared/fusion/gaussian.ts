// Fusion of two Gaussian estimates of the same state: the information form (independent errors) and covariance
// intersection (unknown cross-correlation). Pure math on number[] / number[][]; ml-matrix does the algebra.
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
  return symmetrised(choleskySpd(m, what).solve(MlMatrix.eye(m.length)).to2DArray()).to2DArray();
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
  choleskySpd(a.cov, 'fuseInformation: a.cov');
  choleskySpd(b.cov, 'fuseInformation: b.cov');
  const pa = symmetrised(a.cov);
  const pb = symmetrised(b.cov);
  const sChol = choleskySpd(pa.clone().add(pb).to2DArray(), 'fuseInformation: a.cov + b.cov');
  // S and Pa are symmetric, so K = Pa S^-1 = (S^-1 Pa)^T.
  const k = sChol.solve(pa).transpose();
  const xa = MlMatrix.columnVector(a.mean);
  const xb = MlMatrix.columnVector(b.mean);
  const x = xa.clone().add(k.mmul(xb.clone().sub(xa)));
  const iMinusK = MlMatrix.eye(n).sub(k);
  const p = iMinusK.mmul(pa).mmul(iMinusK.transpose()).add(k.mmul(pb).mmul(k.transpose()));
  return { mean: x.to1DArray(), cov: symmetrised(p.to2DArray()).to2DArray() };
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
  const ia = new MlMatrix(invertSpd(a.cov, 'fuseCovarianceIntersection: a.cov'));
  const ib = new MlMatrix(invertSpd(b.cov, 'fuseCovarianceIntersection: b.cov'));
  const information = (w: number): MlMatrix => symmetrised(MlMatrix.mul(ia, w).add(MlMatrix.mul(ib, 1 - w)).to2DArray());
  const gap = ia.clone().sub(ib);
  // d/dw log det(information(w)) = tr(information(w)^-1 (Pa^-1 - Pb^-1)), non-increasing in w.
  const slope = (w: number): number => {
    const chol = choleskySpd(information(w).to2DArray(), 'fuseCovarianceIntersection: fused information');
    return chol.solve(gap).trace();
  };
  const w = omega ?? maximiseConcaveOnUnitInterval(slope);
  const infoChol = choleskySpd(information(w).to2DArray(), 'fuseCovarianceIntersection: fused information');
  const weighted = MlMatrix.mul(ia.mmul(MlMatrix.columnVector(a.mean)), w).add(
    MlMatrix.mul(ib.mmul(MlMatrix.columnVector(b.mean)), 1 - w),
  );
  const p = infoChol.solve(MlMatrix.eye(n));
  const x = infoChol.solve(weighted);
  return { mean: x.to1DArray(), cov: symmetrised(p.to2DArray()).to2DArray(), omega: w };
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
