import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterEstimator } from '../../shared/link/jitter.js';

const MS = 1_000_000;

describe('JitterEstimator (RFC 3550)', () => {
  it('matches a hand-computed sequence exactly', () => {
    // Sent every 100 ms; transit times 10, 12, 11, 15 ms, so D = +2, -1, +4 ms.
    // J1 = 0 + (2 - 0)/16 = 0.125
    // J2 = 0.125 + (1 - 0.125)/16 = 0.1796875
    // J3 = 0.1796875 + (4 - 0.1796875)/16 = 0.41845703125
    const j = new JitterEstimator();
    const transitsMs = [10, 12, 11, 15];
    const out = transitsMs.map((tr, i) => j.update(i * 100 * MS, (i * 100 + tr) * MS));
    assert.deepEqual(out, [0, 0.125, 0.1796875, 0.41845703125]);
    assert.equal(j.jitterMs, 0.41845703125);
    assert.equal(j.samples, 4);
  });

  it('is independent of a constant clock offset between sender and receiver', () => {
    const a = new JitterEstimator();
    const b = new JitterEstimator();
    const transitsMs = [10, 12, 11, 15, 9, 30];
    transitsMs.forEach((tr, i) => {
      a.update(i * 100 * MS, (i * 100 + tr) * MS);
      b.update(i * 100 * MS, (i * 100 + tr) * MS - 3_000 * MS); // receiver clock 3 s behind
    });
    assert.equal(a.jitterMs, b.jitterMs);
  });

  it('reset starts over', () => {
    const j = new JitterEstimator();
    j.update(0, 10 * MS);
    j.update(100 * MS, 130 * MS);
    assert.equal(j.jitterMs, 1.25);
    j.reset();
    assert.equal(j.jitterMs, 0);
    assert.equal(j.samples, 0);
    assert.equal(j.update(0, 50 * MS), 0);
  });

  it('property: constant transit gives zero jitter; jitter never exceeds the largest |D|', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 100 }), (transitsMs) => {
      const j = new JitterEstimator();
      const constant = new JitterEstimator();
      let maxD = 0;
      transitsMs.forEach((tr, i) => {
        j.update(i * 100 * MS, (i * 100 + tr) * MS);
        constant.update(i * 100 * MS, (i * 100 + 42) * MS);
        if (i > 0) maxD = Math.max(maxD, Math.abs(tr - transitsMs[i - 1]!));
      });
      return constant.jitterMs === 0 && j.jitterMs >= 0 && j.jitterMs <= maxD;
    }));
  });
});
