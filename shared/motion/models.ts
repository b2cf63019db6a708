// Motion models on state vectors, with the Jacobians and process noise an (E)KF needs.
//
//   CV   [x, y, vx, vy]                        m, m, m/s, m/s     (the wire's state, see StateCovariance)
//   CTRV [x, y, headingRad, speedMps, yawRateRadps]               (constant turn rate and velocity)
//
// Time steps may be negative (prediction backwards in time, e.g. aligning a vehicle's own older state): the
// equations are exact in both directions and the noise terms use the signed step, which gives the right sign
// of the position-velocity correlation while staying positive semi-definite.
import type { Matrix } from '../kernels/gaussian.js';
import { wrapAngle } from '../geometry/angles.js';
import { flatRows, symmetricRows4 } from '../kernels/gaussian.js';

export type CvState = [xM: number, yM: number, vxMps: number, vyMps: number];
export type CtrvState = [xM: number, yM: number, headingRad: number, speedMps: number, yawRateRadps: number];

function checkDt(dtS: number): void {
  if (!Number.isFinite(dtS)) throw new RangeError(`time step must be finite, got ${dtS}`);
}

/**
 * J P Jᵀ + Q (Q optional), symmetrised: how every covariance here moves through a (linearised) map. Plain loops
 * (ml-matrix allocates per operation, and the vehicle predicts every roadside object of every frame), summing
 * in the same order as ml-matrix's mmul did: (J P) Jᵀ, each entry from 0 over k ascending.
 */
export function propagateCovariance(j: Matrix, p: Matrix, q?: Matrix): Matrix {
  const rows = j.length;
  const inner = p.length;
  const jp: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const ji = j[i]!;
    const row = new Array<number>(inner);
    for (let c = 0; c < inner; c++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += ji[k]! * p[k]![c]!;
      row[c] = s;
    }
    jp.push(row);
  }
  const out: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const jpi = jp[i]!;
    const row = new Array<number>(rows);
    for (let c = 0; c < rows; c++) {
      const jc = j[c]!;
      let s = 0;
      for (let k = 0; k < inner; k++) s += jpi[k]! * jc[k]!;
      row[c] = q === undefined ? s : s + q[i]![c]!;
    }
    out.push(row);
  }
  return symmetrise(out);
}

/**
 * F P Fᵀ + Q of CV over dtS with white-noise acceleration std accelStdMps2, symmetrised: exactly
 * propagateCovariance(cvTransition(dtS), p, cvProcessNoise(dtS, accelStdMps2)), without the products with F's
 * 0 and 1 entries (the same floating-point operations otherwise, so the same bits up to the sign of a zero).
 */
export function cvPropagateCovariance(p: Matrix, dtS: number, accelStdMps2: number): Matrix {
  return cvPropagateFlatCovariance(flatRows(p, 4), dtS, accelStdMps2);
}

/**
 * cvPropagateCovariance of a flat row-major p (p[4 i + j]): the tracker keeps its intermediate IMM states flat, so
 * it gets the result without building nested arrays twice.
 */
export function cvPropagateFlatCovariance(p: ArrayLike<number>, dtS: number, accelStdMps2: number): Matrix {
  const q = memoisedCvProcessNoise(dtS, accelStdMps2);
  // A = F P: rows 0 and 1 pick up dt times the velocity rows; rows 2 and 3 are P's.
  const a00 = p[0]! + dtS * p[8]!;
  const a01 = p[1]! + dtS * p[9]!;
  const a02 = p[2]! + dtS * p[10]!;
  const a03 = p[3]! + dtS * p[11]!;
  const a10 = p[4]! + dtS * p[12]!;
  const a11 = p[5]! + dtS * p[13]!;
  const a12 = p[6]! + dtS * p[14]!;
  const a13 = p[7]! + dtS * p[15]!;
  // A Fᵀ + Q, then symmetrised as symmetrise does (symmetricRows4), straight into the result: the tracker predicts
  // every mode of every track of every frame through here.
  const q0 = q[0]!;
  const q1 = q[1]!;
  const q2 = q[2]!;
  const q3 = q[3]!;
  const b00 = a00 + a02 * dtS + q0[0]!;
  const b01 = a01 + a03 * dtS + q0[1]!;
  const b02 = a02 + q0[2]!;
  const b03 = a03 + q0[3]!;
  const b10 = a10 + a12 * dtS + q1[0]!;
  const b11 = a11 + a13 * dtS + q1[1]!;
  const b12 = a12 + q1[2]!;
  const b13 = a13 + q1[3]!;
  const b20 = p[8]! + p[10]! * dtS + q2[0]!;
  const b21 = p[9]! + p[11]! * dtS + q2[1]!;
  const b22 = p[10]! + q2[2]!;
  const b23 = p[11]! + q2[3]!;
  const b30 = p[12]! + p[14]! * dtS + q3[0]!;
  const b31 = p[13]! + p[15]! * dtS + q3[1]!;
  const b32 = p[14]! + q3[2]!;
  const b33 = p[15]! + q3[3]!;
  return symmetricRows4(b00, b01, b02, b03, b10, b11, b12, b13, b20, b21, b22, b23, b30, b31, b32, b33);
}

/**
 * cvProcessNoise for the last few (dtS, accelStdMps2) asked for, read-only: a tracker predicts every track of a
 * frame over the same step with the same few noise levels.
 */
function memoisedCvProcessNoise(dtS: number, accelStdMps2: number): Matrix {
  for (const e of NOISE_MEMO) if (Object.is(e.dtS, dtS) && Object.is(e.accelStdMps2, accelStdMps2)) return e.q;
  const q = cvProcessNoise(dtS, accelStdMps2);
  NOISE_MEMO.unshift({ dtS, accelStdMps2, q });
  if (NOISE_MEMO.length > 4) NOISE_MEMO.pop();
  return q;
}

const NOISE_MEMO: { dtS: number; accelStdMps2: number; q: Matrix }[] = [];

/** (A + Aᵀ) / 2, in place. */
function symmetrise(a: Matrix): Matrix {
  for (let i = 0; i < a.length; i++) {
    for (let k = i + 1; k < a.length; k++) {
      const m = (a[i]![k]! + a[k]![i]!) / 2;
      a[i]![k] = m;
      a[k]![i] = m;
    }
  }
  return a;
}

// ---------------------------------------------------------------- CV

export function cvPropagate(s: Readonly<CvState>, dtS: number): CvState {
  checkDt(dtS);
  const [x, y, vx, vy] = s;
  return [x + vx * dtS, y + vy * dtS, vx, vy];
}

/** State transition F of CV (also its Jacobian: the model is linear). */
export function cvTransition(dtS: number): Matrix {
  checkDt(dtS);
  return [
    [1, 0, dtS, 0],
    [0, 1, 0, dtS],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/**
 * Discrete white-noise acceleration: an acceleration of variance accelStd² held constant over the step, on each
 * axis independently: σ² · [[dt⁴/4, dt³/2], [dt³/2, dt²]] per axis, laid out in [x, y, vx, vy] order.
 */
export function cvProcessNoise(dtS: number, accelStdMps2: number): Matrix {
  checkDt(dtS);
  if (!(accelStdMps2 >= 0)) throw new RangeError(`acceleration std must be >= 0, got ${accelStdMps2}`);
  const q = accelStdMps2 * accelStdMps2;
  const pp = (q * dtS ** 4) / 4;
  const pv = (q * dtS ** 3) / 2;
  const vv = q * dtS * dtS;
  return [
    [pp, 0, pv, 0],
    [0, pp, 0, pv],
    [pv, 0, vv, 0],
    [0, pv, 0, vv],
  ];
}

// ---------------------------------------------------------------- CTRV

// With a = ω·dt, the closed-form CTRV displacement (v/ω)(sin(θ+a) − sin θ, cos θ − cos(θ+a)) equals
//   v·dt · (cos θ·f1(a) − sin θ·f2(a),  sin θ·f1(a) + cos θ·f2(a))
// with f1 = sin(a)/a and f2 = (1 − cos a)/a = 2 sin²(a/2)/a. Both are computed without cancellation for every
// a ≠ 0 and have the limits f1(0) = 1, f2(0) = 0, so the model is exact and continuous through ω = 0: no
// "|ω| < ε → straight line" switch (which would be a small discontinuity) is needed.
function f1(a: number): number {
  return a === 0 ? 1 : Math.sin(a) / a;
}

function f2(a: number): number {
  if (a === 0) return 0;
  const h = Math.sin(a / 2);
  return (2 * h * h) / a;
}

// Derivatives for the Jacobian; their closed forms cancel for small a, so use Taylor series there
// (truncation < 1e-15 relative for |a| < 0.1).
function df1(a: number): number {
  if (Math.abs(a) < 0.1) {
    const a2 = a * a;
    return a * (-1 / 3 + a2 * (1 / 30 + a2 * (-1 / 840 + a2 * (1 / 45360 - a2 / 3991680))));
  }
  return (a * Math.cos(a) - Math.sin(a)) / (a * a);
}

function df2(a: number): number {
  if (Math.abs(a) < 0.1) {
    const a2 = a * a;
    return 1 / 2 + a2 * (-1 / 8 + a2 * (1 / 144 + a2 * (-1 / 5760 + a2 / 403200)));
  }
  return (a * Math.sin(a) - 2 * Math.sin(a / 2) ** 2) / (a * a);
}

/** Exact CTRV propagation; heading wrapped to (-pi, pi]. */
export function ctrvPropagate(s: Readonly<CtrvState>, dtS: number): CtrvState {
  checkDt(dtS);
  const [x, y, th, v, w] = s;
  const a = w * dtS;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  const g1 = f1(a);
  const g2 = f2(a);
  const d = v * dtS;
  return [x + d * (c * g1 - sn * g2), y + d * (sn * g1 + c * g2), wrapAngle(th + a), v, w];
}

/** Jacobian of ctrvPropagate with respect to the state, at s (5x5). */
export function ctrvJacobian(s: Readonly<CtrvState>, dtS: number): Matrix {
  checkDt(dtS);
  const [, , th, v, w] = s;
  const a = w * dtS;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  const g1 = f1(a);
  const g2 = f2(a);
  const h1 = df1(a);
  const h2 = df2(a);
  const dx = dtS * (c * g1 - sn * g2); // displacement per unit speed
  const dy = dtS * (sn * g1 + c * g2);
  return [
    [1, 0, -v * dy, dx, v * dtS * dtS * (c * h1 - sn * h2)],
    [0, 1, v * dx, dy, v * dtS * dtS * (sn * h1 + c * h2)],
    [0, 0, 1, 0, dtS],
    [0, 0, 0, 1, 0],
    [0, 0, 0, 0, 1],
  ];
}

/**
 * CTRV process noise from a longitudinal acceleration (σ_a, m/s²) and a yaw acceleration (σ_α, rad/s²), each held
 * constant over the step: Q = G diag(σ_a², σ_α²) Gᵀ with
 *   G = [[dt²/2·cos θ, 0], [dt²/2·sin θ, 0], [0, dt²/2], [dt, 0], [0, dt]].
 * (The small coupling of yaw acceleration into position, O(v·dt³), is neglected as usual.)
 */
export function ctrvProcessNoise(s: Readonly<CtrvState>, dtS: number, longAccelStdMps2: number, yawAccelStdRadps2: number): Matrix {
  checkDt(dtS);
  if (!(longAccelStdMps2 >= 0) || !(yawAccelStdRadps2 >= 0)) throw new RangeError('noise std must be >= 0');
  const th = s[2];
  const h = (dtS * dtS) / 2;
  const g: Matrix = [
    [h * Math.cos(th), 0],
    [h * Math.sin(th), 0],
    [0, h],
    [dtS, 0],
    [0, dtS],
  ];
  const qa = longAccelStdMps2 ** 2;
  const qw = yawAccelStdRadps2 ** 2;
  const q: Matrix = [];
  for (const gi of g) {
    const row: number[] = [];
    for (const gj of g) row.push(gi[0]! * gj[0]! * qa + gi[1]! * gj[1]! * qw);
    q.push(row);
  }
  return q;
}

// ---------------------------------------------------------------- conversions

export interface CvGaussian {
  state: CvState;
  covariance: Matrix;
}

export interface CtrvGaussian {
  state: CtrvState;
  covariance: Matrix;
}

/** Jacobian of [x, y, v cos θ, v sin θ] with respect to the CTRV state (4x5). */
export function ctrvToCvJacobian(s: Readonly<CtrvState>): Matrix {
  const [, , th, v] = s;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  return [
    [1, 0, 0, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, -v * sn, c, 0],
    [0, 0, v * c, sn, 0],
  ];
}

/** CTRV state and covariance -> CV ([x, y, vx, vy]); the yaw rate is dropped. */
export function ctrvToCv(s: Readonly<CtrvState>, covariance: Matrix): CvGaussian {
  const [x, y, th, v] = s;
  return {
    state: [x, y, v * Math.cos(th), v * Math.sin(th)],
    covariance: propagateCovariance(ctrvToCvJacobian(s), covariance),
  };
}

export interface CvToCtrvOptions {
  /** Yaw rate to put in the CTRV state (CV does not carry one), rad/s. */
  yawRateRadps: number;
  /** Its variance, rad²/s². It is taken as uncorrelated with the CV state. */
  yawRateVarRad2ps2: number;
  /**
   * Below this speed the velocity direction is noise, so the heading is taken from fallbackHeadingRad and the speed
   * is the (signed) velocity component along it. Default 0.1 m/s.
   */
  minSpeedMps?: number;
  /** Heading used below minSpeedMps (e.g. the box heading), rad. Default 0. */
  fallbackHeadingRad?: number;
  /** Its variance, rad². Default (pi/2)²: direction essentially unknown. */
  fallbackHeadingVarRad2?: number;
}

/**
 * CV state and covariance -> CTRV: heading = atan2(vy, vx), speed = |v|, covariance through the Jacobian
 * (∂θ/∂(vx, vy) = (−vy, vx)/v², ∂v/∂(vx, vy) = (vx, vy)/v).
 */
export function cvToCtrv(s: Readonly<CvState>, covariance: Matrix, options: CvToCtrvOptions): CtrvGaussian {
  const [x, y, vx, vy] = s;
  const speed = Math.hypot(vx, vy);
  const minSpeed = options.minSpeedMps ?? 0.1;
  // Rows of the 5x4 Jacobian d(CTRV)/d(CV); the yaw rate row is zero (it comes from outside, added below).
  let thRow: number[];
  let vRow: number[];
  let th: number;
  let v: number;
  let extraThVar = 0;
  if (speed >= minSpeed && speed > 0) {
    th = Math.atan2(vy, vx);
    v = speed;
    thRow = [0, 0, -vy / (speed * speed), vx / (speed * speed)];
    vRow = [0, 0, vx / speed, vy / speed];
  } else {
    th = wrapAngle(options.fallbackHeadingRad ?? 0);
    const c = Math.cos(th);
    const sn = Math.sin(th);
    v = vx * c + vy * sn;
    thRow = [0, 0, 0, 0];
    vRow = [0, 0, c, sn];
    extraThVar = options.fallbackHeadingVarRad2 ?? (Math.PI / 2) ** 2;
  }
  const j: Matrix = [[1, 0, 0, 0], [0, 1, 0, 0], thRow, vRow, [0, 0, 0, 0]];
  const p = propagateCovariance(j, covariance);
  p[2]![2] = p[2]![2]! + extraThVar;
  p[4]![4] = options.yawRateVarRad2ps2;
  return { state: [x, y, wrapAngle(th), v, options.yawRateRadps], covariance: p };
}
