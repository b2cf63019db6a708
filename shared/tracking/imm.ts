// Interacting multiple model (IMM) helpers for filters whose modes share one state space (the tracker's CV modes
// that differ only in process noise): mixing before prediction, mode probabilities after an update, and the
// moment-matched combination of the modes.
import { flatCopy, mixture2x4, mixtureMoments as mixtureMomentsFlat, nestedOf, type FlatGaussian } from '../kernels/gaussian.js';
import type { Matrix } from '../kernels/gaussian.js';

/** A Gaussian estimate: mean and covariance (row-major, symmetric). */
export interface GaussianState {
  mean: number[];
  covariance: Matrix;
}

/** Mean and covariance of a Gaussian mixture (moment matching): Σ w (P + (x − x̄)(x − x̄)ᵀ). Weights must sum to 1. */
export function mixtureMoments(components: readonly GaussianState[], weights: readonly number[]): GaussianState {
  if (components.length === 0 || components.length !== weights.length) throw new RangeError('need one weight per component, at least one');
  return nestedOf(mixtureMomentsFlat(components, weights), components[0]!.mean.length);
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
 * IMM interaction, the mixed initial condition of mode j: the modes' mixture with weights Π_ij μ_i / c_j, given the
 * predicted probabilities c. Flat, in a buffer reused by the next call (shared/kernels/gaussian.ts): for callers
 * that predict it at once and need no nested copy.
 */
export function immMixed(
  modes: readonly GaussianState[],
  probabilities: readonly number[],
  transition: Matrix,
  c: readonly number[],
  j: number,
): FlatGaussian {
  const m = modes.length;
  const cj = c[j]!;
  // A mode with (numerically) zero predicted probability keeps its own estimate.
  if (!(cj > 0)) return flatCopy(modes[j]!);
  if (m === 2 && modes[0]!.mean.length === 4) {
    // The tracker's case: the weights straight into the unrolled mixture (same divisions as the loop below).
    const w0 = (transition[0]![j]! * probabilities[0]!) / cj;
    const w1 = (transition[1]![j]! * probabilities[1]!) / cj;
    return mixture2x4(modes[0]!, modes[1]!, w0, w1);
  }
  const w: number[] = [];
  for (let i = 0; i < m; i++) w.push((transition[i]![j]! * probabilities[i]!) / cj);
  return mixtureMomentsFlat(modes, w);
}

/**
 * Posterior mode probabilities from the predicted ones and each mode's measurement log-likelihood
 * (−d²/2 − ½ ln det S − const), computed in log space so tiny likelihoods do not underflow.
 */
export function immUpdateProbabilities(predicted: readonly number[], logLikelihoods: readonly number[]): number[] {
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
