// Flat-array algebra of Gaussian estimates: the matrix products, symmetrisations and inverses of the two-estimate
// fusions (shared/fusion/gaussian.ts), and the moment matching and log-sum-exp of Gaussian mixtures (the tracker's
// IMM). Matrices are flat row-major Float64Arrays (entry (i, j) at i n + j); the domain modules exchange number[][].
//
// Why flat and reused: the vehicle fuses every associated pair of every frame (covariance intersection runs dozens
// of Cholesky solves per pair) and the tracker mixes every mode of every track of every frame; per-operation
// allocations (ml-matrix's, then nested arrays') cost far more than the 4x4 arithmetic. So intermediates live in
// buffers of this module, one set per matrix size, and results of the functions without an `out` parameter come
// back in a buffer reused by their next call: use or copy them before calling again.
//
// Operation order: every sum runs from 0 with k ascending, as ml-matrix's mmul and the loops these replaced did;
// the unrolled 4x4 variants do the same operations in the same order (0 + w x is not w x when that product is -0).
// The simulator's output hash depends on the last bits, so keep the order.
import { choleskyFactorCovariance, choleskySolve } from './cholesky.js';

/** A dense matrix, row by row (covariances, Jacobians): the domain modules' matrix form. */
export type Matrix = number[][];

/** A Gaussian on flat arrays: mean[i], covariance cov[n i + j]. */
export interface FlatGaussian {
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** A Gaussian as the domain modules hold it. */
export interface NestedGaussian {
  readonly mean: readonly number[];
  readonly covariance: Matrix;
}

// ---------------------------------------------------------------- matrices

/** The n x n intermediates of one two-estimate fusion, reused from call to call (a fusion never starts another
 * while it holds them). */
export interface FusionWorkspace {
  readonly pa: Float64Array;
  readonly pb: Float64Array;
  readonly sum: Float64Array;
  readonly gain: Float64Array;
  readonly complement: Float64Array;
  readonly product: Float64Array;
  readonly left: Float64Array;
  readonly right: Float64Array;
  readonly inverseA: Float64Array;
  readonly inverseB: Float64Array;
  readonly gap: Float64Array;
  readonly raw: Float64Array;
  readonly info: Float64Array;
  readonly solved: Float64Array;
}

const WORKSPACES = new Map<number, FusionWorkspace>();

export function fusionWorkspace(n: number): FusionWorkspace {
  let ws = WORKSPACES.get(n);
  if (ws === undefined) {
    const m = (): Float64Array => new Float64Array(n * n);
    ws = {
      pa: m(), pb: m(), sum: m(), gain: m(), complement: m(), product: m(), left: m(), right: m(), inverseA: m(),
      inverseB: m(), gap: m(), raw: m(), info: m(), solved: m(),
    };
    WORKSPACES.set(n, ws);
  }
  return ws;
}

/** (M + Mᵀ) / 2 of a nested matrix, flat into out. */
export function symmetrisedInto(m: Matrix, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (m[i]![j]! + m[j]![i]!) / 2;
  return out;
}

/** (M + Mᵀ) / 2 of a flat matrix into out (not m). */
export function symmetrisedFlatInto(m: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (m[i * n + j]! + m[j * n + i]!) / 2;
  return out;
}

/** (M + Mᵀ) / 2 of a flat matrix, as rows. */
export function symmetrisedRows(m: Float64Array, n: number): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push((m[i * n + j]! + m[j * n + i]!) / 2);
    out.push(row);
  }
  return out;
}

export function identityInto(n: number, out: Float64Array): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/**
 * The rows of (B + Bᵀ) / 2 for a 4x4 B given entry by entry, row-major: each off-diagonal pair averaged once, the
 * diagonal kept. For closed forms that compute B in local variables (the CV prediction and Kalman update).
 */
export function symmetricRows4(
  b00: number, b01: number, b02: number, b03: number,
  b10: number, b11: number, b12: number, b13: number,
  b20: number, b21: number, b22: number, b23: number,
  b30: number, b31: number, b32: number, b33: number,
): Matrix {
  const s01 = (b01 + b10) / 2;
  const s02 = (b02 + b20) / 2;
  const s03 = (b03 + b30) / 2;
  const s12 = (b12 + b21) / 2;
  const s13 = (b13 + b31) / 2;
  const s23 = (b23 + b32) / 2;
  return [
    [b00, s01, s02, s03],
    [s01, b11, s12, s13],
    [s02, s12, b22, s23],
    [s03, s13, s23, b33],
  ];
}

/** Mᵀ into out (not m). */
export function transposedInto(m: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[j * n + i]!;
  return out;
}

/** M P Mᵀ into out: M P into `mp`, then that times Mᵀ, each entry summed from 0 over k ascending. */
export function congruenceInto(m: Float64Array, p: Float64Array, n: number, mp: Float64Array, out: Float64Array): Float64Array {
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

/**
 * The symmetrised inverse of a covariance m (symmetrised first; regularised or rejected as
 * choleskyFactorCovariance does, RangeError naming `what`), into out: the identity solved against m's factor.
 */
export function covarianceInverseInto(m: Matrix, n: number, what: string, out: Float64Array): Float64Array {
  const b = matrixBuffers(n);
  const inv = identityInto(n, b.inverse);
  choleskySolve(choleskyFactorCovariance(symmetrisedInto(m, n, b.symmetric), n, what), n, inv, n);
  return symmetrisedFlatInto(inv, n, out);
}

interface MatrixBuffers {
  symmetric: Float64Array;
  inverse: Float64Array;
}

const MATRIX_BUFFERS = new Map<number, MatrixBuffers>();

function matrixBuffers(n: number): MatrixBuffers {
  let b = MATRIX_BUFFERS.get(n);
  if (b === undefined) {
    b = { symmetric: new Float64Array(n * n), inverse: new Float64Array(n * n) };
    MATRIX_BUFFERS.set(n, b);
  }
  return b;
}

/** m flat (row-major) in a buffer reused by the next call. */
export function flatRows(m: Matrix, n: number): Float64Array {
  const out = flatRowsBuffer.length >= n * n ? flatRowsBuffer : (flatRowsBuffer = new Float64Array(n * n));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[n * i + j] = m[i]![j]!;
  return out;
}

let flatRowsBuffer = new Float64Array(16);

// ---------------------------------------------------------------- mixtures

/**
 * Moment matching of a Gaussian mixture, Σ w (P + (x − x̄)(x − x̄)ᵀ), symmetrised; in the mixture buffer. The sums
 * run in the same order (components ascending, each entry from 0) whatever the caller, so every path gives the
 * same bits; two 4-state components go through {@link mixture2x4}.
 */
export function mixtureMoments(components: readonly NestedGaussian[], weights: ArrayLike<number>): FlatGaussian {
  const n = components[0]!.mean.length;
  if (n === 4 && components.length === 2) return mixture2x4(components[0]!, components[1]!, weights[0]!, weights[1]!);
  const { mean, cov } = mixtureBuffer(n);
  for (let i = 0; i < n; i++) mean[i] = 0;
  for (let k = 0; k < components.length; k++) {
    const w = weights[k]!;
    const x = components[k]!.mean;
    for (let i = 0; i < n; i++) mean[i] = mean[i]! + w * x[i]!;
  }
  for (let q = 0; q < n * n; q++) cov[q] = 0;
  const d = deviation.length >= n ? deviation : (deviation = new Float64Array(n));
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
  return mixtureResult;
}

/** {@link mixtureMoments} of two 4-state components, unrolled (the tracker's two-mode IMM). */
export function mixture2x4(a: NestedGaussian, b: NestedGaussian, w0: number, w1: number): FlatGaussian {
  const { mean, cov } = mixtureBuffer(4);
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
  symmetrise4(cov);
  return mixtureResult;
}

/** Row i of mixture2x4's covariance: cov[at + j] = 0 + w0 (pa[j] + ai aj) + w1 (pb[j] + bi bj). */
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

/** (M + Mᵀ) / 2 of a flat 4x4 in place, as the loops symmetrise: each off-diagonal pair averaged once. */
function symmetrise4(m: Float64Array): void {
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

/** g copied into the mixture buffer (a mixture of one, without arithmetic). */
export function flatCopy(g: NestedGaussian): FlatGaussian {
  const n = g.mean.length;
  const { mean, cov } = mixtureBuffer(n);
  for (let i = 0; i < n; i++) mean[i] = g.mean[i]!;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) cov[n * i + k] = g.covariance[i]![k]!;
  return mixtureResult;
}

/** The first n entries of a flat Gaussian as plain arrays (packed arrays of doubles, built by push or literal). */
export function nestedOf(g: FlatGaussian, n: number): { mean: number[]; covariance: Matrix } {
  const { mean, cov } = g;
  if (n === 4) {
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

/** The mixture result buffer, grown to a state of size n. */
function mixtureBuffer(n: number): FlatGaussian {
  if (mixtureResult.mean.length < n) mixtureResult = { mean: new Float64Array(n), cov: new Float64Array(n * n) };
  return mixtureResult;
}

let mixtureResult: FlatGaussian = { mean: new Float64Array(4), cov: new Float64Array(16) };
let deviation = new Float64Array(4);

/** A buffer for `count` log-terms of {@link logSumExp}, reused by the next call. */
export function logTerms(count: number): Float64Array {
  if (logTermsBuffer.length < count) logTermsBuffer = new Float64Array(count);
  return logTermsBuffer;
}

let logTermsBuffer = new Float64Array(4);

/** ln Σ exp(terms[k]) over the first count terms, from the largest so that tiny terms do not underflow. */
export function logSumExp(terms: ArrayLike<number>, count: number): number {
  let top = -Infinity;
  for (let k = 0; k < count; k++) top = Math.max(top, terms[k]!);
  let sum = 0;
  for (let k = 0; k < count; k++) sum += Math.exp(terms[k]! - top);
  return top + Math.log(sum);
}
