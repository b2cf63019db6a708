import assert from 'node:assert/strict';
import {
  fuseClass,
  fuseExistence,
  fuseObjects,
  singleSourceObject,
  type FusionInput,
} from '../../shared/fusion/objects.js';
import type { FusedObject } from '../../shared/fusion/types.js';
import type { DetectedObject, StateCovariance } from '../../shared/model/types.js';
import { close } from '../support/close.js';
import { detectedObject } from '../support/objects.js';

/** Tolerance of the checks that need no looser one. */
const TOL = 1e-12;

const unit: StateCovariance = [1, 0, 0, 0, 1, 0, 0, 1, 0, 1];
const object = (over: Partial<DetectedObject> = {}): DetectedObject =>
  detectedObject({ trackId: 3, headingRad: 0.1, yawRateRadps: 0.01, covariance: unit, ...over });
const vehicle = (over: Partial<DetectedObject> = {}, extra: Partial<FusionInput> = {}): FusionInput => ({
  sourceId: 'veh-7', object: object(over), defaultCovariance: unit, ...extra,
});
const rsu = (over: Partial<DetectedObject> = {}, extra: Partial<FusionInput> = {}): FusionInput => ({
  sourceId: 'rsu-1',
  object: object({ trackId: 17, headingRad: 0.2, yawRateRadps: 0.02, lengthM: 4.8, widthM: 1.9, heightM: 1.6, zM: 0.8, ...over }),
  defaultCovariance: unit,
  ...extra,
});

describe('fusion/objects', () => {
  it('information rule: scalar-like per axis, covariance packed', () => {
    const f = fuseObjects(vehicle(), rsu({ xM: 2, yM: 4, vxMps: 0.5, covariance: [3, 0, 0, 0, 1, 0, 0, 1, 0, 1] }), {
      rule: 'information',
    });
    close(f.xM, 0.5, TOL);
    close(f.yM, 2, TOL);
    close(f.vxMps, 0.25, TOL);
    close(f.vyMps, 0, TOL);
    const expected = [0.75, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0.5];
    f.covariance!.forEach((v, k) => close(v, expected[k]!, TOL));
  });

  it('covariance intersection is the default; with equal covariances it averages and keeps the covariance', () => {
    const f = fuseObjects(vehicle(), rsu({ xM: 2, yM: -2 }));
    close(f.xM, 1, TOL);
    close(f.yM, -1, TOL);
    f.covariance!.forEach((v, k) => close(v, unit[k]!, TOL));
  });

  it('uses the per-source default covariance for a null one', () => {
    const f = fuseObjects(
      vehicle({ covariance: null }, { defaultCovariance: [3, 0, 0, 0, 3, 0, 0, 3, 0, 3] }),
      rsu({ xM: 2, covariance: null }, { defaultCovariance: unit }),
      { rule: 'information' },
    );
    close(f.xM, 1.5, TOL);
    close(f.covariance![0], 0.75, TOL);
  });

  it('class: agreement raises confidence, disagreement goes to the more confident source, unknown defers', () => {
    const same = fuseClass({ objectClass: 'car', classConfidence: 0.9 }, { objectClass: 'car', classConfidence: 0.9 });
    assert.equal(same.objectClass, 'car');
    close(same.classConfidence, 0.81 / (0.81 + 0.01 / 7), TOL);
    const differ = fuseClass({ objectClass: 'car', classConfidence: 0.6 }, { objectClass: 'truck', classConfidence: 0.9 });
    assert.equal(differ.objectClass, 'truck');
    // truck: 0.9 * 0.4 / 7; car: 0.6 * 0.1 / 7; each of the 6 others: 0.4 * 0.1 / 49.
    close(differ.classConfidence, (0.36 / 7) / (0.36 / 7 + 0.06 / 7 + (6 * 0.04) / 49), TOL);
    assert.deepEqual(fuseClass({ objectClass: 'car', classConfidence: 0.7 }, { objectClass: 'bus', classConfidence: 0.7 }).objectClass, 'car');
    assert.deepEqual(
      fuseClass({ objectClass: 'unknown', classConfidence: 0.99 }, { objectClass: 'cyclist', classConfidence: 0.4 }),
      { objectClass: 'cyclist', classConfidence: 0.4 },
    );
    assert.deepEqual(
      fuseClass({ objectClass: 'unknown', classConfidence: 0.3 }, { objectClass: 'unknown', classConfidence: 0.5 }),
      { objectClass: 'unknown', classConfidence: 0.5 },
    );
    // Two certain, contradicting sources: finite, split evenly, `a` wins the tie.
    const clash = fuseClass({ objectClass: 'car', classConfidence: 1 }, { objectClass: 'truck', classConfidence: 1 });
    assert.equal(clash.objectClass, 'car');
    close(clash.classConfidence, 0.5, 1e-5);
  });

  it('existence: noisy-OR of independent detections', () => {
    close(fuseExistence(0.9, 0.5), 0.95, TOL);
    close(fuseExistence(0, 0.3), 0.3, TOL);
    assert.equal(fuseExistence(1, 0.2), 1);
  });

  it('shape from the closer source when both ranges are known, else the more class-confident one', () => {
    const closer = fuseObjects(vehicle({}, { rangeM: 40 }), rsu({}, { rangeM: 12 }));
    assert.deepEqual([closer.lengthM, closer.widthM, closer.heightM, closer.zM], [4.8, 1.9, 1.6, 0.8]);
    assert.equal(closer.headingRad, 0.2);
    assert.equal(closer.yawRateRadps, 0.02);
    const confident = fuseObjects(vehicle({ classConfidence: 0.95 }), rsu({ classConfidence: 0.6 }));
    assert.deepEqual([confident.lengthM, confident.widthM, confident.heightM, confident.zM], [4.5, 1.8, 1.5, 0.75]);
    assert.equal(confident.headingRad, 0.1);
    const tie = fuseObjects(vehicle(), rsu());
    assert.equal(tie.lengthM, 4.5);
  });

  it('heading follows the fused velocity above the speed threshold, keeps facing forward when reversing', () => {
    const moving = fuseObjects(vehicle({ vxMps: 0, vyMps: 5 }), rsu({ vxMps: 0, vyMps: 5 }));
    close(moving.headingRad, Math.PI / 2, TOL);
    // Box yaw ~0 rad, velocity along -x: a car reversing, heading stays ~0 rather than pi.
    const reversing = fuseObjects(vehicle({ vxMps: -3, headingRad: 0.1 }), rsu({ vxMps: -3, headingRad: 0.1 }));
    close(reversing.headingRad, 0, TOL);
    const slow = fuseObjects(vehicle({ vxMps: 0.5, headingRad: 2 }), rsu({ vxMps: 0.5, headingRad: 1 }));
    assert.equal(slow.headingRad, 2);
    const custom = fuseObjects(vehicle({ vxMps: 0.5, headingRad: 0.3 }), rsu({ vxMps: 0.5, headingRad: 0.3 }), {
      minHeadingSpeedMps: 0.25,
    });
    assert.equal(custom.headingRad, 0);
    // The velocity gives the axis, the box the direction along it: box 2 rad vs velocity 0 rad -> pi.
    const axis = fuseObjects(vehicle({ vxMps: 3, headingRad: 2 }), rsu({ vxMps: 3, headingRad: 2 }));
    close(axis.headingRad, Math.PI, TOL);
  });

  it('provenance, track id, age, method', () => {
    const f = fuseObjects(vehicle({ ageS: 1.5 }), rsu({ ageS: 4 }));
    assert.equal(f.trackId, 3);
    assert.equal(f.ageS, 4);
    assert.equal(f.method, 'inter');
    assert.deepEqual(f.sources, [
      { sourceId: 'veh-7', trackId: 3 },
      { sourceId: 'rsu-1', trackId: 17 },
    ]);
    close(f.existenceProbability, 0.99, TOL);
    // Chained with a second RSU: provenance accumulates, duplicates dropped.
    const again: FusedObject = fuseObjects({ sourceId: 'veh-7', object: f, defaultCovariance: unit }, { ...rsu(), sourceId: 'rsu-2' }, { method: 'intra' });
    assert.equal(again.method, 'intra');
    assert.deepEqual(again.sources, [
      { sourceId: 'veh-7', trackId: 3 },
      { sourceId: 'rsu-1', trackId: 17 },
      { sourceId: 'rsu-2', trackId: 17 },
    ]);
  });

  it('wraps a single-source object, filling a null covariance with the default', () => {
    const f = singleSourceObject(vehicle({ covariance: null }, { defaultCovariance: [2, 0, 0, 0, 2, 0, 0, 1, 0, 1] }), 'vehicle-only');
    assert.equal(f.method, 'vehicle-only');
    assert.deepEqual(f.covariance, [2, 0, 0, 0, 2, 0, 0, 1, 0, 1]);
    assert.deepEqual(f.sources, [{ sourceId: 'veh-7', trackId: 3 }]);
    assert.equal(f.xM, 0);
  });
});
