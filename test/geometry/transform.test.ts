import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Matrix as MlMatrix } from 'ml-matrix';
import { diagonalCovariance, unpackCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject, Pose } from '../../shared/model/types.js';
import {
  composePoses,
  invertPose,
  mapToSensorCovariance,
  mapToSensorHeading,
  mapToSensorObject,
  mapToSensorPoint,
  mapToSensorPoint3,
  mapToSensorVelocity,
  mapToSensorVelocity3,
  rotationMatrix,
  sensorToMapCovariance,
  sensorToMapHeading,
  sensorToMapObject,
  sensorToMapPoint,
  sensorToMapPoint3,
  sensorToMapVelocity,
  sensorToMapVelocity3,
} from '../../shared/geometry/transform.js';
import { close, closeM } from '../support/close.js';

const level = (xM: number, yM: number, yawRad: number, zM = 0): Pose => ({ xM, yM, zM, yawRad, pitchRad: 0, rollRad: 0 });

const angle = fc.double({ min: -Math.PI, max: Math.PI, noNaN: true });
const coord = fc.double({ min: -1e4, max: 1e4, noNaN: true });
const levelPose = fc.record({ xM: coord, yM: coord, zM: coord, yawRad: angle }).map((p) => ({ ...p, pitchRad: 0, rollRad: 0 }));
// Pitch away from +-pi/2, where Euler angles are singular.
const pose3 = fc.record({ xM: coord, yM: coord, zM: coord, yawRad: angle, pitchRad: fc.double({ min: -1.4, max: 1.4, noNaN: true }), rollRad: angle });
const point3 = fc.record({ xM: coord, yM: coord, zM: coord });

describe('geometry/transform', () => {
  it('rotates and translates a level pose exactly', () => {
    const pose = level(10, 5, Math.PI / 2);
    const p = sensorToMapPoint(pose, { xM: 1, yM: 0 });
    close(p.xM, 10, 1e-15);
    assert.equal(p.yM, 6);
    const v = sensorToMapVelocity(pose, { vxMps: 2, vyMps: 0 });
    close(v.vxMps, 0, 1e-15);
    assert.equal(v.vyMps, 2);
    assert.equal(sensorToMapHeading(pose, 0), Math.PI / 2);
    close(sensorToMapHeading(pose, Math.PI), -Math.PI / 2, 1e-15);
    close(mapToSensorHeading(pose, -Math.PI / 2), Math.PI, 1e-15);
  });

  it('rotation matrix follows R = Rz(yaw) Ry(pitch) Rx(roll)', () => {
    // pitch +90°: sensor +x (forward) points down along map -z.
    const p = sensorToMapPoint3({ xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: Math.PI / 2, rollRad: 0 }, { xM: 1, yM: 0, zM: 0 });
    close(p.xM, 0, 1e-15);
    close(p.yM, 0, 1e-15);
    close(p.zM, -1, 1e-15);
    // roll +90°: sensor +y (left) points up.
    const q = sensorToMapPoint3({ xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: Math.PI / 2 }, { xM: 0, yM: 1, zM: 0 });
    close(q.zM, 1, 1e-15);
    fc.assert(
      fc.property(pose3, (pose) => {
        const r = new MlMatrix(rotationMatrix(pose));
        closeM(r.mmul(r.transpose()).to2DArray(), MlMatrix.eye(3).to2DArray(), 1e-14);
      }),
    );
  });

  it('rotates covariances: R Σ Rᵀ', () => {
    const pose = level(3, 4, Math.PI / 2);
    closeM(sensorToMapCovariance(pose, [[4, 0], [0, 1]]), [[1, 0], [0, 4]], 1e-15);
    // 4x4 against an independent ml-matrix computation of blockdiag(R, R) Σ blockdiag(R, R)ᵀ.
    const yaw = 0.7;
    const c = Math.cos(yaw);
    const s = Math.sin(yaw);
    const rr = new MlMatrix([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, c, -s], [0, 0, s, c]]);
    const sigma = [
      [2, 0.3, 0.1, 0],
      [0.3, 1, 0, 0.2],
      [0.1, 0, 0.5, 0.05],
      [0, 0.2, 0.05, 0.4],
    ];
    const expected = rr.mmul(new MlMatrix(sigma)).mmul(rr.transpose()).to2DArray();
    const got = sensorToMapCovariance(level(0, 0, yaw), sigma);
    closeM(got, expected, 1e-15);
    closeM(mapToSensorCovariance(level(0, 0, yaw), got), sigma, 1e-15);
    // 3x3 uses the full rotation.
    const pose3d: Pose = { xM: 0, yM: 0, zM: 0, yawRad: 0.3, pitchRad: 0.2, rollRad: -0.1 };
    const r3 = new MlMatrix(rotationMatrix(pose3d));
    const s3 = [[1, 0.1, 0], [0.1, 2, 0.3], [0, 0.3, 3]];
    closeM(sensorToMapCovariance(pose3d, s3), r3.mmul(new MlMatrix(s3)).mmul(r3.transpose()).to2DArray(), 1e-14);
    assert.throws(() => sensorToMapCovariance(pose, [[1]]), RangeError);
  });

  it('property: level-pose planar round trips are the identity', () => {
    fc.assert(
      fc.property(levelPose, coord, coord, angle, (pose, x, y, h) => {
        const p = mapToSensorPoint(pose, sensorToMapPoint(pose, { xM: x, yM: y }));
        close(p.xM, x, 1e-8);
        close(p.yM, y, 1e-8);
        const v = mapToSensorVelocity(pose, sensorToMapVelocity(pose, { vxMps: x, vyMps: y }));
        close(v.vxMps, x, 1e-9);
        close(v.vyMps, y, 1e-9);
        close(Math.abs(Math.sin((mapToSensorHeading(pose, sensorToMapHeading(pose, h)) - h) / 2)), 0, 1e-15);
      }),
    );
  });

  it('property: 3D transform then inverse is the identity', () => {
    fc.assert(
      fc.property(pose3, point3, (pose, p) => {
        const q = mapToSensorPoint3(pose, sensorToMapPoint3(pose, p));
        close(q.xM, p.xM, 1e-8);
        close(q.yM, p.yM, 1e-8);
        close(q.zM, p.zM, 1e-8);
        const v = mapToSensorVelocity3(pose, sensorToMapVelocity3(pose, { vxMps: p.xM, vyMps: p.yM, vzMps: p.zM }));
        close(v.vxMps, p.xM, 1e-9);
        close(v.vzMps, p.zM, 1e-9);
      }),
    );
  });

  it('property: composePoses matches chained transforms; pose ∘ inverse = identity', () => {
    fc.assert(
      fc.property(pose3, pose3, point3, (a, b, p) => {
        const direct = sensorToMapPoint3(composePoses(a, b), p);
        const chained = sensorToMapPoint3(a, sensorToMapPoint3(b, p));
        close(direct.xM, chained.xM, 1e-7);
        close(direct.yM, chained.yM, 1e-7);
        close(direct.zM, chained.zM, 1e-7);
        const id = composePoses(a, invertPose(a));
        for (const k of ['xM', 'yM', 'zM'] as const) close(id[k], 0, 1e-8, k);
        const r = rotationMatrix(id);
        closeM(r, MlMatrix.eye(3).to2DArray(), 1e-12);
        const back = sensorToMapPoint3(invertPose(a), sensorToMapPoint3(a, p));
        close(back.xM, p.xM, 1e-7);
        close(back.zM, p.zM, 1e-7);
      }),
    );
  });

  it('composes level poses with an exact yaw sum', () => {
    const c = composePoses(level(1, 2, Math.PI / 2), level(3, 0, Math.PI / 2));
    close(c.xM, 1, 1e-15);
    assert.equal(c.yM, 5);
    assert.equal(c.yawRad, Math.PI);
    const inv = invertPose(level(2, 0, Math.PI / 2));
    close(inv.xM, 0, 1e-15);
    close(inv.yM, 2, 1e-15);
    assert.equal(inv.yawRad, -Math.PI / 2);
    assert.equal(invertPose(level(0, 0, Math.PI)).yawRad, Math.PI);
  });

  it('moves a whole object to the map frame and back', () => {
    const pose = level(100, 200, Math.PI / 2, 5);
    const obj: DetectedObject = {
      trackId: 7, objectClass: 'car', classConfidence: 0.9, xM: 10, yM: 0, zM: -4, vxMps: 5, vyMps: 0, headingRad: 0,
      yawRateRadps: 0.1, lengthM: 4.5, widthM: 1.8, heightM: 1.5, covariance: [4, 0, 0, 0, 1, 0, 0, 2, 0, 0.5],
      existenceProbability: 0.95, ageS: 3,
    };
    const m = sensorToMapObject(pose, obj);
    close(m.xM, 100, 1e-13);
    assert.equal(m.yM, 210);
    assert.equal(m.zM, 1);
    close(m.vxMps, 0, 1e-15);
    assert.equal(m.vyMps, 5);
    assert.equal(m.headingRad, Math.PI / 2);
    const cov = unpackCovariance(m.covariance!);
    close(cov[0]![0]!, 1, 1e-15);
    close(cov[1]![1]!, 4, 1e-15);
    close(cov[2]![2]!, 0.5, 1e-15);
    close(cov[3]![3]!, 2, 1e-15);
    assert.equal(m.yawRateRadps, 0.1);
    const back = mapToSensorObject(pose, m);
    for (const k of ['xM', 'yM', 'zM', 'vxMps', 'vyMps', 'headingRad'] as const) close(back[k], obj[k], 1e-12, k);
    back.covariance!.forEach((v, i) => close(v, obj.covariance![i]!, 1e-15));
    assert.equal(sensorToMapObject(pose, { ...obj, covariance: null }).covariance, null);
    // An isotropic covariance is unchanged by any rotation.
    assert.deepEqual(
      unpackCovariance(sensorToMapObject(level(0, 0, 1.234), { ...obj, covariance: diagonalCovariance(1, 2) }).covariance!).map((r) => r.map((v) => Math.round(v * 1e12) / 1e12)),
      unpackCovariance(diagonalCovariance(1, 2)),
    );
  });

  it('tilted sensor: heading is the projection of the rotated direction', () => {
    const pose: Pose = { xM: 0, yM: 0, zM: 10, yawRad: 0.5, pitchRad: 0.3, rollRad: 0 };
    // A direction along sensor +x stays in the map's x-z plane rotated by yaw: heading = yaw.
    close(sensorToMapHeading(pose, 0), 0.5, 1e-15);
    // Sensor +y is unaffected by pitch: heading = yaw + pi/2.
    close(sensorToMapHeading(pose, Math.PI / 2), 0.5 + Math.PI / 2, 1e-15);
  });
});
