import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { diagonalCovariance, unpackCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject } from '../../shared/model/types.js';
import { ctrvPropagate } from '../../shared/motion/models.js';
import { DEFAULT_PREDICT_PARAMS, predictObject, selectMotionModel } from '../../shared/motion/predict.js';
import { close } from '../support/close.js';
import { detectedObject } from '../support/objects.js';

const object = (over: Partial<DetectedObject> = {}): DetectedObject => detectedObject({
  zM: 0.8, vxMps: 10, lengthM: 4.6, widthM: 1.9, covariance: diagonalCovariance(1, Math.sqrt(0.5)), existenceProbability: 0.97, ...over,
});

describe('motion/predict', () => {
  it('CV: a 10 m/s object predicted 0.3 s moves 3 m; covariance grows by F P Fᵀ + Q exactly', () => {
    const obj = Object.freeze(object());
    const out = predictObject(obj, 0.3, { accelStdMps2: 2 });
    assert.equal(selectMotionModel(obj), 'cv');
    assert.equal(out.xM, 3);
    assert.equal(out.yM, 0);
    assert.equal(out.vxMps, 10);
    assert.equal(out.headingRad, 0);
    close(out.ageS, 2.3, 1e-15);
    // P = diag(1, 1, 0.5, 0.5), σa = 2, dt = 0.3:
    //   xx = 1 + dt²·0.5 + σ²dt⁴/4 = 1.0531, x·vx = dt·0.5 + σ²dt³/2 = 0.204, vx·vx = 0.5 + σ²dt² = 0.86.
    const expected = [1.0531, 0, 0.204, 0, 1.0531, 0, 0.204, 0.86, 0, 0.86];
    out.covariance!.forEach((v, i) => close(v, expected[i]!, 1e-12, `cov[${i}]`));
    // Input untouched; everything else copied.
    assert.equal(obj.xM, 0);
    assert.equal(out.trackId, 1);
    assert.equal(out.lengthM, 4.6);
    assert.equal(out.existenceProbability, 0.97);
  });

  it('CTRV for a turning car: closed-form position, velocity and heading rotate together', () => {
    const obj = object({ headingRad: 0.1, vxMps: 10 * Math.cos(0.1), vyMps: 10 * Math.sin(0.1), yawRateRadps: 0.5 });
    assert.equal(selectMotionModel(obj), 'ctrv');
    const dt = 0.4;
    const out = predictObject(obj, dt);
    const [x, y, th] = ctrvPropagate([0, 0, 0.1, 10, 0.5], dt);
    close(out.xM, x, 1e-12);
    close(out.yM, y, 1e-12);
    close(out.xM, (10 / 0.5) * (Math.sin(0.3) - Math.sin(0.1)), 1e-12);
    close(out.vxMps, 10 * Math.cos(0.3), 1e-12);
    close(out.vyMps, 10 * Math.sin(0.3), 1e-12);
    close(out.headingRad, th, 1e-15);
    assert.equal(out.yawRateRadps, 0.5);
    // Covariance: symmetric PSD (via packing) and larger than the input.
    const p = new MlMatrix(unpackCovariance(out.covariance!));
    assert.ok(new EigenvalueDecomposition(p).realEigenvalues.every((e) => e > 0));
    assert.ok(p.trace() > new MlMatrix(unpackCovariance(obj.covariance!)).trace());
  });

  it('CTRV keeps a reversing car reversing: the box heading turns with the velocity', () => {
    const obj = object({ headingRad: Math.PI, vxMps: 2, vyMps: 0, yawRateRadps: -0.3 });
    const out = predictObject(obj, 1);
    close(out.headingRad, Math.PI - 0.3, 1e-12);
    close(Math.atan2(out.vyMps, out.vxMps), -0.3, 1e-12);
  });

  it('CTRV covariance at dt = 0 is the input covariance (conversions are exact inverses)', () => {
    const obj = object({ vxMps: 6, vyMps: 8, yawRateRadps: 0.4, covariance: [1, 0.2, 0.1, 0, 2, 0, 0.3, 0.5, 0.1, 0.7] });
    const out = predictObject(obj, 0);
    out.covariance!.forEach((v, i) => close(v, obj.covariance![i]!, 1e-14));
    assert.equal(out.xM, obj.xM);
    close(out.vxMps, 6, 1e-14);
  });

  it('uses CV for slow objects, straight objects and pedestrians', () => {
    assert.equal(selectMotionModel(object({ vxMps: 0.3, yawRateRadps: 0.5 })), 'cv');
    assert.equal(selectMotionModel(object({ yawRateRadps: 0.005 })), 'cv');
    assert.equal(selectMotionModel(object({ objectClass: 'pedestrian', vxMps: 1.5, yawRateRadps: 0.5 })), 'cv');
    assert.equal(selectMotionModel(object({ objectClass: 'pedestrian', vxMps: 1.5, yawRateRadps: 0.5 }), { ctrvClasses: ['pedestrian'] }), 'ctrv');
    const ped = predictObject(object({ objectClass: 'pedestrian', vxMps: 1, vyMps: 1, yawRateRadps: 0.5, headingRad: 0.7 }), 2);
    assert.equal(ped.xM, 2);
    assert.equal(ped.yM, 2);
    assert.equal(ped.headingRad, 0.7);
  });

  it('keeps a null covariance null and still moves the object', () => {
    const out = predictObject(object({ covariance: null, yawRateRadps: 0.2 }), 0.5);
    assert.equal(out.covariance, null);
    assert.ok(out.xM > 4.9 && out.xM < 5);
  });

  it('predicts backwards, flooring the age at 0', () => {
    const out = predictObject(object({ ageS: 0.1 }), -0.3);
    close(out.xM, -3, 1e-15);
    assert.equal(out.ageS, 0);
    // Backwards still inflates the uncertainty.
    assert.ok(out.covariance![0] > 1);
    assert.throws(() => predictObject(object(), Number.POSITIVE_INFINITY), RangeError);
  });

  it('property: forward then backward returns the mean (CV and CTRV)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.constantFrom('car', 'pedestrian', 'truck') as fc.Arbitrary<DetectedObject['objectClass']>,
        (vx, vy, w, h, dt, cls) => {
          const obj = object({ xM: 5, yM: -7, vxMps: vx, vyMps: vy, yawRateRadps: w, headingRad: h, objectClass: cls });
          const back = predictObject(predictObject(obj, dt), -dt);
          close(back.xM, 5, 1e-9);
          close(back.yM, -7, 1e-9);
          close(back.vxMps, vx, 1e-9);
          close(back.vyMps, vy, 1e-9);
          close(Math.sin((back.headingRad - h) / 2), 0, 1e-12);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('documents its defaults', () => {
    assert.equal(DEFAULT_PREDICT_PARAMS.minCtrvSpeedMps, 0.5);
    assert.ok(Object.isFrozen(DEFAULT_PREDICT_PARAMS));
  });
});
