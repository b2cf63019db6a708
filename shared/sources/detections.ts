// The detection format every source produces (trace files, live ZeroMQ ingest, the simulator's sensor models),
// and its JSON schema. Positions are already in the map frame (docs/trace-format.md).
import { z } from 'zod';
import { DEFAULT_SIZE_M } from '../model/classes.js';
import { diagonalCovariance } from '../model/covariance.js';
import { OBJECT_CLASSES, type DetectedObject, type Pose } from '../model/types.js';
import { poseSchema } from '../config/schemas.js';

/** The ego vehicle's own state, carried by vehicle traces (needed for intents and planning). */
export interface EgoState {
  pose: Pose;
  speedMps: number;
}

/** One sensor cycle of detections. */
export interface DetectionBatch {
  /** ns since epoch, local clock. */
  captureTimeNs: number;
  objects: DetectedObject[];
  ego?: EgoState;
}

export const detectionJsonSchema = z
  .object({
    id: z.number().int().min(0).max(0xffffffff),
    class: z.enum(OBJECT_CLASSES).default('unknown'),
    confidence: z.number().min(0).max(1).default(1),
    xM: z.number(),
    yM: z.number(),
    zM: z.number().default(0),
    vxMps: z.number().default(0),
    vyMps: z.number().default(0),
    /** Defaults to the direction of velocity (0 when still). */
    headingRad: z.number().optional(),
    yawRateRadps: z.number().default(0),
    lengthM: z.number().positive().optional(),
    widthM: z.number().positive().optional(),
    heightM: z.number().positive().optional(),
    /** 1-sigma position noise of this detection, m; with velStdMps it becomes a diagonal covariance. */
    posStdM: z.number().positive().optional(),
    velStdMps: z.number().positive().optional(),
    existenceProbability: z.number().min(0).max(1).default(1),
    ageS: z.number().min(0).default(0),
  })
  .strict();

export const egoJsonSchema = z.object({ pose: poseSchema, speedMps: z.number().min(0) }).strict();

export const batchJsonSchema = z
  .object({
    /** Trace time, s from the start of the trace (trace files). */
    timeS: z.number().min(0).optional(),
    /** Capture time, ns since epoch (live ingest); stamped on arrival when absent. */
    captureTimeNs: z.number().min(0).optional(),
    objects: z.array(detectionJsonSchema),
    ego: egoJsonSchema.optional(),
  })
  .strict();

export type DetectionJson = z.output<typeof detectionJsonSchema>;

/**
 * Physical plausibility of one detection, checked at the source edge (trace files, live ingest) after the
 * schema: a schema-valid but extreme value (xM 1e300, posStdM 1e200) squares to Infinity inside the tracker and
 * used to kill the pipeline. The bounds are generous on purpose (docs/reliability.md): coordinates of a map
 * frame (UTM northings included), road speeds, vehicle sizes, sensor noise from millimetres to a kilometre.
 */
export const DETECTION_LIMITS = {
  /** |x|, |y|, |z| of the map frame, m. */
  maxAbsPositionM: 1e7,
  /** Speed, m/s (about 720 km/h). */
  maxSpeedMps: 200,
  maxAbsYawRateRadps: 100,
  maxAbsHeadingRad: 1e3,
  maxSizeM: 100,
  minStdDev: 1e-4,
  maxPosStdM: 1e3,
  maxVelStdMps: 1e3,
  maxAgeS: 1e6,
  /** Detections in one batch: a perception stack sees hundreds, not thousands (5,000 took an RSU to 2.8 GB). */
  maxObjectsPerBatch: 2000,
} as const;

/** Why a detection fails DETECTION_LIMITS ('field: reason'), or null if it is plausible. */
export function implausibleDetection(d: DetectionJson): string | null {
  const L = DETECTION_LIMITS;
  for (const f of ['xM', 'yM', 'zM'] as const) {
    if (!(Math.abs(d[f]) <= L.maxAbsPositionM)) return `${f}: beyond ${L.maxAbsPositionM} m`;
  }
  for (const f of ['vxMps', 'vyMps'] as const) {
    if (!(Math.abs(d[f]) <= L.maxSpeedMps)) return `${f}: beyond ${L.maxSpeedMps} m/s`;
  }
  if (!(Math.hypot(d.vxMps, d.vyMps) <= L.maxSpeedMps)) return `vxMps: speed beyond ${L.maxSpeedMps} m/s`;
  if (!(Math.abs(d.yawRateRadps) <= L.maxAbsYawRateRadps)) return `yawRateRadps: beyond ${L.maxAbsYawRateRadps} rad/s`;
  if (d.headingRad !== undefined && !(Math.abs(d.headingRad) <= L.maxAbsHeadingRad)) return `headingRad: beyond ${L.maxAbsHeadingRad} rad`;
  for (const f of ['lengthM', 'widthM', 'heightM'] as const) {
    const v = d[f];
    if (v !== undefined && !(v <= L.maxSizeM)) return `${f}: beyond ${L.maxSizeM} m`;
  }
  if (d.posStdM !== undefined && !(d.posStdM >= L.minStdDev && d.posStdM <= L.maxPosStdM)) {
    return `posStdM: outside [${L.minStdDev}, ${L.maxPosStdM}] m`;
  }
  if (d.velStdMps !== undefined && !(d.velStdMps >= L.minStdDev && d.velStdMps <= L.maxVelStdMps)) {
    return `velStdMps: outside [${L.minStdDev}, ${L.maxVelStdMps}] m/s`;
  }
  if (!(d.ageS <= L.maxAgeS)) return `ageS: beyond ${L.maxAgeS} s`;
  return null;
}
export type BatchJson = z.output<typeof batchJsonSchema>;

export function detectionFromJson(d: DetectionJson): DetectedObject {
  const size = DEFAULT_SIZE_M[d.class];
  const speed = Math.hypot(d.vxMps, d.vyMps);
  return {
    trackId: d.id,
    objectClass: d.class,
    classConfidence: d.confidence,
    xM: d.xM, yM: d.yM, zM: d.zM,
    vxMps: d.vxMps, vyMps: d.vyMps,
    headingRad: d.headingRad ?? (speed > 0 ? Math.atan2(d.vyMps, d.vxMps) : 0),
    yawRateRadps: d.yawRateRadps,
    lengthM: d.lengthM ?? size.lengthM,
    widthM: d.widthM ?? size.widthM,
    heightM: d.heightM ?? size.heightM,
    covariance: d.posStdM !== undefined ? diagonalCovariance(d.posStdM, d.velStdMps ?? d.posStdM) : null,
    existenceProbability: d.existenceProbability,
    ageS: d.ageS,
  };
}

export function detectionToJson(o: DetectedObject): DetectionJson {
  const j: DetectionJson = {
    id: o.trackId, class: o.objectClass, confidence: o.classConfidence, xM: o.xM, yM: o.yM, zM: o.zM,
    vxMps: o.vxMps, vyMps: o.vyMps, headingRad: o.headingRad, yawRateRadps: o.yawRateRadps,
    lengthM: o.lengthM, widthM: o.widthM, heightM: o.heightM,
    existenceProbability: o.existenceProbability, ageS: o.ageS,
  };
  if (o.covariance) {
    j.posStdM = Math.sqrt(o.covariance[0]);
    j.velStdMps = Math.sqrt(o.covariance[7]);
  }
  return j;
}
