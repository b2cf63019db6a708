// Domain types used by every module. They mirror the wire format (proto/iaad/v1/iaad.proto) with every field
// required and with units in the names; shared/wire/codec.ts is the only place that converts between the two.
import { keepShapeSeed } from '../kernels/v8-shapes.js';

export type SourceKind = 'rsu' | 'vehicle';

export const OBJECT_CLASSES = [
  'unknown', 'car', 'truck', 'bus', 'motorcycle', 'cyclist', 'pedestrian', 'animal', 'static',
] as const;
export type ObjectClass = (typeof OBJECT_CLASSES)[number];

/** Rigid pose in the map frame: metres, radians (yaw CCW from +x). */
export interface Pose {
  xM: number;
  yM: number;
  zM: number;
  yawRad: number;
  pitchRad: number;
  rollRad: number;
}

/**
 * Covariance of [x, y, vx, vy] in the map frame, upper triangle row by row:
 * [xx, xy, xvx, xvy, yy, yvx, yvy, vxvx, vxvy, vyvy] (m^2, m^2/s, m^2/s^2).
 */
export type StateCovariance = readonly [number, number, number, number, number, number, number, number, number, number];

export interface DetectedObject {
  trackId: number;
  objectClass: ObjectClass;
  classConfidence: number;
  xM: number;
  yM: number;
  zM: number;
  vxMps: number;
  vyMps: number;
  headingRad: number;
  yawRateRadps: number;
  lengthM: number;
  widthM: number;
  heightM: number;
  /** Null when the source did not send one: the receiver applies its configured default. */
  covariance: StateCovariance | null;
  existenceProbability: number;
  ageS: number;
}

export interface PerceptionFrame {
  sourceId: string;
  sourceKind: SourceKind;
  sequence: number;
  /** Sensor capture time, ns since epoch, sender clock. */
  captureTimeNs: number;
  /** Time the frame left the sender, ns since epoch, sender clock. */
  publishTimeNs: number;
  mapFrame: string;
  sensorPose: Pose;
  objects: DetectedObject[];
}

export interface ConflictZone {
  startSM: number;
  endSM: number;
  tStartNs: number;
  tEndNs: number;
  objectClass: ObjectClass;
  confidence: number;
  trackId: number;
  /** The RSU's track at the advisory's issue time (map frame), if sent: lets the vehicle predict the object. */
  object: DetectedObject | null;
}

export interface PlanningAdvisory {
  rsuId: string;
  vehicleId: string;
  sequence: number;
  intentSequence: number;
  issueTimeNs: number;
  validUntilNs: number;
  mapFrame: string;
  zones: ConflictZone[];
  /** RSU tracks near the path without a conflict zone, at issue time (map frame). */
  contextObjects: DetectedObject[];
}

export interface PathPoint {
  xM: number;
  yM: number;
}

export interface VehicleIntent {
  vehicleId: string;
  sequence: number;
  timeNs: number;
  pose: Pose;
  speedMps: number;
  mapFrame: string;
  path: PathPoint[];
  horizonS: number;
}

export interface ClockSyncRequest {
  clientId: string;
  sequence: number;
  t1Ns: number;
}

export interface ClockSyncResponse {
  serverId: string;
  clientId: string;
  sequence: number;
  t1Ns: number;
  t2Ns: number;
  t3Ns: number;
}

/** What an envelope carries, tagged by kind. */
export type Payload =
  | { kind: 'frame'; frame: PerceptionFrame }
  | { kind: 'advisory'; advisory: PlanningAdvisory }
  | { kind: 'intent'; intent: VehicleIntent }
  | { kind: 'syncRequest'; syncRequest: ClockSyncRequest }
  | { kind: 'syncResponse'; syncResponse: ClockSyncResponse };

export type PayloadKind = Payload['kind'];

export interface Envelope {
  version: number;
  senderId: string;
  /** ns since epoch, sender clock; 0 = never expires. */
  expiresAtNs: number;
  /** When the sending process started, ns since epoch, sender clock; 0 = unknown. Sequences compare within it. */
  bootEpochNs: number;
  payload: Payload;
  keyId: string;
  signature: Uint8Array;
}

export const ZERO_POSE: Pose = Object.freeze({ xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 });

/**
 * `o` as one DetectedObject literal in the declared field order, with `covariance` in place of its own: how hot
 * paths copy a DetectedObject (shared/kernels/v8-shapes.ts, rule 1).
 */
export function detectedObjectWith(o: DetectedObject, covariance: StateCovariance | null): DetectedObject {
  return {
    trackId: o.trackId,
    objectClass: o.objectClass,
    classConfidence: o.classConfidence,
    xM: o.xM,
    yM: o.yM,
    zM: o.zM,
    vxMps: o.vxMps,
    vyMps: o.vyMps,
    headingRad: o.headingRad,
    yawRateRadps: o.yawRateRadps,
    lengthM: o.lengthM,
    widthM: o.widthM,
    heightM: o.heightM,
    covariance,
    existenceProbability: o.existenceProbability,
    ageS: o.ageS,
  };
}

/** A DetectedObject with doubles in its number fields and a covariance that was an array, then null: seeds the
 * shape of detectedObjectWith's literal (shared/kernels/v8-shapes.ts, rule 4). */
export const DETECTED_OBJECT_SEED: DetectedObject = keepShapeSeed(detectedObjectWith({
  trackId: 0, objectClass: 'unknown', classConfidence: 0.5, xM: 0.5, yM: 0.5, zM: 0.5, vxMps: 0.5, vyMps: 0.5,
  headingRad: 0.5, yawRateRadps: 0.5, lengthM: 0.5, widthM: 0.5, heightM: 0.5, covariance: null,
  existenceProbability: 0.5, ageS: 0.5,
}, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]));
DETECTED_OBJECT_SEED.covariance = null;
