// Interacting multiple model (IMM) helpers for filters whose modes share one state space (the tracker's CV modes
// that differ only in process noise): mixing before prediction, mode probabilities after an update, and the
// moment-matched combination of the modes.
import type { Matrix } from '../model/covariance.js';

/** A Gaussian estimate: mean and covariance (row-major, symmetric). */
export interface GaussianState {
  mean: number[];
  covariance: Matrix;
}

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

/** IMM interaction, the predicted mode probabilities: c_j = Σ_i Π_ij μ_i, with transition[i][j] = P(mode j now |
 * mode i before) (rows sum to 1). */
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
 * IMM interaction, the mixed initial condition of mode j (the modes' mixture with weights Π_ij μ_i / c_j) into flat
 * buffers (see mixtureMomentsInto), given the predicted probabilities c.
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
