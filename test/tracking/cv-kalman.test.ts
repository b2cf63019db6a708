import assert from 'node:assert/strict';
import { Matrix as MlMatrix, inverse } from 'ml-matrix';
import { cvProcessNoise, cvTransition } from '../../shared/motion/models.js';
import { cvPositionUpdate, cvPredict, positionInnovation, positionLogLikelihood } from '../../shared/tracking/cv-kalman.js';
import { close, closeV, closeM } from '../support/close.js';

const x = [1, 2, 3, 4];
const p = [
  [2, 0.3, 0.2, 0],
  [0.3, 1, 0, 0.1],
  [0.2, 0, 0.6, 0],
  [0, 0.1, 0, 0.4],
];
const r = [
  [0.09, 0.01],
  [0.01, 0.04],
];
const H = new MlMatrix([[1, 0, 0, 0], [0, 1, 0, 0]]);

describe('tracking/cv-kalman', () => {
  it('predict is x = F x, P = F P Fᵀ + Q', () => {
    const g = cvPredict(x, p.flat(), 0.1, 2);
    closeV(g.mean, [1.3, 2.4, 3, 4], 1e-15);
    const f = new MlMatrix(cvTransition(0.1));
    const expected = f.mmul(new MlMatrix(p)).mmul(f.transpose()).add(new MlMatrix(cvProcessNoise(0.1, 2)));
    closeM(g.covariance, expected.to2DArray(), 1e-15);
  });

  it('the Joseph update equals the textbook form P − K S Kᵀ and reports the gating numbers', () => {
    const u = cvPositionUpdate(x, p, 1.5, 1.7, r);
    const P = new MlMatrix(p);
    const S = H.mmul(P).mmul(H.transpose()).add(new MlMatrix(r));
    const K = P.mmul(H.transpose()).mmul(inverse(S));
    const y = MlMatrix.columnVector([0.5, -0.3]);
    closeV(u.mean, MlMatrix.columnVector(x).add(K.mmul(y)).getColumn(0), 1e-14);
    closeM(u.covariance, P.clone().sub(K.mmul(S).mmul(K.transpose())).to2DArray(), 1e-14);
    closeV([u.s00, u.s01, u.s11], [S.get(0, 0), S.get(0, 1), S.get(1, 1)], 1e-15);
    close(u.mahalanobisSq, y.transpose().mmul(inverse(S)).mmul(y).get(0, 0), 1e-12);
    u.covariance.forEach((row, i) => row.forEach((v, j) => assert.equal(v, u.covariance[j]![i])));
    // The innovation alone has the same numbers.
    const inn = positionInnovation(x, p, 1.5, 1.7, r);
    assert.deepEqual([inn.y0, inn.y1, inn.mahalanobisSq], [u.y0, u.y1, u.mahalanobisSq]);
  });

  it('log-likelihood is −d²/2 − ½ ln det S; a non-positive-definite S throws', () => {
    const inn = positionInnovation([0, 0, 0, 0], [[1, 0, 0, 0], [0, 3, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 1, 2, [[1, 0], [0, 1]]);
    // S = diag(2, 4): d² = 1/2 + 4/4 = 1.5, ln det S = ln 8.
    close(inn.mahalanobisSq, 1.5, 1e-15);
    close(positionLogLikelihood(inn), -0.75 - 0.5 * Math.log(8), 1e-14);
    const zero = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    assert.throws(() => cvPositionUpdate([0, 0, 0, 0], zero, 1, 1, [[0, 0], [0, 0]]), RangeError);
  });
});
