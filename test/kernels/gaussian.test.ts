import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import {
  congruenceInto,
  covarianceInverseInto,
  flatCopy,
  logSumExp,
  mixture2x4,
  mixtureMoments,
  nestedOf,
  symmetricRows4,
} from '../../shared/kernels/gaussian.js';

const entries = (count: number): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: count, maxLength: count });
const rows = (v: number[], n: number): number[][] => Array.from({ length: n }, (_, i) => v.slice(i * n, i * n + n));
/** Symmetric positive definite: L Lᵀ + 0.1 I. */
const spd = (v: number[], n: number): number[][] => {
  const l = new MlMatrix(rows(v, n));
  return l.mmul(l.transpose()).add(MlMatrix.eye(n).mul(0.1)).to2DArray().map((r, i, m) => r.map((_, j) => (m[i]![j]! + m[j]![i]!) / 2));
};

describe('kernels/gaussian', () => {
  it('M P Mᵀ bit for bit as ml-matrix multiplies (property)', () => {
    fc.assert(
      fc.property(entries(16), entries(16), (mv, pv) => {
        const out = congruenceInto(Float64Array.from(mv), Float64Array.from(pv), 4, new Float64Array(16), new Float64Array(16));
        const m = new MlMatrix(rows(mv, 4));
        assert.deepEqual(rows(Array.from(out), 4), m.mmul(new MlMatrix(rows(pv, 4))).mmul(m.transpose()).to2DArray());
      }),
      { numRuns: 200, seed: 21 },
    );
  });

  it('covariance inverse: the symmetrised Cholesky solve of the identity, bit for bit (property)', () => {
    fc.assert(
      fc.property(entries(16), (v) => {
        const m = spd(v, 4);
        const inv = new CholeskyDecomposition(m).solve(MlMatrix.eye(4)).to2DArray();
        const expected = inv.map((r, i) => r.map((_, j) => (inv[i]![j]! + inv[j]![i]!) / 2));
        assert.deepEqual(rows(Array.from(covarianceInverseInto(m, 4, 'm', new Float64Array(16))), 4), expected);
      }),
      { numRuns: 200, seed: 22 },
    );
    assert.throws(() => covarianceInverseInto([[1, 2], [2, 1]], 2, 'indefinite', new Float64Array(4)), /indefinite: matrix is not positive semi-definite/);
    assert.throws(() => covarianceInverseInto([[1, 0], [0, Number.NaN]], 2, 'nan', new Float64Array(4)), /nan: matrix has non-finite entries/);
  });

  it('mixture moments: unrolled 2x4 = general loops; one component is itself', () => {
    const a = { mean: [1, 2, 3, 4], covariance: spd([0.3, 1, -0.2, 0, 0.5, 0.1, 0.7, -1, 0, 0.2, 1.1, 0.4, 0.3, 0, -0.6, 0.9], 4) };
    const b = { mean: [-1, 0.5, 2, 2], covariance: spd([1, 0, 0.4, 0.2, -0.3, 0.8, 0, 0.1, 0.5, -0.5, 0.6, 0, 0.2, 0.3, 0, 1.2], 4) };
    const unrolled = nestedOf(mixture2x4(a, b, 0.25, 0.75), 4);
    const general = nestedOf(mixtureMoments([a, b, { mean: [0, 0, 0, 0], covariance: rows(new Array(16).fill(0), 4) }], [0.25, 0.75, 0]), 4);
    assert.deepEqual(unrolled, general);
    assert.deepEqual(nestedOf(mixtureMoments([a], [1]), 4), nestedOf(flatCopy(a), 4));
  });

  it('symmetric rows of a 4x4 given entry by entry: off-diagonal pairs averaged, diagonal kept', () => {
    const b = Array.from({ length: 16 }, (_, k) => k * k);
    const [b00, b01, b02, b03, b10, b11, b12, b13, b20, b21, b22, b23, b30, b31, b32, b33] = b as [
      number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number,
    ];
    const rowsOf = symmetricRows4(b00, b01, b02, b03, b10, b11, b12, b13, b20, b21, b22, b23, b30, b31, b32, b33);
    assert.deepEqual(rowsOf, rows(b, 4).map((r, i) => r.map((v, j) => (i === j ? v : (v + b[j * 4 + i]!) / 2))));
  });

  it('log-sum-exp from the largest term: exact for equal terms, no underflow', () => {
    assert.equal(logSumExp([0, 0], 2), Math.log(2));
    assert.equal(logSumExp([-2000, -2000, 5], 2), -2000 + Math.log(2));
    assert.ok(Math.abs(logSumExp([Math.log(1), Math.log(3)], 2) - Math.log(4)) < 1e-15);
  });
});
