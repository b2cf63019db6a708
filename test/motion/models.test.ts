import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import {
  ctrvJacobian,
  ctrvProcessNoise,
  ctrvPropagate,
  ctrvToCv,
  ctrvToCvJacobian,
  cvProcessNoise,
  cvPropagate,
  cvToCtrv,
  cvTransition,
  propagateCovariance,
  type CtrvState,
} from '../../shared/motion/models.js';
import { close, closeV, closeM } from '../support/close.js';

/** Central finite-difference Jacobian of f at x. */
function numericJacobian(f: (x: number[]) => number[], x: readonly number[], h = 1e-6): number[][] {
  const cols = x.map((_, j) => {
    const xp = [...x];
    const xm = [...x];
    xp[j] = xp[j]! + h;
    xm[j] = xm[j]! - h;
    const fp = f(xp);
    const fm = f(xm);
    return fp.map((v, i) => (v - fm[i]!) / (2 * h));
  });
  return cols[0]!.map((_, i) => cols.map((c) => c[i]!));
}

const isPsd = (m: number[][]): boolean =>
  new MlMatrix(m).transpose().sub(new MlMatrix(m)).norm() < 1e-12 &&
  new EigenvalueDecomposition(new MlMatrix(m)).realEigenvalues.every((e) => e > -1e-12);

describe('motion/models', () => {
  describe('CV', () => {
    it('propagates exactly, forwards and backwards', () => {
      assert.deepEqual(cvPropagate([1, 2, 3, -4], 0.5), [2.5, 0, 3, -4]);
      assert.deepEqual(cvPropagate([1, 2, 3, -4], -0.5), [-0.5, 4, 3, -4]);
      assert.deepEqual(cvTransition(0.1), [[1, 0, 0.1, 0], [0, 1, 0, 0.1], [0, 0, 1, 0], [0, 0, 0, 1]]);
      assert.throws(() => cvPropagate([0, 0, 0, 0], Number.NaN), RangeError);
    });

    it('has the discrete white-noise acceleration process noise', () => {
      // σ = 2 m/s², dt = 0.5 s: σ²dt⁴/4 = 0.0625, σ²dt³/2 = 0.25, σ²dt² = 1.
      assert.deepEqual(cvProcessNoise(0.5, 2), [
        [0.0625, 0, 0.25, 0],
        [0, 0.0625, 0, 0.25],
        [0.25, 0, 1, 0],
        [0, 0.25, 0, 1],
      ]);
      // Backwards: the position-velocity correlation changes sign, the matrix stays PSD.
      const qb = cvProcessNoise(-0.5, 2);
      assert.equal(qb[0]![2], -0.25);
      assert.ok(isPsd(qb));
      assert.deepEqual(cvProcessNoise(0, 3), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
      assert.throws(() => cvProcessNoise(0.1, -1), RangeError);
    });
  });

  describe('CTRV', () => {
    it('matches the closed form of a unit circle: v = 1, ω = 1, dt = 0.5 from the origin', () => {
      const [x, y, th, v, w] = ctrvPropagate([0, 0, 0, 1, 1], 0.5);
      close(x, Math.sin(0.5), 1e-12);
      close(y, 1 - Math.cos(0.5), 1e-12);
      close(th, 0.5, 1e-15);
      assert.equal(v, 1);
      assert.equal(w, 1);
    });

    it('matches (v/ω)(sin(θ+ωdt) − sin θ, cos θ − cos(θ+ωdt)) for a clockwise turn heading north', () => {
      const th = Math.PI / 2;
      const [x, y, th2] = ctrvPropagate([3, 4, th, 2, -0.5], 1);
      close(x, 3 + (2 / -0.5) * (Math.sin(th - 0.5) - Math.sin(th)), 1e-12);
      close(y, 4 + (2 / -0.5) * (Math.cos(th) - Math.cos(th - 0.5)), 1e-12);
      close(th2, th - 0.5, 1e-15);
    });

    it('is continuous through ω = 0: tiny yaw rates give the straight line', () => {
      assert.deepEqual(ctrvPropagate([0, 0, 0, 1, 0], 0.5), [0.5, 0, 0, 1, 0]);
      const [x, y] = ctrvPropagate([0, 0, 0, 1, 1e-9], 0.5);
      close(x, 0.5, 1e-9);
      close(y, 0, 1e-9);
      // Against the textbook form where it is still well conditioned, from both sides of zero.
      for (const w of [-1e-3, -1e-5, 1e-5, 1e-3, 0.3]) {
        const th = 0.7;
        const [px, py] = ctrvPropagate([0, 0, th, 12, w], 0.2);
        close(px, (12 / w) * (Math.sin(th + w * 0.2) - Math.sin(th)), 1e-9, `x at ω=${w}`);
        close(py, (12 / w) * (Math.cos(th) - Math.cos(th + w * 0.2)), 1e-9, `y at ω=${w}`);
      }
      // Monotone, smooth approach to the straight line: the lateral offset is ≈ v·ω·dt²/2.
      for (const w of [1e-4, 1e-6, 1e-8]) close(ctrvPropagate([0, 0, 0, 10, w], 1)[1], 10 * w * 0.5, 1e-3 * 10 * w);
    });

    it('wraps the heading', () => {
      close(ctrvPropagate([0, 0, 3, 1, 1], 0.5)[2], 3.5 - 2 * Math.PI, 1e-15);
    });

    it('Jacobian matches finite differences, including ω = 0 and tiny ω', () => {
      const states: CtrvState[] = [
        [1, 2, 0.3, 10, 0.4],
        [0, 0, -2.5, 5, 0],
        [0, 0, 1.0, 8, 1e-7],
        [0, 0, 1.0, 8, 0.05],
        [5, -3, Math.PI, 0, -1.2],
      ];
      for (const s of states) {
        for (const dt of [0.1, 0.5, -0.3]) {
          const num = numericJacobian((x) => {
            const out = ctrvPropagate(x as CtrvState, dt);
            // Compare heading unwrapped: θ + ω dt.
            out[2] = x[2]! + x[4]! * dt;
            return out;
          }, s);
          closeM(ctrvJacobian(s, dt), num, 1e-7);
        }
      }
    });

    it('Jacobian is continuous where it switches from series to closed form (|ω·dt| = 0.1)', () => {
      const below = ctrvJacobian([0, 0, 0.4, 10, 0.1 - 1e-12], 1);
      const above = ctrvJacobian([0, 0, 0.4, 10, 0.1 + 1e-12], 1);
      closeM(below, above, 1e-9); // the entries themselves move by ~1e-10 over the 2e-12 step in ω
    });

    it('process noise is G diag(σa², σα²) Gᵀ', () => {
      const th = 0.4;
      const dt = 0.2;
      const q = ctrvProcessNoise([0, 0, th, 10, 0.1], dt, 2, 0.5);
      const h = (dt * dt) / 2;
      const c = Math.cos(th);
      const s = Math.sin(th);
      const expected = [
        [h * h * c * c * 4, h * h * c * s * 4, 0, h * dt * c * 4, 0],
        [h * h * c * s * 4, h * h * s * s * 4, 0, h * dt * s * 4, 0],
        [0, 0, h * h * 0.25, 0, h * dt * 0.25],
        [h * dt * c * 4, h * dt * s * 4, 0, dt * dt * 4, 0],
        [0, 0, h * dt * 0.25, 0, dt * dt * 0.25],
      ];
      closeM(q, expected, 1e-18);
      assert.ok(isPsd(q));
    });

    it('property: forward then backward returns the state', () => {
      fc.assert(
        fc.property(
          fc.double({ min: -100, max: 100, noNaN: true }),
          fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
          fc.double({ min: 0, max: 30, noNaN: true }),
          fc.double({ min: -1.5, max: 1.5, noNaN: true }),
          fc.double({ min: -2, max: 2, noNaN: true }),
          (x, th, v, w, dt) => {
            const back = ctrvPropagate(ctrvPropagate([x, -x, th, v, w], dt), -dt);
            closeV(back.slice(0, 2), [x, -x], 1e-9);
            close(Math.sin((back[2] - th) / 2), 0, 1e-12);
          },
        ),
      );
    });
  });

  describe('conversions', () => {
    it('CTRV -> CV: velocity and its covariance through the Jacobian', () => {
      const s: CtrvState = [1, 2, Math.PI / 6, 10, 0.2];
      const p = [
        [0.5, 0.1, 0, 0, 0],
        [0.1, 0.4, 0, 0, 0],
        [0, 0, 0.01, 0, 0.001],
        [0, 0, 0, 0.25, 0],
        [0, 0, 0.001, 0, 0.04],
      ];
      const out = ctrvToCv(s, p);
      closeV(out.state, [1, 2, 10 * Math.cos(Math.PI / 6), 10 * Math.sin(Math.PI / 6)], 1e-14);
      const num = numericJacobian((x) => [x[0]!, x[1]!, x[3]! * Math.cos(x[2]!), x[3]! * Math.sin(x[2]!)], s);
      closeM(ctrvToCvJacobian(s), num, 1e-8);
      // Speed variance along the heading, heading variance across: var_along = 0.25, var_across = v² · 0.01 = 1.
      const c = Math.cos(Math.PI / 6);
      const sn = Math.sin(Math.PI / 6);
      const vv = out.covariance;
      close(c * c * vv[2]![2]! + 2 * c * sn * vv[2]![3]! + sn * sn * vv[3]![3]!, 0.25, 1e-12);
      close(sn * sn * vv[2]![2]! - 2 * c * sn * vv[2]![3]! + c * c * vv[3]![3]!, 1, 1e-12);
      closeM(out.covariance.slice(0, 2).map((r) => r.slice(0, 2)), [[0.5, 0.1], [0.1, 0.4]], 0);
    });

    it('CV -> CTRV -> CV is the identity, mean and covariance', () => {
      const cvP = [
        [1, 0.2, 0.1, 0],
        [0.2, 2, 0, 0.3],
        [0.1, 0, 0.5, 0.1],
        [0, 0.3, 0.1, 0.7],
      ];
      const c = cvToCtrv([3, 4, -6, 8], cvP, { yawRateRadps: 0.3, yawRateVarRad2ps2: 0.01 });
      closeV(c.state, [3, 4, Math.atan2(8, -6), 10, 0.3], 1e-15);
      assert.equal(c.covariance[4]![4], 0.01);
      assert.equal(c.covariance[0]![4], 0);
      const back = ctrvToCv(c.state, c.covariance);
      closeV(back.state, [3, 4, -6, 8], 1e-14);
      closeM(back.covariance, cvP, 1e-14);
    });

    it('CV -> CTRV below the minimum speed uses the fallback heading', () => {
      const c = cvToCtrv([0, 0, 0.01, -0.02], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0.1, 0], [0, 0, 0, 0.1]], {
        yawRateRadps: 0,
        yawRateVarRad2ps2: 0.04,
        fallbackHeadingRad: Math.PI / 2,
        fallbackHeadingVarRad2: 0.5,
      });
      assert.equal(c.state[2], Math.PI / 2);
      close(c.state[3], -0.02, 1e-15); // signed speed along the fallback heading
      close(c.covariance[2]![2]!, 0.5, 1e-15);
      close(c.covariance[3]![3]!, 0.1, 1e-15);
    });

    it('propagateCovariance computes J P Jᵀ + Q symmetrically', () => {
      const j = [[1, 2], [0, 1]];
      const p = [[1, 0], [0, 1]];
      assert.deepEqual(propagateCovariance(j, p, [[1, 0], [0, 1]]), [[6, 2], [2, 2]]);
    });
  });
});
