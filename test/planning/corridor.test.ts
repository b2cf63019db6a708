import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nonPositiveFrom, nonPositiveTo, projectionJumps } from '../../shared/planning/corridor.js';

describe('planning/corridor', () => {
  it('projectionJumps is exactly |ds| > hypot(dx, dy) + tolerance', () => {
    const d = fc.double({ min: -50, max: 50, noNaN: true });
    fc.assert(
      fc.property(d, d, d, fc.constantFrom(0, 0.5, 1), (ds, dx, dy, tol) => {
        assert.equal(projectionJumps(ds, dx, dy, tol), Math.abs(ds) > Math.hypot(dx, dy) + tol);
      }),
      { numRuns: 2000 },
    );
    // Near-ties on both sides of the squares pre-check.
    for (const [ds, dx, dy] of [[5.5, 3, 4], [5.5 + 1e-15, 3, 4], [0.5 + 1e-16, 1e-15, 0], [0.5, 0, 0], [-7, 0, 6.5]]) {
      assert.equal(projectionJumps(ds!, dx!, dy!, 0.5), Math.abs(ds!) > Math.hypot(dx!, dy!) + 0.5, `${ds} ${dx} ${dy}`);
    }
  });

  it('nonPositiveFrom/To give the sub-interval of [0, 1] where the linear function is <= 0', () => {
    assert.deepEqual([nonPositiveFrom(-1, -2), nonPositiveTo(-1, -2)], [0, 1]);
    assert.deepEqual([nonPositiveFrom(1, 2), nonPositiveTo(1, 2)], [1, 0]); // empty
    assert.deepEqual([nonPositiveFrom(-1, 3), nonPositiveTo(-1, 3)], [0, 0.25]);
    assert.deepEqual([nonPositiveFrom(3, -1), nonPositiveTo(3, -1)], [0.75, 1]);
  });
});
