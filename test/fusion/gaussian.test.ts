import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix as MlMatrix, determinant, inverse } from 'ml-matrix';
import { fuseCovarianceIntersection, fuseInformation, type Gaussian } from '../../shared/fusion/gaussian.js';
import { close, closeM, closeV } from '../support/close.js';

/** Tolerance of the checks that need no looser one. */
const TOL = 1e-12;

const scalar = (mean: number, variance: number): Gaussian => ({ mean: [mean], cov: [[variance]] });
const minEigenvalue = (m: number[][]): number => Math.min(...new EigenvalueDecomposition(m).realEigenvalues);

/** Random symmetric positive-definite 4x4: L L^T + 0.1 I, entries of L in [-2, 2]. */
const spd4 = fc
  .array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 16, maxLength: 16 })
  .map((v) => {
    const l = new MlMatrix([v.slice(0, 4), v.slice(4, 8), v.slice(8, 12), v.slice(12, 16)]);
    return l.mmul(l.transpose()).add(MlMatrix.eye(4).mul(0.1)).to2DArray();
  })
  .map((m) => m.map((row, i) => row.map((_, j) => (m[i]![j]! + m[j]![i]!) / 2)));
const mean4 = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 4, maxLength: 4 });
const gaussian4 = fc.record({ mean: mean4, cov: spd4 });

describe('fusion/gaussian', () => {
  describe('fuseInformation', () => {
    it('fuses two scalar Gaussians: equal variances', () => {
      const f = fuseInformation(scalar(0, 1), scalar(2, 1));
      closeV(f.mean, [1], TOL);
      closeM(f.cov, [[0.5]], TOL);
    });

    it('fuses two scalar Gaussians: variances 1 and 3', () => {
      const f = fuseInformation(scalar(0, 1), scalar(2, 3));
      closeV(f.mean, [0.5], TOL);
      closeM(f.cov, [[0.75]], TOL);
    });

    it('fuses per axis for diagonal covariances', () => {
      const f = fuseInformation({ mean: [0, 0], cov: [[1, 0], [0, 4]] }, { mean: [2, 2], cov: [[3, 0], [0, 4]] });
      closeV(f.mean, [0.5, 1], TOL);
      closeM(f.cov, [[0.75, 0], [0, 2]], TOL);
    });

    it('equals (Pa^-1 + Pb^-1)^-1 and P (Pa^-1 xa + Pb^-1 xb) on random SPD inputs (property)', () => {
      fc.assert(
        fc.property(gaussian4, gaussian4, (a, b) => {
          const f = fuseInformation(a, b);
          const ia = inverse(new MlMatrix(a.cov));
          const ib = inverse(new MlMatrix(b.cov));
          const p = inverse(ia.clone().add(ib));
          const x = p.mmul(ia.mmul(MlMatrix.columnVector(a.mean)).add(ib.mmul(MlMatrix.columnVector(b.mean))));
          const scale = Math.max(...p.to1DArray().map(Math.abs), 1e-3);
          closeM(f.cov, p.to2DArray(), 1e-7 * scale);
          closeV(f.mean, x.to1DArray(), 1e-6 * (1 + Math.max(...x.to1DArray().map(Math.abs))));
        }),
        { numRuns: 200, seed: 3 },
      );
    });

    it('honours an exact (zero-covariance) input and rejects indefinite ones', () => {
      const f = fuseInformation({ mean: [3], cov: [[0]] }, scalar(7, 1));
      closeV(f.mean, [3], TOL);
      closeM(f.cov, [[0]], TOL);
      assert.throws(() => fuseInformation(scalar(0, -1), scalar(1, 1)), /not positive semi-definite/);
      assert.throws(() => fuseInformation(scalar(0, 1), { mean: [0, 0], cov: [[1, 0], [0, 1]] }), RangeError);
      assert.throws(() => fuseInformation(scalar(Number.NaN, 1), scalar(0, 1)), RangeError);
    });
  });

  describe('fuseCovarianceIntersection', () => {
    it('returns the input for identical inputs (never more confident than a fully correlated copy)', () => {
      const a: Gaussian = { mean: [1, -2, 0.5, 3], cov: [[2, 0.3, 0, 0], [0.3, 1, 0.1, 0], [0, 0.1, 4, 0.2], [0, 0, 0.2, 3]] };
      const f = fuseCovarianceIntersection(a, { mean: [...a.mean], cov: a.cov.map((r) => [...r]) });
      closeV(f.mean, a.mean, 1e-12);
      closeM(f.cov, a.cov, 1e-12);
    });

    it('known omega: fixed weights, scalar', () => {
      // P^-1 = 0.5 / 1 + 0.5 / 3 = 2/3 -> P = 1.5; x = 1.5 (0.5 * 0 + (0.5 / 3) * 2) = 0.5.
      const f = fuseCovarianceIntersection(scalar(0, 1), scalar(2, 3), 0.5);
      assert.equal(f.omega, 0.5);
      closeV(f.mean, [0.5], TOL);
      closeM(f.cov, [[1.5]], TOL);
      const one = fuseCovarianceIntersection(scalar(0, 1), scalar(2, 3), 1);
      closeV(one.mean, [0], TOL);
      closeM(one.cov, [[1]], TOL);
      const zero = fuseCovarianceIntersection(scalar(0, 1), scalar(2, 3), 0);
      closeV(zero.mean, [2], TOL);
      closeM(zero.cov, [[3]], TOL);
    });

    it('known omega: symmetric diagonal case minimises det(P) at omega = 0.5', () => {
      // Pa = diag(1, 4), Pb = diag(4, 1): det P(w)^-1 = (0.25 + 0.75 w)(1 - 0.75 w), maximal at w = 0.5,
      // P = diag(1.6, 1.6); x = P * 0.5 * Pb^-1 xb = 1.6 * 0.5 * (0.25, 1) = (0.2, 0.8).
      const f = fuseCovarianceIntersection({ mean: [0, 0], cov: [[1, 0], [0, 4]] }, { mean: [1, 1], cov: [[4, 0], [0, 1]] });
      close(f.omega, 0.5, 1e-12);
      closeM(f.cov, [[1.6, 0], [0, 1.6]], 1e-12);
      closeV(f.mean, [0.2, 0.8], 1e-12);
    });

    it('known omega: an estimate better in every direction wins outright (omega = 1 exactly)', () => {
      const a: Gaussian = { mean: [1, 2], cov: [[1, 0.2], [0.2, 1]] };
      const b: Gaussian = { mean: [5, 5], cov: [[4, 0], [0, 4]] };
      const f = fuseCovarianceIntersection(a, b);
      assert.equal(f.omega, 1);
      closeV(f.mean, a.mean, TOL);
      closeM(f.cov, a.cov, TOL);
      assert.equal(fuseCovarianceIntersection(b, a).omega, 0);
    });

    it('CI covariance is never smaller than the information-form covariance (property)', () => {
      fc.assert(
        fc.property(gaussian4, gaussian4, (a, b) => {
          const ci = fuseCovarianceIntersection(a, b);
          const info = fuseInformation(a, b);
          const diff = ci.cov.map((row, i) => row.map((v, j) => v - info.cov[i]![j]!));
          const scale = Math.max(...ci.cov.flat().map(Math.abs));
          assert.ok(minEigenvalue(diff) >= -1e-9 * scale, `min eigenvalue ${minEigenvalue(diff)}`);
        }),
        { numRuns: 200, seed: 4 },
      );
    });

    it('det(P) is no larger than that of either input, and omega is in [0, 1] (property)', () => {
      fc.assert(
        fc.property(gaussian4, gaussian4, (a, b) => {
          const ci = fuseCovarianceIntersection(a, b);
          assert.ok(ci.omega >= 0 && ci.omega <= 1);
          const d = determinant(new MlMatrix(ci.cov));
          const limit = Math.min(determinant(new MlMatrix(a.cov)), determinant(new MlMatrix(b.cov)));
          assert.ok(d <= limit * (1 + 1e-9), `${d} > ${limit}`);
        }),
        { numRuns: 200, seed: 5 },
      );
    });

    it('chosen omega minimises det(P) against a grid of fixed omegas (property)', () => {
      fc.assert(
        fc.property(gaussian4, gaussian4, (a, b) => {
          const best = determinant(new MlMatrix(fuseCovarianceIntersection(a, b).cov));
          for (let k = 0; k <= 20; k++) {
            const d = determinant(new MlMatrix(fuseCovarianceIntersection(a, b, k / 20).cov));
            assert.ok(best <= d * (1 + 1e-9), `omega ${k / 20}: ${d} < ${best}`);
          }
        }),
        { numRuns: 100, seed: 6 },
      );
    });

    it('rejects omega outside [0, 1] and mismatched dimensions', () => {
      assert.throws(() => fuseCovarianceIntersection(scalar(0, 1), scalar(0, 1), 1.5), RangeError);
      assert.throws(() => fuseCovarianceIntersection(scalar(0, 1), scalar(0, 1), Number.NaN), RangeError);
      assert.throws(() => fuseCovarianceIntersection(scalar(0, 1), { mean: [0, 0], cov: [[1, 0], [0, 1]] }), RangeError);
    });
  });

  it('regularises a singular covariance (once) and names an indefinite or non-finite one', () => {
    const f = fuseCovarianceIntersection({ mean: [0, 0], cov: [[0, 0], [0, 0]] }, { mean: [1, 1], cov: [[1, 0], [0, 1]] }, 0.5);
    closeV(f.mean, [0, 0], 1e-8);
    assert.throws(() => fuseCovarianceIntersection(scalar(0, 1), scalar(0, -1)), /b\.cov: matrix is not positive semi-definite/);
    assert.throws(() => fuseInformation(scalar(0, 1), scalar(0, Number.POSITIVE_INFINITY)), /non-finite/);
  });
});
