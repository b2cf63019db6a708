// Linear Kalman filter and EKF steps on plain arrays. Updates use the Joseph form, which keeps the covariance
// symmetric positive semi-definite under rounding and with a sub-optimal gain, and return the innovation, its
// covariance S and the squared Mahalanobis distance so association gating reuses exactly what the update used.
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import type { Matrix } from '../model/covariance.js';

export interface GaussianState {
  mean: number[];
  covariance: Matrix;
}

export interface Innovation {
  /** z − h(x), after the residual function (e.g. angle wrapping). */
  innovation: number[];
  /** S = H P Hᵀ + R. */
  innovationCovariance: Matrix;
  /** yᵀ S⁻¹ y: chi-square distributed with dim(z) degrees of freedom when the filter is consistent. */
  mahalanobisSq: number;
}

export interface UpdateResult extends GaussianState, Innovation {
  gain: Matrix;
}

export interface UpdateOptions {
  /** Measurement residual; default z − zPred. Wrap angle components here. */
  residual?: (z: readonly number[], zPred: readonly number[]) => number[];
  /** Applied to the updated mean, e.g. to wrap a heading component. */
  normalizeState?: (x: number[]) => number[];
}

type JacobianInput = Matrix | ((x: readonly number[]) => Matrix);

const col = (v: readonly number[]): MlMatrix => MlMatrix.columnVector([...v]);

function symmetric(m: MlMatrix): Matrix {
  return symmetrise(m.to2DArray());
}

/** (A + Aᵀ) / 2, in place. */
function symmetrise(a: Matrix): Matrix {
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const v = (a[i]![j]! + a[j]![i]!) / 2;
      a[i]![j] = v;
      a[j]![i] = v;
    }
  }
  return a;
}

function checkShapes(mean: readonly number[], covariance: Matrix): void {
  const n = mean.length;
  if (covariance.length !== n || covariance.some((r) => r.length !== n)) {
    throw new RangeError(`covariance must be ${n}x${n} for a state of size ${n}`);
  }
}

/** x' = F x, P' = F P Fᵀ + Q. */
export function kfPredict(mean: readonly number[], covariance: Matrix, f: Matrix, q: Matrix): GaussianState {
  checkShapes(mean, covariance);
  const fm = new MlMatrix(f);
  return {
    mean: fm.mmul(col(mean)).getColumn(0),
    covariance: symmetric(fm.mmul(new MlMatrix(covariance)).mmul(fm.transpose()).add(new MlMatrix(q))),
  };
}

/** x' = f(x), P' = F P Fᵀ + Q with F the Jacobian of f at the prior mean (given, or computed from x). */
export function ekfPredict(
  mean: readonly number[],
  covariance: Matrix,
  f: (x: readonly number[]) => number[],
  jacobian: JacobianInput,
  q: Matrix,
): GaussianState {
  checkShapes(mean, covariance);
  const fm = new MlMatrix(typeof jacobian === 'function' ? jacobian(mean) : jacobian);
  return {
    mean: f(mean),
    covariance: symmetric(fm.mmul(new MlMatrix(covariance)).mmul(fm.transpose()).add(new MlMatrix(q))),
  };
}

/** Squared Mahalanobis distance yᵀ S⁻¹ y. Throws if S is not positive definite. */
export function mahalanobisSq(innovation: readonly number[], s: Matrix): number {
  const chol = choleskyOf(new MlMatrix(s));
  const y = col(innovation);
  return y.transpose().mmul(chol.solve(y)).get(0, 0);
}

function choleskyOf(s: MlMatrix): CholeskyDecomposition {
  const chol = new CholeskyDecomposition(new MlMatrix(symmetric(s)));
  if (!chol.isPositiveDefinite()) throw new RangeError('innovation covariance is not positive definite');
  return chol;
}

interface Linearised {
  zPred: number[];
  h: MlMatrix;
}

function innovationOf(
  covariance: Matrix,
  z: readonly number[],
  lin: Linearised,
  r: Matrix,
  options: UpdateOptions,
): Innovation & { s: MlMatrix; chol: CholeskyDecomposition } {
  if (z.length !== lin.zPred.length) throw new RangeError(`measurement has ${z.length} components, model predicts ${lin.zPred.length}`);
  const y = options.residual ? options.residual(z, lin.zPred) : z.map((zi, i) => zi - lin.zPred[i]!);
  const s = lin.h.mmul(new MlMatrix(covariance)).mmul(lin.h.transpose()).add(new MlMatrix(r));
  const chol = choleskyOf(s);
  const yc = col(y);
  return {
    innovation: y,
    innovationCovariance: symmetric(s),
    mahalanobisSq: yc.transpose().mmul(chol.solve(yc)).get(0, 0),
    s,
    chol,
  };
}

function update(mean: readonly number[], covariance: Matrix, z: readonly number[], lin: Linearised, r: Matrix, options: UpdateOptions): UpdateResult {
  checkShapes(mean, covariance);
  const inn = innovationOf(covariance, z, lin, r, options);
  const p = new MlMatrix(covariance);
  // K = P Hᵀ S⁻¹ = (S⁻¹ H P)ᵀ since S and P are symmetric: a Cholesky solve, no explicit inverse.
  const k = inn.chol.solve(lin.h.mmul(p)).transpose();
  const dx = k.mmul(col(inn.innovation)).getColumn(0);
  let x = mean.map((xi, i) => xi + dx[i]!);
  if (options.normalizeState) x = options.normalizeState(x);
  const ikh = MlMatrix.eye(mean.length).sub(k.mmul(lin.h));
  const joseph = ikh.mmul(p).mmul(ikh.transpose()).add(k.mmul(new MlMatrix(r)).mmul(k.transpose()));
  return {
    mean: x,
    covariance: symmetric(joseph),
    gain: k.to2DArray(),
    innovation: inn.innovation,
    innovationCovariance: inn.innovationCovariance,
    mahalanobisSq: inn.mahalanobisSq,
  };
}

/** Innovation of a linear measurement z = H x + v, v ~ N(0, R), without updating (for gating). */
export function kfInnovation(mean: readonly number[], covariance: Matrix, z: readonly number[], h: Matrix, r: Matrix, options: UpdateOptions = {}): Innovation {
  checkShapes(mean, covariance);
  const hm = new MlMatrix(h);
  const { innovation, innovationCovariance, mahalanobisSq: d2 } = innovationOf(covariance, z, { zPred: hm.mmul(col(mean)).getColumn(0), h: hm }, r, options);
  return { innovation, innovationCovariance, mahalanobisSq: d2 };
}

/** Linear KF update (Joseph form). */
export function kfUpdate(mean: readonly number[], covariance: Matrix, z: readonly number[], h: Matrix, r: Matrix, options: UpdateOptions = {}): UpdateResult {
  const hm = new MlMatrix(h);
  return update(mean, covariance, z, { zPred: hm.mmul(col(mean)).getColumn(0), h: hm }, r, options);
}

/** EKF update: z = h(x) + v, linearised with the Jacobian of h at the prior mean (given, or computed from x). */
export function ekfUpdate(
  mean: readonly number[],
  covariance: Matrix,
  z: readonly number[],
  h: (x: readonly number[]) => number[],
  jacobian: JacobianInput,
  r: Matrix,
  options: UpdateOptions = {},
): UpdateResult {
  const hm = new MlMatrix(typeof jacobian === 'function' ? jacobian(mean) : jacobian);
  return update(mean, covariance, z, { zPred: h(mean), h: hm }, r, options);
}

/** EKF innovation without updating (for gating). */
export function ekfInnovation(
  mean: readonly number[],
  covariance: Matrix,
  z: readonly number[],
  h: (x: readonly number[]) => number[],
  jacobian: JacobianInput,
  r: Matrix,
  options: UpdateOptions = {},
): Innovation {
  checkShapes(mean, covariance);
  const hm = new MlMatrix(typeof jacobian === 'function' ? jacobian(mean) : jacobian);
  const { innovation, innovationCovariance, mahalanobisSq: d2 } = innovationOf(covariance, z, { zPred: h(mean), h: hm }, r, options);
  return { innovation, innovationCovariance, mahalanobisSq: d2 };
}

// ---------------------------------------------------------------- interacting multiple model (IMM) helpers
// Generic pieces of an IMM filter whose modes share one state space (e.g. CV models with different process noise):
// mixing before prediction, mode probabilities after an update, and the moment-matched combination.

/** Mean and covariance of a Gaussian mixture (moment matching): Σ w (P + (x − x̄)(x − x̄)ᵀ). Weights must sum to 1. */
export function mixtureMoments(components: readonly GaussianState[], weights: readonly number[]): GaussianState {
  if (components.length === 0 || components.length !== weights.length) throw new RangeError('need one weight per component, at least one');
  const n = components[0]!.mean.length;
  const flat = flatState(n);
  mixtureMomentsInto(components, weights, flat.mean, flat.cov);
  return nestedState(flat.mean, flat.cov, n);
}

/**
 * mixtureMoments into flat buffers: mean[i] and cov[n i + j] (row-major), n = the state size. Plain loops on
 * reused buffers: the tracker mixes every mode of every track of every frame. The sums run in the same order
 * (components ascending, each entry from 0) whatever the caller, so every path gives the same bits.
 */
export function mixtureMomentsInto(
  components: readonly GaussianState[],
  weights: ArrayLike<number>,
  mean: Float64Array,
  cov: Float64Array,
): void {
  const n = components[0]!.mean.length;
  if (n === 4 && components.length === 2) {
    mixture2x4Into(components[0]!, components[1]!, weights[0]!, weights[1]!, mean, cov);
    return;
  }
  for (let i = 0; i < n; i++) mean[i] = 0;
  for (let k = 0; k < components.length; k++) {
    const w = weights[k]!;
    const x = components[k]!.mean;
    for (let i = 0; i < n; i++) mean[i] = mean[i]! + w * x[i]!;
  }
  for (let q = 0; q < n * n; q++) cov[q] = 0;
  const d = scratch.deviation.length >= n ? scratch.deviation : (scratch.deviation = new Float64Array(n));
  for (let k = 0; k < components.length; k++) {
    const w = weights[k]!;
    const c = components[k]!;
    const x = c.mean;
    for (let i = 0; i < n; i++) d[i] = x[i]! - mean[i]!;
    for (let i = 0; i < n; i++) {
      const ci = c.covariance[i]!;
      const di = d[i]!;
      for (let j = 0; j < n; j++) cov[n * i + j] = cov[n * i + j]! + w * (ci[j]! + di * d[j]!);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (cov[n * i + j]! + cov[n * j + i]!) / 2;
      cov[n * i + j] = v;
      cov[n * j + i] = v;
    }
  }
}

/**
 * mixtureMomentsInto of two 4-state components (the tracker's IMM), unrolled: the same operations in the same
 * order as the loops, each sum still starting from 0 (0 + w·x is not w·x when that product is −0).
 */
function mixture2x4Into(a: GaussianState, b: GaussianState, w0: number, w1: number, mean: Float64Array, cov: Float64Array): void {
  const xa = a.mean;
  const xb = b.mean;
  const m0 = 0 + w0 * xa[0]! + w1 * xb[0]!;
  const m1 = 0 + w0 * xa[1]! + w1 * xb[1]!;
  const m2 = 0 + w0 * xa[2]! + w1 * xb[2]!;
  const m3 = 0 + w0 * xa[3]! + w1 * xb[3]!;
  mean[0] = m0;
  mean[1] = m1;
  mean[2] = m2;
  mean[3] = m3;
  const a0 = xa[0]! - m0;
  const a1 = xa[1]! - m1;
  const a2 = xa[2]! - m2;
  const a3 = xa[3]! - m3;
  const b0 = xb[0]! - m0;
  const b1 = xb[1]! - m1;
  const b2 = xb[2]! - m2;
  const b3 = xb[3]! - m3;
  mixtureRow(w0, a.covariance[0]!, a0, a0, a1, a2, a3, w1, b.covariance[0]!, b0, b0, b1, b2, b3, cov, 0);
  mixtureRow(w0, a.covariance[1]!, a1, a0, a1, a2, a3, w1, b.covariance[1]!, b1, b0, b1, b2, b3, cov, 4);
  mixtureRow(w0, a.covariance[2]!, a2, a0, a1, a2, a3, w1, b.covariance[2]!, b2, b0, b1, b2, b3, cov, 8);
  mixtureRow(w0, a.covariance[3]!, a3, a0, a1, a2, a3, w1, b.covariance[3]!, b3, b0, b1, b2, b3, cov, 12);
  symmetrise4Flat(cov);
}

/**
 * (M + Mᵀ) / 2 of a flat row-major 4x4, in place, as the loops symmetrise: each off-diagonal pair averaged once,
 * the diagonal kept.
 */
export function symmetrise4Flat(m: Float64Array): void {
  const m01 = (m[1]! + m[4]!) / 2;
  const m02 = (m[2]! + m[8]!) / 2;
  const m03 = (m[3]! + m[12]!) / 2;
  const m12 = (m[6]! + m[9]!) / 2;
  const m13 = (m[7]! + m[13]!) / 2;
  const m23 = (m[11]! + m[14]!) / 2;
  m[1] = m01;
  m[4] = m01;
  m[2] = m02;
  m[8] = m02;
  m[3] = m03;
  m[12] = m03;
  m[6] = m12;
  m[9] = m12;
  m[7] = m13;
  m[13] = m13;
  m[11] = m23;
  m[14] = m23;
}

/** Row i of mixture2x4Into's covariance: cov[at + j] = 0 + w0 (pa[j] + ai aj) + w1 (pb[j] + bi bj). */
function mixtureRow(
  w0: number, pa: readonly number[], ai: number, a0: number, a1: number, a2: number, a3: number,
  w1: number, pb: readonly number[], bi: number, b0: number, b1: number, b2: number, b3: number,
  cov: Float64Array, at: number,
): void {
  cov[at] = 0 + w0 * (pa[0]! + ai * a0) + w1 * (pb[0]! + bi * b0);
  cov[at + 1] = 0 + w0 * (pa[1]! + ai * a1) + w1 * (pb[1]! + bi * b1);
  cov[at + 2] = 0 + w0 * (pa[2]! + ai * a2) + w1 * (pb[2]! + bi * b2);
  cov[at + 3] = 0 + w0 * (pa[3]! + ai * a3) + w1 * (pb[3]! + bi * b3);
}

/** Reused buffers of this module's flat helpers (never held across calls). */
const scratch = {
  deviation: new Float64Array(4),
  weights: new Float64Array(2),
  mean: new Float64Array(4),
  cov: new Float64Array(16),
};

/** The module's flat state buffers, grown to a state of size n. */
function flatState(n: number): { mean: Float64Array; cov: Float64Array } {
  if (scratch.mean.length < n) {
    scratch.mean = new Float64Array(n);
    scratch.cov = new Float64Array(n * n);
  }
  return scratch;
}

/** A flat state as plain arrays (packed, built by push: new Array(n) is holey, slower to index). */
function nestedState(mean: Float64Array, cov: Float64Array, n: number): GaussianState {
  if (n === 4) {
    // Literals for the tracker's 4-state: packed doubles without the loops.
    return {
      mean: [mean[0]!, mean[1]!, mean[2]!, mean[3]!],
      covariance: [
        [cov[0]!, cov[1]!, cov[2]!, cov[3]!],
        [cov[4]!, cov[5]!, cov[6]!, cov[7]!],
        [cov[8]!, cov[9]!, cov[10]!, cov[11]!],
        [cov[12]!, cov[13]!, cov[14]!, cov[15]!],
      ],
    };
  }
  const x: number[] = [];
  for (let i = 0; i < n; i++) x.push(mean[i]!);
  const p: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(cov[n * i + j]!);
    p.push(row);
  }
  return { mean: x, covariance: p };
}

export interface ImmMixing {
  /** Mixed initial condition of each mode for its prediction. */
  mixed: GaussianState[];
  /** Mode probabilities after the transition, before any measurement: c_j = Σ_i Π_ij μ_i. */
  predictedProbabilities: number[];
}

/** IMM interaction step: transition[i][j] = P(mode j now | mode i before); rows sum to 1. */
export function immMix(modes: readonly GaussianState[], probabilities: readonly number[], transition: Matrix): ImmMixing {
  const c = immPredictedProbabilities(modes, probabilities, transition);
  const n = modes[0]?.mean.length ?? 0;
  const flat = flatState(n);
  const mixed: GaussianState[] = [];
  for (let j = 0; j < modes.length; j++) {
    immMixedInto(modes, probabilities, transition, c, j, flat.mean, flat.cov);
    mixed.push(nestedState(flat.mean, flat.cov, n));
  }
  return { mixed, predictedProbabilities: c };
}

/** The predicted mode probabilities of immMix: c_j = Σ_i Π_ij μ_i. */
export function immPredictedProbabilities(modes: readonly GaussianState[], probabilities: readonly number[], transition: Matrix): number[] {
  const m = modes.length;
  if (probabilities.length !== m || transition.length !== m) throw new RangeError('IMM: one probability and one transition row per mode');
  const c: number[] = [];
  for (let j = 0; j < m; j++) {
    let cj = 0;
    for (let i = 0; i < m; i++) cj += transition[i]![j]! * probabilities[i]!;
    c.push(cj);
  }
  return c;
}

/**
 * immMix's mixed initial condition of mode j into flat buffers (see mixtureMomentsInto), given the predicted
 * probabilities c: for callers that predict it at once and need no nested copy.
 */
export function immMixedInto(
  modes: readonly GaussianState[],
  probabilities: readonly number[],
  transition: Matrix,
  c: readonly number[],
  j: number,
  mean: Float64Array,
  cov: Float64Array,
): void {
  const m = modes.length;
  const cj = c[j]!;
  // A mode with (numerically) zero predicted probability keeps its own estimate.
  if (!(cj > 0)) {
    const own = modes[j]!;
    const n = own.mean.length;
    for (let i = 0; i < n; i++) mean[i] = own.mean[i]!;
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) cov[n * i + k] = own.covariance[i]![k]!;
    return;
  }
  if (m === 2 && modes[0]!.mean.length === 4) {
    // The tracker's case: the weights straight into the unrolled mixture (same divisions as the loop below).
    const w0 = (transition[0]![j]! * probabilities[0]!) / cj;
    const w1 = (transition[1]![j]! * probabilities[1]!) / cj;
    mixture2x4Into(modes[0]!, modes[1]!, w0, w1, mean, cov);
    return;
  }
  const w = scratch.weights.length >= m ? scratch.weights : (scratch.weights = new Float64Array(m));
  for (let i = 0; i < m; i++) w[i] = (transition[i]![j]! * probabilities[i]!) / cj;
  mixtureMomentsInto(modes, w, mean, cov);
}

/**
 * Posterior mode probabilities from the predicted ones and each mode's measurement log-likelihood
 * (−d²/2 − ½ ln det S − const), computed in log space so tiny likelihoods do not underflow.
 */
export function immUpdateProbabilities(predicted: readonly number[], logLikelihoods: readonly number[]): number[] {
  // Loops, in the order of the map / Math.max / reduce they replace: the tracker updates every mode it associates.
  const m = predicted.length;
  const w: number[] = [];
  let top = -Infinity;
  for (let j = 0; j < m; j++) {
    const l = Math.log(predicted[j]!) + logLikelihoods[j]!;
    w.push(l);
    top = Math.max(top, l);
  }
  if (!Number.isFinite(top)) return [...predicted];
  let sum = 0;
  for (let j = 0; j < m; j++) {
    w[j] = Math.exp(w[j]! - top);
    sum = sum + w[j]!;
  }
  for (let j = 0; j < m; j++) w[j] = w[j]! / sum;
  return w;
}

/** Log-likelihood of an innovation under N(0, S), without the −(k/2)·ln 2π constant shared by all modes. */
export function innovationLogLikelihood(inn: Innovation): number {
  const chol = choleskyOf(new MlMatrix(inn.innovationCovariance));
  const l = chol.lowerTriangularMatrix;
  let logDet = 0;
  for (let i = 0; i < l.rows; i++) logDet += 2 * Math.log(l.get(i, i));
  return -0.5 * inn.mahalanobisSq - 0.5 * logDet;
}
