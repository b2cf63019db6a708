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
