// Closed-form Kalman steps for the tracker's case: CV state [x, y, vx, vy] (4x4 covariance) and a position-only
// measurement (2x2 innovation covariance). Closed form because ml-matrix allocates several objects per operation
// and the tracker runs these for every track, mode and candidate pair of every frame.
//
// Each function performs exactly the floating-point operations of the generic path in kalman.ts (kfPredict with
// cvTransition / cvProcessNoise, kfInnovation, kfUpdate, innovationLogLikelihood with H = [I2 0]), in the same
// order, leaving out only the products with the exact 0 and 1 entries of F and H, so results are the same bit for
// bit (up to the sign of an exact zero). A change here must keep that equivalence: gating and the IMM mode
// probabilities react to the last bits near ties.
import type { Matrix } from '../model/covariance.js';
import { cvPropagateFlatCovariance } from '../motion/models.js';
import type { GaussianState } from './kalman.js';

/** Innovation of a position measurement and the Cholesky factor of its covariance S = P[0:2, 0:2] + R. */
export interface PositionInnovation {
  /** z − H x, m. */
  y0: number;
  y1: number;
  /** S, symmetrised, m². */
  s00: number;
  s01: number;
  s11: number;
  /** Lower Cholesky factor of S. */
  l00: number;
  l10: number;
  l11: number;
  /** yᵀ S⁻¹ y. */
  mahalanobisSq: number;
}

/**
 * x' = F x, P' = F P Fᵀ + Q for CV over dtS with white-noise acceleration std accelStdMps2 (kfPredict's result),
 * from a flat state (cov[4 i + j], row-major): the tracker predicts the IMM's mixed states straight from its
 * flat mixing buffers.
 */
export function cvPredict(mean: ArrayLike<number>, cov: ArrayLike<number>, dtS: number, accelStdMps2: number): GaussianState {
  const vx = mean[2]!;
  const vy = mean[3]!;
  return { mean: [mean[0]! + dtS * vx, mean[1]! + dtS * vy, vx, vy], covariance: cvPropagateFlatCovariance(cov, dtS, accelStdMps2) };
}

/** Innovation of the measurement (zx, zy) with covariance r against the prediction (kfInnovation's numbers). */
export function positionInnovation(mean: readonly number[], cov: Matrix, zx: number, zy: number, r: Matrix): PositionInnovation {
  const p0 = cov[0]!;
  const p1 = cov[1]!;
  const r0 = r[0]!;
  const r1 = r[1]!;
  const s00 = p0[0]! + r0[0]!;
  const s01 = (p0[1]! + r0[1]! + (p1[0]! + r1[0]!)) / 2;
  const s11 = p1[1]! + r1[1]!;
  // Cholesky as ml-matrix does it; a non-PD S throws like kalman.ts.
  const l00 = Math.sqrt(Math.max(s00, 0));
  const l10 = s01 / l00;
  const d11 = s11 - l10 * l10;
  if (!(s00 > 0 && d11 > 0)) throw new RangeError('innovation covariance is not positive definite');
  const l11 = Math.sqrt(d11);
  const y0 = zx - mean[0]!;
  const y1 = zy - mean[1]!;
  choleskySolve2Into(l00, l10, l11, y0, y1, SOLVED, 0);
  return { y0, y1, s00, s01, s11, l00, l10, l11, mahalanobisSq: y0 * SOLVED[0]! + y1 * SOLVED[1]! };
}

/** ln N(y; 0, S) without the −ln 2π constant: −d²/2 − ½ ln det S (innovationLogLikelihood's number). */
export function positionLogLikelihood(inn: PositionInnovation): number {
  const logDet = 2 * Math.log(inn.l00) + 2 * Math.log(inn.l11);
  return -0.5 * inn.mahalanobisSq - 0.5 * logDet;
}

export interface PositionUpdate extends GaussianState, PositionInnovation {}

/** Joseph-form update with a position measurement (kfUpdate's mean and covariance). */
export function cvPositionUpdate(mean: readonly number[], cov: Matrix, zx: number, zy: number, r: Matrix): PositionUpdate {
  const inn = positionInnovation(mean, cov, zx, zy, r);
  const { y0, y1, l00, l10, l11 } = inn;
  const p0 = cov[0]!;
  const p1 = cov[1]!;
  // K = (S⁻¹ H P)ᵀ, one column of H P (= rows 0 and 1 of P) at a time; K[i] = (KG[2i], KG[2i + 1]).
  for (let c = 0; c < 4; c++) choleskySolve2Into(l00, l10, l11, p0[c]!, p1[c]!, KG, 2 * c);
  // Built as literals, not filled in: a [0, 0, 0, 0] filled with doubles changes its element kind on the way.
  const x = [
    mean[0]! + (KG[0]! * y0 + KG[1]! * y1),
    mean[1]! + (KG[2]! * y0 + KG[3]! * y1),
    mean[2]! + (KG[4]! * y0 + KG[5]! * y1),
    mean[3]! + (KG[6]! * y0 + KG[7]! * y1),
  ];
  // I − K H: its last two columns are those of the identity; IKH[i] = (IKH[2i], IKH[2i + 1]).
  for (let i = 0; i < 4; i++) {
    IKH[2 * i] = (i === 0 ? 1 : 0) - KG[2 * i]!;
    IKH[2 * i + 1] = (i === 1 ? 1 : 0) - KG[2 * i + 1]!;
  }
  // T = (I − K H) P, row-major 4x4.
  for (let i = 0; i < 4; i++) {
    const c0 = IKH[2 * i]!;
    const c1 = IKH[2 * i + 1]!;
    for (let j = 0; j < 4; j++) {
      const v = c0 * p0[j]! + c1 * p1[j]!;
      T[4 * i + j] = i >= 2 ? v + cov[i]![j]! : v;
    }
  }
  // K R
  const r0 = r[0]!;
  const r1 = r[1]!;
  for (let i = 0; i < 4; i++) {
    const k0 = KG[2 * i]!;
    const k1 = KG[2 * i + 1]!;
    KR[2 * i] = k0 * r0[0]! + k1 * r1[0]!;
    KR[2 * i + 1] = k0 * r0[1]! + k1 * r1[1]!;
  }
  // J = T (I − K H)ᵀ + K R Kᵀ, row-major 4x4
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let u = T[4 * i]! * IKH[2 * j]! + T[4 * i + 1]! * IKH[2 * j + 1]!;
      if (j >= 2) u += T[4 * i + j]!;
      J[4 * i + j] = u + (KR[2 * i]! * KG[2 * j]! + KR[2 * i + 1]! * KG[2 * j + 1]!);
    }
  }
  // Listed out, not spread: spreading inn cost more than the whole update.
  return {
    mean: x, covariance: symmetrised4(J), y0, y1, s00: inn.s00, s01: inn.s01, s11: inn.s11, l00, l10, l11,
    mahalanobisSq: inn.mahalanobisSq,
  };
}

// Scratch of cvPositionUpdate (never held across calls): the gain, I − K H and K R as 4x2, T and the Joseph form
// J as 4x4, row-major; and positionInnovation's S⁻¹ y.
const KG = new Float64Array(8);
const IKH = new Float64Array(8);
const KR = new Float64Array(8);
const T = new Float64Array(16);
const J = new Float64Array(16);
const SOLVED = new Float64Array(2);

/** Solves L Lᵀ v = b for the 2x2 factor into out[at], out[at + 1], in ml-matrix's order (forward, then backward substitution). */
function choleskySolve2Into(l00: number, l10: number, l11: number, b0: number, b1: number, out: Float64Array, at: number): void {
  let v0 = b0 / l00;
  let v1 = (b1 - v0 * l10) / l11;
  v1 = v1 / l11;
  v0 = (v0 - v1 * l10) / l00;
  out[at] = v0;
  out[at + 1] = v1;
}

/**
 * (M + Mᵀ) / 2 of a flat row-major 4x4 as a new matrix. Each off-diagonal pair is averaged once and the diagonal is
 * kept, as symmetrising in place does; built as literals so the rows are packed doubles from the start.
 */
function symmetrised4(m: Float64Array): Matrix {
  const m01 = (m[1]! + m[4]!) / 2;
  const m02 = (m[2]! + m[8]!) / 2;
  const m03 = (m[3]! + m[12]!) / 2;
  const m12 = (m[6]! + m[9]!) / 2;
  const m13 = (m[7]! + m[13]!) / 2;
  const m23 = (m[11]! + m[14]!) / 2;
  return [
    [m[0]!, m01, m02, m03],
    [m01, m[5]!, m12, m13],
    [m02, m12, m[10]!, m23],
    [m03, m13, m23, m[15]!],
  ];
}
