import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import {
  REGULARISATION_EPS,
  cholesky2x2,
  choleskyFactor,
  choleskyFactorRegularised,
  choleskyNormSquared,
  choleskySolve,
  choleskySolve2x2,
} from '../../shared/kernels/cholesky.js';

const flat = (m: number[][]): Float64Array => Float64Array.from(m.flat());
const nested = (f: ArrayLike<number>, n: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f[i * n + j]!));

/** Random symmetric n x n: L Lᵀ + shift I (positive definite for shift > 0, often indefinite for shift < 0). */
const symmetric = (n: number, shift: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n }).map((v) => {
    const m: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row: number[] = [];
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += v[i * n + k]! * v[j * n + k]!;
        row.push(s + (i === j ? shift : 0));
      }
      m.push(row);
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) m[j]![i] = m[i]![j]!;
    return m;
  });

const sized = (shift: number): fc.Arbitrary<{ n: number; m: number[][]; b: number[] }> =>
  fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      m: symmetric(n, shift),
      b: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
    }));

describe('kernels/cholesky', () => {
  it('factors bit for bit as ml-matrix does, and agrees on positive definiteness (property)', () => {
    fc.assert(
      fc.property(fc.oneof(sized(0.1), sized(-0.5)), ({ n, m }) => {
        const reference = new CholeskyDecomposition(m);
        const l = choleskyFactor(flat(m), n);
        assert.equal(l !== null, reference.isPositiveDefinite());
        if (l !== null) assert.deepEqual(nested(l, n), reference.lowerTriangularMatrix.to2DArray());
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('solves bit for bit as ml-matrix does, one or several right-hand sides (property)', () => {
    fc.assert(
      fc.property(sized(0.1), ({ n, m, b }) => {
        const reference = new CholeskyDecomposition(m);
        const l = choleskyFactor(flat(m), n)!;
        const x = Float64Array.from(b);
        choleskySolve(l, n, x, 1);
        assert.deepEqual(Array.from(x), reference.solve(MlMatrix.columnVector(b)).getColumn(0));
        const identity = new Float64Array(n * n);
        for (let i = 0; i < n; i++) identity[i * n + i] = 1;
        choleskySolve(l, n, identity, n);
        assert.deepEqual(nested(identity, n), reference.solve(MlMatrix.eye(n)).to2DArray());
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('the 2x2 kernel is the general factor and solve at n = 2, bit for bit (property)', () => {
    fc.assert(
      fc.property(fc.oneof(symmetric(2, 0.1), symmetric(2, -0.5)), fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (m, b0, b1) => {
        const reference = new CholeskyDecomposition(m);
        const f = cholesky2x2(m[0]![0]!, m[1]![0]!, m[1]![1]!);
        assert.equal(f !== null, reference.isPositiveDefinite());
        if (f === null) return;
        const [l00, l10, l11] = [f[0]!, f[1]!, f[2]!];
        assert.deepEqual([[l00, 0], [l10, l11]], reference.lowerTriangularMatrix.to2DArray());
        const x = choleskySolve2x2(l00, l10, l11, b0, b1);
        assert.deepEqual(Array.from(x), reference.solve(MlMatrix.columnVector([b0, b1])).getColumn(0));
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  it('rᵀ S⁻¹ r from the factor', () => {
    assert.equal(choleskyNormSquared(choleskyFactor(flat([[1, 0], [0, 4]]), 2)!, 2, [1, 2]), 2);
    // S = [[2, 1], [1, 2]], S⁻¹ = [[2, −1], [−1, 2]] / 3, r = (1, 1) → 2/3.
    assert.ok(Math.abs(choleskyNormSquared(choleskyFactor(flat([[2, 1], [1, 2]]), 2)!, 2, [1, 1]) - 2 / 3) < 1e-15);
    const s = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
    const r = [1, -2, 0.5];
    const expected = MlMatrix.rowVector(r).mmul(new CholeskyDecomposition(s).solve(MlMatrix.columnVector(r))).get(0, 0);
    assert.ok(Math.abs(choleskyNormSquared(choleskyFactor(flat(s), 3)!, 3, r) - expected) < 1e-14);
  });

  it('regularises a singular positive semi-definite matrix once and throws on an indefinite one', () => {
    assert.equal(choleskyFactor(flat([[0, 0], [0, 0]]), 2), null);
    const zero = choleskyFactorRegularised(flat([[0, 0], [0, 0]]), 2, 'zero');
    assert.deepEqual(Array.from(zero), [Math.sqrt(REGULARISATION_EPS), 0, 0, Math.sqrt(REGULARISATION_EPS)]);
    // Rank one, scale 4: loaded by 4e-9 on the diagonal.
    const rank1 = choleskyFactorRegularised(flat([[4, 2], [2, 1]]), 2, 'rank one');
    assert.equal(rank1[0], Math.sqrt(4 + 4 * REGULARISATION_EPS));
    assert.ok(rank1[3]! > 0 && rank1[3]! < 1e-4);
    assert.throws(() => choleskyFactorRegularised(flat([[1, 2], [2, 1]]), 2, 'test matrix'), /test matrix: matrix is not positive semi-definite/);
    assert.throws(() => choleskyFactorRegularised(flat([[1, 0, 0], [0, Number.NaN, 0], [0, 0, 1]]), 3, 'nan'), /nan: matrix is not positive semi-definite/);
  });
});
