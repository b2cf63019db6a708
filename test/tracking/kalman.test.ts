import assert from 'node:assert/strict';
import { Matrix as MlMatrix, inverse } from 'ml-matrix';
import { wrapAngle } from '../../shared/geometry/angles.js';
import { ctrvJacobian, ctrvProcessNoise, ctrvPropagate, cvProcessNoise, cvTransition, type CtrvState } from '../../shared/motion/models.js';
import {
  ekfInnovation,
  ekfPredict,
  ekfUpdate,
  immMix,
  immUpdateProbabilities,
  innovationLogLikelihood,
  kfInnovation,
  kfPredict,
  kfUpdate,
  mahalanobisSq,
  mixtureMoments,
} from '../../shared/tracking/kalman.js';

const close = (a: number, b: number, tol: number, msg = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (tol ${tol})`);
const closeV = (a: readonly number[], b: readonly number[], tol: number): void => a.forEach((v, i) => close(v, b[i]!, tol, `[${i}]`));
const closeM = (a: number[][], b: number[][], tol: number): void =>
  a.forEach((r, i) => r.forEach((v, j) => close(v, b[i]![j]!, tol, `[${i}][${j}]`)));

describe('tracking/kalman', () => {
  it('scalar update: the textbook numbers', () => {
    const u = kfUpdate([0], [[1]], [1], [[1]], [[1]]);
    close(u.mean[0]!, 0.5, 1e-15);
    close(u.covariance[0]![0]!, 0.5, 1e-15);
    close(u.gain[0]![0]!, 0.5, 1e-15);
    assert.deepEqual(u.innovation, [1]);
    assert.deepEqual(u.innovationCovariance, [[2]]);
    close(u.mahalanobisSq, 0.5, 1e-15);
  });

  it('CV predict is F P Fᵀ + Q', () => {
    const p = [
      [1, 0, 0.1, 0],
      [0, 2, 0, 0],
      [0.1, 0, 0.5, 0],
      [0, 0, 0, 0.5],
    ];
    const g = kfPredict([0, 0, 10, -5], p, cvTransition(0.1), cvProcessNoise(0.1, 2));
    closeV(g.mean, [1, -0.5, 10, -5], 1e-15);
    const f = new MlMatrix(cvTransition(0.1));
    const expected = f.mmul(new MlMatrix(p)).mmul(f.transpose()).add(new MlMatrix(cvProcessNoise(0.1, 2))).to2DArray();
    closeM(g.covariance, expected, 1e-15);
  });

  it('Joseph update equals the standard form P − K S Kᵀ and reports gating numbers', () => {
    const x = [1, 2, 3, 4];
    const p = [
      [2, 0.3, 0.2, 0],
      [0.3, 1, 0, 0.1],
      [0.2, 0, 0.6, 0],
      [0, 0.1, 0, 0.4],
    ];
    const h = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ];
    const r = [
      [0.09, 0.01],
      [0.01, 0.04],
    ];
    const z = [1.5, 1.7];
    const u = kfUpdate(x, p, z, h, r);
    const P = new MlMatrix(p);
    const H = new MlMatrix(h);
    const S = H.mmul(P).mmul(H.transpose()).add(new MlMatrix(r));
    const K = P.mmul(H.transpose()).mmul(inverse(S));
    const y = MlMatrix.columnVector([0.5, -0.3]);
    closeV(u.mean, MlMatrix.columnVector(x).add(K.mmul(y)).getColumn(0), 1e-14);
    closeM(u.covariance, P.clone().sub(K.mmul(S).mmul(K.transpose())).to2DArray(), 1e-14);
    closeM(u.innovationCovariance, S.to2DArray(), 1e-15);
    close(u.mahalanobisSq, y.transpose().mmul(inverse(S)).mmul(y).get(0, 0), 1e-12);
    // The same innovation without an update.
    const i = kfInnovation(x, p, z, h, r);
    assert.deepEqual(i.innovation, u.innovation);
    close(i.mahalanobisSq, u.mahalanobisSq, 1e-15);
    // Symmetric output.
    u.covariance.forEach((row, a) => row.forEach((v, b) => assert.equal(v, u.covariance[b]![a])));
  });

  it('mahalanobisSq and non-positive-definite S', () => {
    assert.equal(mahalanobisSq([2, 1], [[4, 0], [0, 1]]), 2);
    assert.throws(() => mahalanobisSq([1, 1], [[1, 2], [2, 1]]), RangeError);
    assert.throws(() => kfUpdate([0, 0], [[0, 0], [0, 0]], [1], [[1, 0]], [[0]]), RangeError);
    assert.throws(() => kfUpdate([0, 0], [[1]], [1], [[1, 0]], [[1]]), RangeError);
  });

  it('EKF predict with CTRV equals the model propagation and J P Jᵀ + Q', () => {
    const s: CtrvState = [0, 0, 0.2, 10, 0.3];
    const p = [
      [0.5, 0, 0, 0, 0],
      [0, 0.5, 0, 0, 0],
      [0, 0, 0.01, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0.01],
    ];
    const q = ctrvProcessNoise(s, 0.1, 2, 0.5);
    const g = ekfPredict(s, p, (x) => ctrvPropagate(x as CtrvState, 0.1), (x) => ctrvJacobian(x as CtrvState, 0.1), q);
    closeV(g.mean, ctrvPropagate(s, 0.1), 0);
    const j = new MlMatrix(ctrvJacobian(s, 0.1));
    closeM(g.covariance, j.mmul(new MlMatrix(p)).mmul(j.transpose()).add(new MlMatrix(q)).to2DArray(), 1e-15);
  });

  it('EKF update with a bearing measurement wraps the residual across ±pi', () => {
    // State [x, y], sensor at the origin measuring bearing atan2(y, x).
    const h = (x: readonly number[]): number[] => [Math.atan2(x[1]!, x[0]!)];
    const jac = (x: readonly number[]): number[][] => {
      const r2 = x[0]! ** 2 + x[1]! ** 2;
      return [[-x[1]! / r2, x[0]! / r2]];
    };
    const x = [-10, -0.1]; // bearing just above -pi
    const z = [Math.PI - 0.005]; // just below +pi: 0.015 rad clockwise of the prediction, across the wrap
    const residual = (zz: readonly number[], zp: readonly number[]): number[] => [wrapAngle(zz[0]! - zp[0]!)];
    const inn = ekfInnovation(x, [[1, 0], [0, 1]], z, h, jac, [[1e-4]], { residual });
    close(inn.innovation[0]!, wrapAngle(Math.PI - 0.005 - Math.atan2(-0.1, -10)), 1e-15);
    assert.ok(Math.abs(inn.innovation[0]!) < 0.02);
    const u = ekfUpdate(x, [[1, 0], [0, 1]], z, h, jac, [[1e-4]], { residual });
    close(inn.innovation[0]!, -0.015, 1e-6); // -0.005 - atan(0.01)
    // With a tight bearing the estimate moves onto the measured ray (y = 10·tan 0.005 ≈ +0.05) instead of being
    // dragged by a 2π - 0.015 residual.
    close(u.mean[1]!, 10 * Math.tan(0.005), 2e-3);
    close(u.mean[0]!, -10, 2e-3);
    close(u.mahalanobisSq, inn.mahalanobisSq, 1e-15);
  });

  it('normalizeState is applied to the updated mean', () => {
    const u = kfUpdate([3], [[1]], [3.4], [[1]], [[1e-9]], { normalizeState: (x) => x.map(wrapAngle) });
    close(u.mean[0]!, 3.4 - 2 * Math.PI, 1e-6);
  });

  describe('IMM helpers', () => {
    it('mixtureMoments: mean and spread-of-means covariance', () => {
      const m = mixtureMoments(
        [
          { mean: [0, 0], covariance: [[1, 0], [0, 1]] },
          { mean: [2, 0], covariance: [[3, 0], [0, 1]] },
        ],
        [0.5, 0.5],
      );
      assert.deepEqual(m.mean, [1, 0]);
      // Σ w (P + d dᵀ): xx = 0.5·(1 + 1) + 0.5·(3 + 1) = 3.
      assert.deepEqual(m.covariance, [[3, 0], [0, 1]]);
      assert.throws(() => mixtureMoments([], []), RangeError);
    });

    it('immMix: identity transition keeps every mode; mixing pulls modes together', () => {
      const modes = [
        { mean: [0], covariance: [[1]] },
        { mean: [10], covariance: [[4]] },
      ];
      const id = immMix(modes, [0.3, 0.7], [[1, 0], [0, 1]]);
      assert.deepEqual(id.predictedProbabilities, [0.3, 0.7]);
      assert.deepEqual(id.mixed, modes);
      const mixed = immMix(modes, [0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]]);
      assert.deepEqual(mixed.predictedProbabilities, [0.5, 0.5]);
      // Mode 0's mixed mean: weights 0.9 / 0.1 -> 1.
      close(mixed.mixed[0]!.mean[0]!, 1, 1e-15);
      close(mixed.mixed[1]!.mean[0]!, 9, 1e-14);
      // Covariance 0.9·(1 + 1) + 0.1·(4 + 81) = 10.3.
      close(mixed.mixed[0]!.covariance[0]![0]!, 10.3, 1e-13);
    });

    it('immUpdateProbabilities: Bayes in log space, robust to underflow', () => {
      const p = immUpdateProbabilities([0.5, 0.5], [Math.log(3), Math.log(1)]);
      closeV(p, [0.75, 0.25], 1e-15);
      const tiny = immUpdateProbabilities([0.9, 0.1], [-2000, -2001]);
      closeV(tiny, [0.9 / (0.9 + 0.1 * Math.exp(-1)), (0.1 * Math.exp(-1)) / (0.9 + 0.1 * Math.exp(-1))], 1e-12);
    });

    it('innovationLogLikelihood = −d²/2 − ½ ln det S', () => {
      const inn = kfInnovation([0, 0], [[1, 0], [0, 3]], [1, 2], [[1, 0], [0, 1]], [[1, 0], [0, 1]]);
      // S = diag(2, 4): d² = 1/2 + 4/4 = 1.5, ln det S = ln 8.
      close(innovationLogLikelihood(inn), -0.75 - 0.5 * Math.log(8), 1e-14);
    });
  });
});
