// Fusion of two Gaussian estimates of the same state: the information form (independent errors) and covariance
// intersection (unknown cross-correlation). number[] / number[][] at the interface; the algebra runs on flat
// arrays (shared/kernels/).
//
// Degenerate inputs: a covariance that is singular but positive semi-definite (e.g. a zero matrix from a source
// that claims perfect knowledge) is regularised by a tiny diagonal load (shared/kernels/cholesky.ts). A covariance
// that is still not positive definite after that (indefinite, NaN, Infinity) is garbage from upstream: we throw a
// RangeError naming it rather than return a fused estimate that looks valid.
import { choleskyFactorCovariance, choleskySolve } from '../kernels/cholesky.js';
import {
  congruenceInto, covarianceInverseInto, fusionWorkspace, identityInto, symmetrisedFlatInto, symmetrisedInto,
  symmetrisedRows, transposedInto, type FusionWorkspace,
} from '../kernels/gaussian.js';
import type { Matrix } from '../kernels/gaussian.js';

/** A Gaussian estimate: mean vector and its covariance (row-major, symmetric positive definite). */
export interface Gaussian {
  mean: number[];
  cov: Matrix;
}

export interface CovarianceIntersectionResult extends Gaussian {
  /** Weight of `a`'s information in the fused information matrix, in [0, 1]. */
  omega: number;
}

function checkSquare(m: Matrix, n: number, what: string): void {
  if (m.length !== n || m.some((row) => row.length !== n)) {
    throw new RangeError(`${what}: expected a ${n}x${n} matrix`);
  }
  for (const row of m) {
    for (const v of row) if (!Number.isFinite(v)) throw new RangeError(`${what}: matrix has non-finite entries`);
  }
}

function checkPair(a: Gaussian, b: Gaussian): number {
  const n = a.mean.length;
  if (n === 0 || b.mean.length !== n) {
    throw new RangeError(`fusion: means must have the same non-zero length (got ${n} and ${b.mean.length})`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a.mean[i]) || !Number.isFinite(b.mean[i])) throw new RangeError('fusion: mean has non-finite entries');
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
  const ws = fusionWorkspace(n);
  // Validates both inputs (throws on indefinite covariances); the factors themselves are not needed.
  const pa = symmetrisedInto(a.cov, n, ws.pa);
  const pb = symmetrisedInto(b.cov, n, ws.pb);
  choleskyFactorCovariance(pa, n, 'fuseInformation: a.cov');
  choleskyFactorCovariance(pb, n, 'fuseInformation: b.cov');
  const sum = ws.sum;
  for (let i = 0; i < n * n; i++) sum[i] = pa[i]! + pb[i]!;
  const sL = choleskyFactorCovariance(sum, n, 'fuseInformation: a.cov + b.cov');
  // S and Pa are symmetric, so K = Pa S^-1 = (S^-1 Pa)^T.
  const sInvPa = ws.product;
  sInvPa.set(pa);
  choleskySolve(sL, n, sInvPa, n);
  const k = transposedInto(sInvPa, n, ws.gain);
  const x: number[] = [];
  for (let i = 0; i < n; i++) {
    let kd = 0;
    for (let c = 0; c < n; c++) kd += k[i * n + c]! * (b.mean[c]! - a.mean[c]!);
    x.push(a.mean[i]! + kd);
  }
  const iMinusK = ws.complement;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) iMinusK[i * n + j] = (i === j ? 1 : 0) - k[i * n + j]!;
  // (I - K) Pa (I - K)^T + K Pb K^T
  const left = congruenceInto(iMinusK, pa, n, ws.product, ws.left);
  const right = congruenceInto(k, pb, n, ws.product, ws.right);
  for (let i = 0; i < n * n; i++) left[i] = left[i]! + right[i]!;
  return { mean: x, cov: symmetrisedRows(left, n) };
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
  const ws = fusionWorkspace(n);
  const ia = covarianceInverseInto(a.cov, n, 'fuseCovarianceIntersection: a.cov', ws.inverseA);
  const ib = covarianceInverseInto(b.cov, n, 'fuseCovarianceIntersection: b.cov', ws.inverseB);
  const gap = ws.gap;
  for (let i = 0; i < n * n; i++) gap[i] = ia[i]! - ib[i]!;
  const w = omega ?? maximiseConcaveOnUnitInterval((wa) => informationSlope(ws, n, wa));
  const infoL = choleskyFactorCovariance(fusedInformation(ws, n, w), n, 'fuseCovarianceIntersection: fused information');
  const weighted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let fa = 0;
    let fb = 0;
    for (let c = 0; c < n; c++) fa += ia[i * n + c]! * a.mean[c]!;
    for (let c = 0; c < n; c++) fb += ib[i * n + c]! * b.mean[c]!;
    weighted[i] = fa * w + fb * (1 - w);
  }
  const p = identityInto(n, ws.product);
  choleskySolve(infoL, n, p, n);
  choleskySolve(infoL, n, weighted, 1);
  return { mean: Array.from(weighted), cov: symmetrisedRows(p, n), omega: w };
}

/** The symmetrised information matrix w Pa^-1 + (1 - w) Pb^-1 of covariance intersection, in ws.info. */
function fusedInformation(ws: FusionWorkspace, n: number, w: number): Float64Array {
  const raw = ws.raw;
  for (let i = 0; i < n * n; i++) raw[i] = ws.inverseA[i]! * w + ws.inverseB[i]! * (1 - w);
  return symmetrisedFlatInto(raw, n, ws.info);
}

/** d/dw log det(information(w)) = tr(information(w)^-1 (Pa^-1 - Pb^-1)), non-increasing in w. */
function informationSlope(ws: FusionWorkspace, n: number, w: number): number {
  const l = choleskyFactorCovariance(fusedInformation(ws, n, w), n, 'fuseCovarianceIntersection: fused information');
  const x = ws.solved;
  x.set(ws.gap);
  choleskySolve(l, n, x, n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += x[i * n + i]!;
  return trace;
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
