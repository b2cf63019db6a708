import assert from 'node:assert/strict';
import fc from 'fast-check';
import { angleDiff, meanAngle, wrapAngle } from '../../shared/geometry/angles.js';
import { close } from '../support/close.js';

describe('geometry/angles', () => {
  describe('wrapAngle', () => {
    it('maps to (-pi, pi] with pi kept and -pi mapped to pi', () => {
      assert.equal(wrapAngle(0), 0);
      assert.equal(wrapAngle(Math.PI), Math.PI);
      assert.equal(wrapAngle(-Math.PI), Math.PI);
      assert.equal(wrapAngle(-Math.PI / 2), -Math.PI / 2);
      assert.equal(wrapAngle(2 * Math.PI), 0);
      assert.equal(wrapAngle(-2 * Math.PI), 0);
      close(wrapAngle(3 * Math.PI), Math.PI, 1e-15);
      close(wrapAngle(7), 7 - 2 * Math.PI, 1e-15);
      close(wrapAngle(-7), -7 + 2 * Math.PI, 1e-15);
      close(wrapAngle(1e6), Math.atan2(Math.sin(1e6), Math.cos(1e6)), 1e-9);
    });

    it('returns NaN for NaN and infinities', () => {
      assert.ok(Number.isNaN(wrapAngle(Number.NaN)));
      assert.ok(Number.isNaN(wrapAngle(Infinity)));
      assert.ok(Number.isNaN(wrapAngle(-Infinity)));
    });

    it('property: in range, idempotent, same direction', () => {
      fc.assert(
        fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), (a) => {
          const w = wrapAngle(a);
          assert.ok(w > -Math.PI && w <= Math.PI, `${a} -> ${w}`);
          assert.equal(wrapAngle(w), w);
          // Same direction; tolerance grows with |a| because a itself only has ~1e-16·|a| absolute precision.
          const tol = 1e-15 * Math.max(1, Math.abs(a)) * 4;
          close(Math.cos(w), Math.cos(a), tol);
          close(Math.sin(w), Math.sin(a), tol);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('angleDiff', () => {
    it('takes the short way across +-pi', () => {
      close(angleDiff(Math.PI - 0.1, -Math.PI + 0.1), -0.2, 1e-15);
      close(angleDiff(-Math.PI + 0.1, Math.PI - 0.1), 0.2, 1e-15);
      assert.equal(angleDiff(1, 0.25), 0.75);
      assert.ok(Number.isNaN(angleDiff(Number.NaN, 0)));
    });

    it('property: b + diff(a, b) points along a, |diff| <= pi', () => {
      fc.assert(
        fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (a, b) => {
          const d = angleDiff(a, b);
          assert.ok(Math.abs(d) <= Math.PI);
          close(Math.cos(b + d), Math.cos(a), 1e-12);
          close(Math.sin(b + d), Math.sin(a), 1e-12);
        }),
      );
    });
  });

  describe('meanAngle', () => {
    it('averages across the wrap', () => {
      close(meanAngle([Math.PI - 0.1, -Math.PI + 0.1]), Math.PI, 1e-12);
      close(meanAngle([0.1, 0.3]), 0.2, 1e-15);
      close(meanAngle([0, Math.PI / 2], [3, 1]), Math.atan2(1, 3), 1e-15);
    });

    it('is NaN when undefined', () => {
      assert.ok(Number.isNaN(meanAngle([])));
      assert.ok(Number.isNaN(meanAngle([0, Math.PI])));
      assert.ok(Number.isNaN(meanAngle([0, Number.NaN])));
      assert.throws(() => meanAngle([0, 1], [1]), RangeError);
    });
  });
});
