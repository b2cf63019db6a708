// Conversions between the wire's packed covariance (upper triangle of the 4x4 [x, y, vx, vy] covariance) and
// full matrices for the algorithms. Row-major number[][] is the matrix type the algorithms exchange.
import type { StateCovariance } from './types.js';

export type Matrix = number[][];

// Index of (row, col) of the 4x4 upper triangle in the packed array.
const PACKED_INDEX: readonly (readonly number[])[] = [
  [0, 1, 2, 3],
  [1, 4, 5, 6],
  [2, 5, 7, 8],
  [3, 6, 8, 9],
];

export function unpackCovariance(c: StateCovariance): Matrix {
  return PACKED_INDEX.map((row) => row.map((k) => c[k]!));
}

/** Packs a 4x4 matrix, symmetrising it: the mean of (i,j) and (j,i) is kept. */
export function packCovariance(m: Matrix): StateCovariance {
  const at = (i: number, j: number): number => (m[i]![j]! + m[j]![i]!) / 2;
  return [at(0, 0), at(0, 1), at(0, 2), at(0, 3), at(1, 1), at(1, 2), at(1, 3), at(2, 2), at(2, 3), at(3, 3)];
}

/** Diagonal covariance from standard deviations of position (m) and velocity (m/s). */
export function diagonalCovariance(posStdM: number, velStdMps: number): StateCovariance {
  const p = posStdM * posStdM;
  const v = velStdMps * velStdMps;
  return [p, 0, 0, 0, p, 0, 0, v, 0, v];
}
