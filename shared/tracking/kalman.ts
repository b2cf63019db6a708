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
  // Plain loops: the tracker calls this several times per track and frame (ml-matrix would allocate per call).
  const n = components[0]!.mean.length;
  const mean = zeros(n);
  for (let k = 0; k < components.length; k++) {
    const w = weights[k]!;
    const x = components[k]!.mean;
    for (let i = 0; i < n; i++) mean[i] = mean[i]! + w * x[i]!;
  }
  const cov: Matrix = [];
  for (let i = 0; i < n; i++) cov.push(zeros(n));
  const d = zeros(n);
  for (let k = 0; k < components.length; k++) {
    const w = weights[k]!;
    const c = components[k]!;
    for (let i = 0; i < n; i++) d[i] = c.mean[i]! - mean[i]!;
    for (let i = 0; i < n; i++) {
      const ci = c.covariance[i]!;
      const row = cov[i]!;
      for (let j = 0; j < n; j++) row[j] = row[j]! + w * (ci[j]! + d[i]! * d[j]!);
    }
  }
  return { mean, covariance: symmetrise(cov) };
}

/** n zeros, built by push so that the array stays packed (new Array(n) is holey, slower to index). */
function zeros(n: number): number[] {
  const z: number[] = [];
  for (let i = 0; i < n; i++) z.push(0);
  return z;
}

export interface ImmMixing {
  /** Mixed initial condition of each mode for its prediction. */
  mixed: GaussianState[];
  /** Mode probabilities after the transition, before any measurement: c_j = Σ_i Π_ij μ_i. */
  predictedProbabilities: number[];
}

/** IMM interaction step: transition[i][j] = P(mode j now | mode i before); rows sum to 1. */
export function immMix(modes: readonly GaussianState[], probabilities: readonly number[], transition: Matrix): ImmMixing {
  const m = modes.length;
  if (probabilities.length !== m || transition.length !== m) throw new RangeError('IMM: one probability and one transition row per mode');
  // Loops rather than Array.from / reduce: the tracker mixes every track of every frame.
  const c: number[] = [];
  for (let j = 0; j < m; j++) {
    let cj = 0;
    for (let i = 0; i < m; i++) cj += transition[i]![j]! * probabilities[i]!;
    c.push(cj);
  }
  const mixed: GaussianState[] = [];
  for (let j = 0; j < m; j++) {
    const cj = c[j]!;
    // A mode with (numerically) zero predicted probability keeps its own estimate.
    if (!(cj > 0)) {
      mixed.push({ mean: [...modes[j]!.mean], covariance: modes[j]!.covariance.map((r) => [...r]) });
      continue;
    }
    const w: number[] = [];
    for (let i = 0; i < m; i++) w.push((transition[i]![j]! * probabilities[i]!) / cj);
    mixed.push(mixtureMoments(modes, w));
  }
  return { mixed, predictedProbabilities: c };
}

/**
 * Posterior mode probabilities from the predicted ones and each mode's measurement log-likelihood
 * (−d²/2 − ½ ln det S − const), computed in log space so tiny likelihoods do not underflow.
 */
export function immUpdateProbabilities(predicted: readonly number[], logLikelihoods: readonly number[]): number[] {
  const logs = predicted.map((c, j) => Math.log(c) + logLikelihoods[j]!);
  const top = Math.max(...logs);
  if (!Number.isFinite(top)) return [...predicted];
  const w = logs.map((l) => Math.exp(l - top));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/** Log-likelihood of an innovation under N(0, S), without the −(k/2)·ln 2π constant shared by all modes. */
export function innovationLogLikelihood(inn: Innovation): number {
  const chol = choleskyOf(new MlMatrix(inn.innovationCovariance));
  const l = chol.lowerTriangularMatrix;
  let logDet = 0;
  for (let i = 0; i < l.rows; i++) logDet += 2 * Math.log(l.get(i, i));
  return -0.5 * inn.mahalanobisSq - 0.5 * logDet;
}
