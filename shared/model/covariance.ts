// Conversions between the wire's packed covariance (upper triangle of the 4x4 [x, y, vx, vy] covariance) and
// full matrices for the algorithms. Row-major number[][] is the matrix type the algorithms exchange.
import type { Matrix } from '../kernels/gaussian.js';
import type { StateCovariance } from './types.js';

// Index of (row, col) of the 4x4 upper triangle in the packed array:
//   [0, 1, 2, 3]
//   [1, 4, 5, 6]
//   [2, 5, 7, 8]
//   [3, 6, 8, 9]
// Both conversions are written out (no map over an index table, no local helper): they run for every tracked,
// predicted and fused object of every frame, and the per-call closures and arrays showed in profiles.
export function unpackCovariance(c: StateCovariance): Matrix {
  return [
    [c[0]!, c[1]!, c[2]!, c[3]!],
    [c[1]!, c[4]!, c[5]!, c[6]!],
    [c[2]!, c[5]!, c[7]!, c[8]!],
    [c[3]!, c[6]!, c[8]!, c[9]!],
  ];
}

/** Packs a 4x4 matrix, symmetrising it: the mean of (i,j) and (j,i) is kept. */
export function packCovariance(m: Matrix): StateCovariance {
  const r0 = m[0]!;
  const r1 = m[1]!;
  const r2 = m[2]!;
  const r3 = m[3]!;
  return [
    (r0[0]! + r0[0]!) / 2, (r0[1]! + r1[0]!) / 2, (r0[2]! + r2[0]!) / 2, (r0[3]! + r3[0]!) / 2,
    (r1[1]! + r1[1]!) / 2, (r1[2]! + r2[1]!) / 2, (r1[3]! + r3[1]!) / 2,
    (r2[2]! + r2[2]!) / 2, (r2[3]! + r3[2]!) / 2,
    (r3[3]! + r3[3]!) / 2,
  ];
}

/** Diagonal covariance from standard deviations of position (m) and velocity (m/s). */
export function diagonalCovariance(posStdM: number, velStdMps: number): StateCovariance {
  const p = posStdM * posStdM;
  const v = velStdMps * velStdMps;
  return [p, 0, 0, 0, p, 0, 0, v, 0, v];
}
