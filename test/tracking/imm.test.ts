import assert from 'node:assert/strict';
import { immMixed, immPredictedProbabilities, immUpdateProbabilities, mixtureMoments } from '../../shared/tracking/imm.js';
import { close, closeV } from '../support/close.js';

describe('tracking/imm', () => {
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

  it('interaction: identity transition keeps every mode; mixing pulls modes together', () => {
    const modes = [
      { mean: [0], covariance: [[1]] },
      { mean: [10], covariance: [[4]] },
    ];
    const mixedOf = (probabilities: number[], transition: number[][], c: number[], j: number): [number, number] => {
      const g = immMixed(modes, probabilities, transition, c, j);
      return [g.mean[0]!, g.cov[0]!];
    };
    const identity = [[1, 0], [0, 1]];
    const c0 = immPredictedProbabilities(modes, [0.3, 0.7], identity);
    assert.deepEqual(c0, [0.3, 0.7]);
    assert.deepEqual(mixedOf([0.3, 0.7], identity, c0, 0), [0, 1]);
    assert.deepEqual(mixedOf([0.3, 0.7], identity, c0, 1), [10, 4]);
    const transition = [[0.9, 0.1], [0.1, 0.9]];
    const c = immPredictedProbabilities(modes, [0.5, 0.5], transition);
    assert.deepEqual(c, [0.5, 0.5]);
    // Mode 0's mixed mean: weights 0.9 / 0.1 -> 1; covariance 0.9·(1 + 1) + 0.1·(4 + 81) = 10.3.
    const [mean0, cov0] = mixedOf([0.5, 0.5], transition, c, 0);
    close(mean0, 1, 1e-15);
    close(cov0, 10.3, 1e-13);
    close(mixedOf([0.5, 0.5], transition, c, 1)[0], 9, 1e-14);
    // A mode nothing can switch into keeps its own estimate.
    assert.deepEqual(mixedOf([1, 0], identity, [1, 0], 1), [10, 4]);
  });

  it('immUpdateProbabilities: Bayes in log space, robust to underflow', () => {
    const p = immUpdateProbabilities([0.5, 0.5], [Math.log(3), Math.log(1)]);
    closeV(p, [0.75, 0.25], 1e-15);
    const tiny = immUpdateProbabilities([0.9, 0.1], [-2000, -2001]);
    closeV(tiny, [0.9 / (0.9 + 0.1 * Math.exp(-1)), (0.1 * Math.exp(-1)) / (0.9 + 0.1 * Math.exp(-1))], 1e-12);
  });
});
