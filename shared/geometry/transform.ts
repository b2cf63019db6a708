// Rigid transforms between a sensor frame and the map frame, given the sensor's Pose in the map frame.
//
// Rotation convention: R = Rz(yaw) * Ry(pitch) * Rx(roll) (intrinsic z-y'-x'', as in ROS and ISO 8855), and
// p_map = R * p_sensor + t. 3D points and velocities use the full rotation. Planar quantities (a ground-plane
// point, velocity or heading, and the 2x2 / 4x4 [x, y, vx, vy] covariances of the wire format) are the x-y part
// of the 3D result with their z component taken as zero: ground-plane objects have no vertical velocity and the
// wire carries no z variance. For a level sensor (pitch = roll = 0, the usual roadside mounting after
// calibration) this is an exact planar rotation by yaw and every planar round trip is the identity; with tilt
// the planar part is a projection and map -> sensor -> map is exact only for 3D quantities.
import type { Matrix } from '../kernels/gaussian.js';
import { packCovariance, unpackCovariance } from '../model/covariance.js';
import type { DetectedObject, Pose } from '../model/types.js';
import { wrapAngle } from './angles.js';

export interface Point2 {
  xM: number;
  yM: number;
}

export interface Point3 {
  xM: number;
  yM: number;
  zM: number;
}

export interface Velocity2 {
  vxMps: number;
  vyMps: number;
}

export interface Velocity3 {
  vxMps: number;
  vyMps: number;
  vzMps: number;
}

type Rotation = readonly [
  readonly [number, number, number],
  readonly [number, number, number],
  readonly [number, number, number],
];

/** 3x3 rotation matrix of a pose (sensor axes expressed in the map frame), row-major. */
export function rotationMatrix(pose: Pose): Matrix {
  return rot(pose).map((row) => [...row]);
}

function rot(pose: Pose): Rotation {
  const cy = Math.cos(pose.yawRad);
  const sy = Math.sin(pose.yawRad);
  const cp = Math.cos(pose.pitchRad);
  const sp = Math.sin(pose.pitchRad);
  const cr = Math.cos(pose.rollRad);
  const sr = Math.sin(pose.rollRad);
  // With pitch = roll = 0 every product below is exact, so level poses give an exact planar rotation.
  return [
    [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
    [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
    [-sp, cp * sr, cp * cr],
  ];
}

const isLevel = (pose: Pose): boolean => pose.pitchRad === 0 && pose.rollRad === 0;

function apply(r: Rotation, x: number, y: number, z: number): [number, number, number] {
  return [
    r[0][0] * x + r[0][1] * y + r[0][2] * z,
    r[1][0] * x + r[1][1] * y + r[1][2] * z,
    r[2][0] * x + r[2][1] * y + r[2][2] * z,
  ];
}

function applyTransposed(r: Rotation, x: number, y: number, z: number): [number, number, number] {
  return [
    r[0][0] * x + r[1][0] * y + r[2][0] * z,
    r[0][1] * x + r[1][1] * y + r[2][1] * z,
    r[0][2] * x + r[1][2] * y + r[2][2] * z,
  ];
}

// ---- points ----

export function sensorToMapPoint3(pose: Pose, p: Point3): Point3 {
  const [x, y, z] = apply(rot(pose), p.xM, p.yM, p.zM);
  return { xM: x + pose.xM, yM: y + pose.yM, zM: z + pose.zM };
}

export function mapToSensorPoint3(pose: Pose, p: Point3): Point3 {
  const [x, y, z] = applyTransposed(rot(pose), p.xM - pose.xM, p.yM - pose.yM, p.zM - pose.zM);
  return { xM: x, yM: y, zM: z };
}

/** Ground-plane point (z = 0 in the sensor frame) to map x-y. */
export function sensorToMapPoint(pose: Pose, p: Point2): Point2 {
  const q = sensorToMapPoint3(pose, { xM: p.xM, yM: p.yM, zM: 0 });
  return { xM: q.xM, yM: q.yM };
}

/** Map x-y point (at the sensor's height, z = pose.zM) to sensor x-y. */
export function mapToSensorPoint(pose: Pose, p: Point2): Point2 {
  const q = mapToSensorPoint3(pose, { xM: p.xM, yM: p.yM, zM: pose.zM });
  return { xM: q.xM, yM: q.yM };
}

// ---- velocities: rotation only (a velocity is a free vector; the sensor is assumed static, as an RSU is) ----

export function sensorToMapVelocity3(pose: Pose, v: Velocity3): Velocity3 {
  const [x, y, z] = apply(rot(pose), v.vxMps, v.vyMps, v.vzMps);
  return { vxMps: x, vyMps: y, vzMps: z };
}

export function mapToSensorVelocity3(pose: Pose, v: Velocity3): Velocity3 {
  const [x, y, z] = applyTransposed(rot(pose), v.vxMps, v.vyMps, v.vzMps);
  return { vxMps: x, vyMps: y, vzMps: z };
}

export function sensorToMapVelocity(pose: Pose, v: Velocity2): Velocity2 {
  const [x, y] = apply(rot(pose), v.vxMps, v.vyMps, 0);
  return { vxMps: x, vyMps: y };
}

export function mapToSensorVelocity(pose: Pose, v: Velocity2): Velocity2 {
  const [x, y] = applyTransposed(rot(pose), v.vxMps, v.vyMps, 0);
  return { vxMps: x, vyMps: y };
}

// ---- headings ----

/** Heading of a ground-plane direction, sensor frame -> map frame, wrapped to (-pi, pi]. */
export function sensorToMapHeading(pose: Pose, headingRad: number): number {
  if (isLevel(pose)) return wrapAngle(headingRad + pose.yawRad);
  const [x, y] = apply(rot(pose), Math.cos(headingRad), Math.sin(headingRad), 0);
  return wrapAngle(Math.atan2(y, x));
}

export function mapToSensorHeading(pose: Pose, headingRad: number): number {
  if (isLevel(pose)) return wrapAngle(headingRad - pose.yawRad);
  const [x, y] = applyTransposed(rot(pose), Math.cos(headingRad), Math.sin(headingRad), 0);
  return wrapAngle(Math.atan2(y, x));
}

// ---- covariances ----

/**
 * Rotates a covariance from the sensor frame to the map frame: R Σ Rᵀ. Accepts 2x2 (x, y), 3x3 (x, y, z, full
 * rotation) or 4x4 ([x, y, vx, vy], rotated block-wise by the planar part of R). Translation does not change a
 * covariance.
 */
export function sensorToMapCovariance(pose: Pose, cov: Matrix): Matrix {
  return sandwich(blockRotation(rot(pose), cov.length, false), cov);
}

/** Inverse of sensorToMapCovariance: Rᵀ Σ R (exact inverse for level poses and for 3x3). */
export function mapToSensorCovariance(pose: Pose, cov: Matrix): Matrix {
  return sandwich(blockRotation(rot(pose), cov.length, true), cov);
}

function blockRotation(r: Rotation, n: number, transpose: boolean): Matrix {
  const at = (i: number, j: number): number => (transpose ? r[j]![i]! : r[i]![j]!);
  if (n === 3) return [0, 1, 2].map((i) => [0, 1, 2].map((j) => at(i, j)));
  if (n !== 2 && n !== 4) throw new RangeError(`covariance must be 2x2, 3x3 or 4x4, got ${n}x${n}`);
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let b = 0; b < n; b += 2) {
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) out[b + i]![b + j] = at(i, j);
  }
  return out;
}

// A Σ Aᵀ, symmetrised so rounding never makes a covariance asymmetric.
function sandwich(a: Matrix, s: Matrix): Matrix {
  const n = a.length;
  for (const row of s) {
    if (row.length !== n) throw new RangeError(`covariance must be square ${n}x${n}`);
  }
  const as: Matrix = a.map((ar) => s[0]!.map((_, j) => ar.reduce((acc, aik, k) => acc + aik * s[k]![j]!, 0)));
  const out: Matrix = as.map((r) => a.map((ar) => r.reduce((acc, v, k) => acc + v * ar[k]!, 0)));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = (out[i]![j]! + out[j]![i]!) / 2;
      out[i]![j] = m;
      out[j]![i] = m;
    }
  }
  return out;
}

// ---- poses ----

function poseFromRotation(r: Rotation, xM: number, yM: number, zM: number): Pose {
  // ZYX Euler angles from R; at gimbal lock (|pitch| = pi/2) yaw and roll are coupled: put it all in yaw.
  const sp = Math.max(-1, Math.min(1, -r[2][0]));
  const pitchRad = Math.asin(sp);
  if (Math.abs(sp) > 1 - 1e-12) {
    return { xM, yM, zM, yawRad: wrapAngle(Math.atan2(-r[0][1], r[1][1])), pitchRad, rollRad: 0 };
  }
  return {
    xM,
    yM,
    zM,
    yawRad: wrapAngle(Math.atan2(r[1][0], r[0][0])),
    pitchRad,
    rollRad: wrapAngle(Math.atan2(r[2][1], r[2][2])),
  };
}

function mul(a: Rotation, b: Rotation): Rotation {
  const row = (i: 0 | 1 | 2): readonly [number, number, number] => [
    a[i][0] * b[0][0] + a[i][1] * b[1][0] + a[i][2] * b[2][0],
    a[i][0] * b[0][1] + a[i][1] * b[1][1] + a[i][2] * b[2][1],
    a[i][0] * b[0][2] + a[i][1] * b[1][2] + a[i][2] * b[2][2],
  ];
  return [row(0), row(1), row(2)];
}

/**
 * a ∘ b: the pose of frame B in the map frame, given A in the map frame (a) and B in frame A (b).
 * sensorToMapPoint3(composePoses(a, b), p) = sensorToMapPoint3(a, sensorToMapPoint3(b, p)).
 */
export function composePoses(a: Pose, b: Pose): Pose {
  const ra = rot(a);
  const [x, y, z] = apply(ra, b.xM, b.yM, b.zM);
  if (isLevel(a) && isLevel(b)) {
    // Planar case without the round trip through a rotation matrix: exact angle sum.
    return { xM: x + a.xM, yM: y + a.yM, zM: z + a.zM, yawRad: wrapAngle(a.yawRad + b.yawRad), pitchRad: 0, rollRad: 0 };
  }
  return poseFromRotation(mul(ra, rot(b)), x + a.xM, y + a.yM, z + a.zM);
}

/** The map frame's pose in the sensor frame: composePoses(p, invertPose(p)) is the identity. */
export function invertPose(pose: Pose): Pose {
  const r = rot(pose);
  const [x, y, z] = applyTransposed(r, pose.xM, pose.yM, pose.zM);
  if (isLevel(pose)) return { xM: -x, yM: -y, zM: -z, yawRad: wrapAngle(-pose.yawRad), pitchRad: 0, rollRad: 0 };
  const rt: Rotation = [
    [r[0][0], r[1][0], r[2][0]],
    [r[0][1], r[1][1], r[2][1]],
    [r[0][2], r[1][2], r[2][2]],
  ];
  return poseFromRotation(rt, -x, -y, -z);
}

// ---- whole objects ----

/**
 * A DetectedObject expressed in the sensor frame -> the same object in the map frame: centre (3D), velocity,
 * heading and [x, y, vx, vy] covariance. Box size, class, yaw rate (about z) and bookkeeping fields are frame
 * independent and copied.
 */
export function sensorToMapObject(pose: Pose, obj: DetectedObject): DetectedObject {
  const p = sensorToMapPoint3(pose, obj);
  const v = sensorToMapVelocity(pose, obj);
  return {
    ...obj,
    ...p,
    ...v,
    headingRad: sensorToMapHeading(pose, obj.headingRad),
    covariance: obj.covariance === null ? null : packCovariance(sensorToMapCovariance(pose, unpackCovariance(obj.covariance))),
  };
}

/** Inverse of sensorToMapObject (exact for level poses). */
export function mapToSensorObject(pose: Pose, obj: DetectedObject): DetectedObject {
  const p = mapToSensorPoint3(pose, obj);
  const v = mapToSensorVelocity(pose, obj);
  return {
    ...obj,
    ...p,
    ...v,
    headingRad: mapToSensorHeading(pose, obj.headingRad),
    covariance: obj.covariance === null ? null : packCovariance(mapToSensorCovariance(pose, unpackCovariance(obj.covariance))),
  };
}
