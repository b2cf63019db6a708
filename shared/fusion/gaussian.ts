// Fusion of two Gaussian estimates of the same state: the information form (independent errors) and covariance
// intersection (unknown cross-correlation). Pure math, number[] / number[][] at the interface and flat
// Float64Arrays inside: the vehicle fuses every associated pair of every frame, and covariance intersection runs
// dozens of Cholesky solves per pair, where per-operation allocations (ml-matrix's, then nested arrays') cost far
// more than the 4x4 arithmetic. The loops do exactly the floating-point operations of the ml-matrix calls they
// replaced (mmul, CholeskyDecomposition and its solve, in their order), so results are unchanged bit for bit;
// choleskySpd still returns ml-matrix's decomposition. The flat intermediates live in one reused workspace per
// matrix size: allocating a dozen small Float64Arrays per fusion cost more than the arithmetic on them.
//
// Degenerate inputs: a covariance that is singular but positive semi-definite (e.g. a zero matrix from a source
// that claims perfect knowledge) is regularised by adding eps * scale to its diagonal, scale = its largest
// absolute diagonal entry (1 if that is 0), eps = REGULARISATION_EPS. A covariance that is still not positive
// definite after that (indefinite, NaN, Infinity) is garbage from upstream: we throw a RangeError naming it
// rather than return a fused estimate that looks valid.
import { choleskyFactorRegularised, choleskySolve } from '../kernels/cholesky.js';
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
  const ws = workspace(n);
  // Validates both inputs (throws on indefinite covariances); the factors themselves are not needed.
  const pa = symmetrisedFlat(a.cov, n, ws.pa);
  const pb = symmetrisedFlat(b.cov, n, ws.pb);
  lowerFlat(pa, n, 'fuseInformation: a.cov');
  lowerFlat(pb, n, 'fuseInformation: b.cov');
  const sum = ws.sum;
  for (let i = 0; i < n * n; i++) sum[i] = pa[i]! + pb[i]!;
  const sL = lowerFlat(sum, n, 'fuseInformation: a.cov + b.cov');
  // S and Pa are symmetric, so K = Pa S^-1 = (S^-1 Pa)^T.
  const sInvPa = ws.product;
  sInvPa.set(pa);
  choleskySolve(sL, n, sInvPa, n);
  const k = ws.gain;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = sInvPa[j * n + i]!;
  const x: number[] = [];
  for (let i = 0; i < n; i++) {
    let kd = 0;
    for (let c = 0; c < n; c++) kd += k[i * n + c]! * (b.mean[c]! - a.mean[c]!);
    x.push(a.mean[i]! + kd);
  }
  const iMinusK = ws.complement;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) iMinusK[i * n + j] = (i === j ? 1 : 0) - k[i * n + j]!;
  // (I - K) Pa (I - K)^T + K Pb K^T, each product summed as ml-matrix's mmul.
  const left = congruence(iMinusK, pa, n, ws.product, ws.left);
  const right = congruence(k, pb, n, ws.product, ws.right);
  for (let i = 0; i < n * n; i++) left[i] = left[i]! + right[i]!;
  return { mean: x, cov: symmetrisedToPlain(left, n) };
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
  const ws = workspace(n);
  const ia = inverseFlat(a.cov, n, 'fuseCovarianceIntersection: a.cov', ws.inverseA);
  const ib = inverseFlat(b.cov, n, 'fuseCovarianceIntersection: b.cov', ws.inverseB);
  const gap = ws.gap;
  for (let i = 0; i < n * n; i++) gap[i] = ia[i]! - ib[i]!;
  const w = omega ?? maximiseConcaveOnUnitInterval((wa) => informationSlope(ws, n, wa));
  const infoL = lowerFlat(fusedInformation(ws, n, w), n, 'fuseCovarianceIntersection: fused information');
  const weighted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let fa = 0;
    let fb = 0;
    for (let c = 0; c < n; c++) fa += ia[i * n + c]! * a.mean[c]!;
    for (let c = 0; c < n; c++) fb += ib[i * n + c]! * b.mean[c]!;
    weighted[i] = fa * w + fb * (1 - w);
  }
  const p = identityFlat(n, ws.product);
  choleskySolve(infoL, n, p, n);
  choleskySolve(infoL, n, weighted, 1);
  return { mean: Array.from(weighted), cov: symmetrisedToPlain(p, n), omega: w };
}

/** The symmetrised information matrix w Pa^-1 + (1 - w) Pb^-1 of covariance intersection, in ws.info. */
function fusedInformation(ws: Workspace, n: number, w: number): Float64Array {
  const raw = ws.raw;
  const info = ws.info;
  for (let i = 0; i < n * n; i++) raw[i] = ws.inverseA[i]! * w + ws.inverseB[i]! * (1 - w);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) info[i * n + j] = (raw[i * n + j]! + raw[j * n + i]!) / 2;
  return info;
}

/** d/dw log det(information(w)) = tr(information(w)^-1 (Pa^-1 - Pb^-1)), non-increasing in w. */
function informationSlope(ws: Workspace, n: number, w: number): number {
  const l = lowerFlat(fusedInformation(ws, n, w), n, 'fuseCovarianceIntersection: fused information');
  const x = ws.solved;
  x.set(ws.gap);
  choleskySolve(l, n, x, n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += x[i * n + i]!;
  return trace;
}

// ------------------------------------------------- flat-array algebra for the fusions (same operations, fewer objects)

/** Reused n x n buffers of one matrix size. Each function below says which it writes; none calls back out, so
 * one set per size is enough. */
interface Workspace {
  pa: Float64Array;
  pb: Float64Array;
  sum: Float64Array;
  gain: Float64Array;
  complement: Float64Array;
  product: Float64Array;
  left: Float64Array;
  right: Float64Array;
  inverseA: Float64Array;
  inverseB: Float64Array;
  gap: Float64Array;
  raw: Float64Array;
  info: Float64Array;
  solved: Float64Array;
  /** inverseFlat's symmetrised input. */
  symmetric: Float64Array;
}

const WORKSPACES = new Map<number, Workspace>();

function workspace(n: number): Workspace {
  let ws = WORKSPACES.get(n);
  if (ws === undefined) {
    const m = (): Float64Array => new Float64Array(n * n);
    ws = {
      pa: m(), pb: m(), sum: m(), gain: m(), complement: m(), product: m(), left: m(), right: m(), inverseA: m(),
      inverseB: m(), gap: m(), raw: m(), info: m(), solved: m(), symmetric: m(),
    };
    WORKSPACES.set(n, ws);
  }
  return ws;
}

/** (M + Mᵀ) / 2, row-major flat, into out. */
function symmetrisedFlat(m: Matrix, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (m[i]![j]! + m[j]![i]!) / 2;
  return out;
}

/** (M + Mᵀ) / 2 of a flat matrix, as number[][] (what callers get back). */
function symmetrisedToPlain(m: Float64Array, n: number): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push((m[i * n + j]! + m[j * n + i]!) / 2);
    out.push(row);
  }
  return out;
}

function identityFlat(n: number, out: Float64Array): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** M P Mᵀ into out, each product entry summed from 0 over k ascending (as ml-matrix's mmul of M P, then of that
 * and Mᵀ); `mp` holds M P. */
function congruence(m: Float64Array, p: Float64Array, n: number, mp: Float64Array, out: Float64Array): Float64Array {
  return multiply(multiply(m, p, n, false, mp), m, n, true, out);
}

/** A B, or A Bᵀ when bTransposed, into out (not a or b). */
function multiply(a: Float64Array, b: Float64Array, n: number, bTransposed: boolean, out: Float64Array): Float64Array {
  const rowStride = bTransposed ? 1 : n;
  const colStride = bTransposed ? n : 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * rowStride + j * colStride]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** The regularised Cholesky factor of a flat symmetric matrix (not modified), after checking it is finite.
 * Valid until the next factorisation. */
function lowerFlat(sym: Float64Array, n: number, what: string): Float64Array {
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(sym[i])) throw new RangeError(`${what}: matrix has non-finite entries`);
  return choleskyFactorRegularised(sym, n, what);
}

/** The symmetrised inverse of a symmetric positive-definite m (regularised as lowerFlat), into out (ws.inverseA or
 * ws.inverseB). */
function inverseFlat(m: Matrix, n: number, what: string, out: Float64Array): Float64Array {
  const ws = workspace(n);
  const inv = identityFlat(n, ws.solved);
  choleskySolve(lowerFlat(symmetrisedFlat(m, n, ws.symmetric), n, what), n, inv, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (inv[i * n + j]! + inv[j * n + i]!) / 2;
  return out;
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
