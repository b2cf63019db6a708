// Kalman steps for the tracker's case, in closed form: CV state [x, y, vx, vy] (4x4 covariance) and a
// position-only measurement (2x2 innovation covariance): predict x' = F x, P' = F P Fᵀ + Q; innovation y = z − H x,
// S = H P Hᵀ + R; Joseph-form update with K = P Hᵀ S⁻¹ (Cholesky solves, no inverse), which keeps P symmetric
// positive semi-definite under rounding. H = [I2 0]: only the non-trivial products are written out, each sum in
// the order of the matrix products (left to right, k ascending). Closed form because the tracker runs these for
// every track, mode and candidate pair of every frame. The output hash depends on every bit here: gating and the
// IMM mode probabilities react to the last bits near ties.
import type { Matrix } from '../kernels/gaussian.js';
import { cholesky2x2, choleskySolve2x2 } from '../kernels/cholesky.js';
import { symmetricRows4 } from '../kernels/gaussian.js';
import { cvPropagateFlatCovariance } from '../motion/models.js';
import type { GaussianState } from './imm.js';

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
 * x' = F x, P' = F P Fᵀ + Q for CV over dtS with white-noise acceleration std accelStdMps2, from a flat state
 * (cov[4 i + j], row-major): the tracker predicts the IMM's mixed states as immMixed returns them.
 */
export function cvPredict(mean: ArrayLike<number>, cov: ArrayLike<number>, dtS: number, accelStdMps2: number): GaussianState {
  const vx = mean[2]!;
  const vy = mean[3]!;
  return { mean: [mean[0]! + dtS * vx, mean[1]! + dtS * vy, vx, vy], covariance: cvPropagateFlatCovariance(cov, dtS, accelStdMps2) };
}

/** Innovation of the measurement (zx, zy) with covariance r against the prediction: y = z − H x, S = H P Hᵀ + R. */
export function positionInnovation(mean: readonly number[], cov: Matrix, zx: number, zy: number, r: Matrix): PositionInnovation {
  const p0 = cov[0]!;
  const p1 = cov[1]!;
  const r0 = r[0]!;
  const r1 = r[1]!;
  const s00 = p0[0]! + r0[0]!;
  const s01 = (p0[1]! + r0[1]! + (p1[0]! + r1[0]!)) / 2;
  const s11 = p1[1]! + r1[1]!;
  const factor = cholesky2x2(s00, s01, s11);
  if (factor === null) throw new RangeError('innovation covariance is not positive definite');
  const l00 = factor[0]!;
  const l10 = factor[1]!;
  const l11 = factor[2]!;
  const y0 = zx - mean[0]!;
  const y1 = zy - mean[1]!;
  const solved = choleskySolve2x2(l00, l10, l11, y0, y1);
  return { y0, y1, s00, s01, s11, l00, l10, l11, mahalanobisSq: y0 * solved[0]! + y1 * solved[1]! };
}

/** ln N(y; 0, S) without the −ln 2π constant: −d²/2 − ½ ln det S. */
export function positionLogLikelihood(inn: PositionInnovation): number {
  const logDet = 2 * Math.log(inn.l00) + 2 * Math.log(inn.l11);
  return -0.5 * inn.mahalanobisSq - 0.5 * logDet;
}

export interface PositionUpdate extends GaussianState, PositionInnovation {}

/** Joseph-form update with a position measurement: (I − K H) P (I − K H)ᵀ + K R Kᵀ, x + K y. */
export function cvPositionUpdate(mean: readonly number[], cov: Matrix, zx: number, zy: number, r: Matrix): PositionUpdate {
  const inn = positionInnovation(mean, cov, zx, zy, r);
  const { y0, y1, l00, l10, l11 } = inn;
  const p0 = cov[0]!;
  const p1 = cov[1]!;
  const p2 = cov[2]!;
  const p3 = cov[3]!;
  // K = (S⁻¹ H P)ᵀ, one column of H P (= rows 0 and 1 of P) at a time: row i of K solves S k = P[0:2, i].
  let k = choleskySolve2x2(l00, l10, l11, p0[0]!, p1[0]!);
  const k00 = k[0]!;
  const k01 = k[1]!;
  k = choleskySolve2x2(l00, l10, l11, p0[1]!, p1[1]!);
  const k10 = k[0]!;
  const k11 = k[1]!;
  k = choleskySolve2x2(l00, l10, l11, p0[2]!, p1[2]!);
  const k20 = k[0]!;
  const k21 = k[1]!;
  k = choleskySolve2x2(l00, l10, l11, p0[3]!, p1[3]!);
  const k30 = k[0]!;
  const k31 = k[1]!;
  const x = [
    mean[0]! + (k00 * y0 + k01 * y1),
    mean[1]! + (k10 * y0 + k11 * y1),
    mean[2]! + (k20 * y0 + k21 * y1),
    mean[3]! + (k30 * y0 + k31 * y1),
  ];
  // Straight-line from here on, the loops of the generic form unrolled with the same operations in the same
  // order (0 − k is kept: it is not −k when k is 0).
  // I − K H: its last two columns are those of the identity; row i is (ai, bi, [i = 2], [i = 3]).
  const a0 = 1 - k00;
  const b0 = 0 - k01;
  const a1 = 0 - k10;
  const b1 = 1 - k11;
  const a2 = 0 - k20;
  const b2 = 0 - k21;
  const a3 = 0 - k30;
  const b3 = 0 - k31;
  // T = (I − K H) P
  const t00 = a0 * p0[0]! + b0 * p1[0]!;
  const t01 = a0 * p0[1]! + b0 * p1[1]!;
  const t02 = a0 * p0[2]! + b0 * p1[2]!;
  const t03 = a0 * p0[3]! + b0 * p1[3]!;
  const t10 = a1 * p0[0]! + b1 * p1[0]!;
  const t11 = a1 * p0[1]! + b1 * p1[1]!;
  const t12 = a1 * p0[2]! + b1 * p1[2]!;
  const t13 = a1 * p0[3]! + b1 * p1[3]!;
  const t20 = a2 * p0[0]! + b2 * p1[0]! + p2[0]!;
  const t21 = a2 * p0[1]! + b2 * p1[1]! + p2[1]!;
  const t22 = a2 * p0[2]! + b2 * p1[2]! + p2[2]!;
  const t23 = a2 * p0[3]! + b2 * p1[3]! + p2[3]!;
  const t30 = a3 * p0[0]! + b3 * p1[0]! + p3[0]!;
  const t31 = a3 * p0[1]! + b3 * p1[1]! + p3[1]!;
  const t32 = a3 * p0[2]! + b3 * p1[2]! + p3[2]!;
  const t33 = a3 * p0[3]! + b3 * p1[3]! + p3[3]!;
  // K R
  const r00 = r[0]![0]!;
  const r01 = r[0]![1]!;
  const r10 = r[1]![0]!;
  const r11 = r[1]![1]!;
  const q00 = k00 * r00 + k01 * r10;
  const q01 = k00 * r01 + k01 * r11;
  const q10 = k10 * r00 + k11 * r10;
  const q11 = k10 * r01 + k11 * r11;
  const q20 = k20 * r00 + k21 * r10;
  const q21 = k20 * r01 + k21 * r11;
  const q30 = k30 * r00 + k31 * r10;
  const q31 = k30 * r01 + k31 * r11;
  // J = T (I − K H)ᵀ + K R Kᵀ
  const j00 = t00 * a0 + t01 * b0 + (q00 * k00 + q01 * k01);
  const j01 = t00 * a1 + t01 * b1 + (q00 * k10 + q01 * k11);
  const j02 = t00 * a2 + t01 * b2 + t02 + (q00 * k20 + q01 * k21);
  const j03 = t00 * a3 + t01 * b3 + t03 + (q00 * k30 + q01 * k31);
  const j10 = t10 * a0 + t11 * b0 + (q10 * k00 + q11 * k01);
  const j11 = t10 * a1 + t11 * b1 + (q10 * k10 + q11 * k11);
  const j12 = t10 * a2 + t11 * b2 + t12 + (q10 * k20 + q11 * k21);
  const j13 = t10 * a3 + t11 * b3 + t13 + (q10 * k30 + q11 * k31);
  const j20 = t20 * a0 + t21 * b0 + (q20 * k00 + q21 * k01);
  const j21 = t20 * a1 + t21 * b1 + (q20 * k10 + q21 * k11);
  const j22 = t20 * a2 + t21 * b2 + t22 + (q20 * k20 + q21 * k21);
  const j23 = t20 * a3 + t21 * b3 + t23 + (q20 * k30 + q21 * k31);
  const j30 = t30 * a0 + t31 * b0 + (q30 * k00 + q31 * k01);
  const j31 = t30 * a1 + t31 * b1 + (q30 * k10 + q31 * k11);
  const j32 = t30 * a2 + t31 * b2 + t32 + (q30 * k20 + q31 * k21);
  const j33 = t30 * a3 + t31 * b3 + t33 + (q30 * k30 + q31 * k31);
  const covariance = symmetricRows4(j00, j01, j02, j03, j10, j11, j12, j13, j20, j21, j22, j23, j30, j31, j32, j33);
  return {
    mean: x, covariance, y0, y1, s00: inn.s00, s01: inn.s01, s11: inn.s11, l00, l10, l11,
    mahalanobisSq: inn.mahalanobisSq,
  };
}
