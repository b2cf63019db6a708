// Fusion of two associated DetectedObjects (typically the vehicle's and a roadside unit's) into one FusedObject.
// Kinematics go through a Gaussian rule on [x, y, vx, vy]; class, shape, heading and existence have their own
// rules, documented on each helper below and in docs/association-and-fusion.md.
import { angleDiff, wrapAngle } from '../geometry/angles.js';
import { keepShapeSeed } from '../kernels/v8-shapes.js';
import { packCovariance, unpackCovariance } from '../model/covariance.js';
import { DETECTED_OBJECT_SEED, OBJECT_CLASSES } from '../model/types.js';
import type { DetectedObject, ObjectClass, StateCovariance } from '../model/types.js';
import { fuseCovarianceIntersection, fuseInformation } from './gaussian.js';
import type { Gaussian } from './gaussian.js';
import type { FusedObject, FusionMethod, FusionSourceRef } from './types.js';

/** 'information' assumes independent errors; 'covariance-intersection' is safe under unknown correlation. */
export type GaussianRule = 'information' | 'covariance-intersection';

export interface FusionInput {
  sourceId: string;
  /** A raw detection, or an already fused object (its `sources` are carried over). */
  object: DetectedObject | FusedObject;
  /** Covariance of [x, y, vx, vy] used when `object.covariance` is null (the source's configured default). */
  defaultCovariance: StateCovariance;
  /** Sensor-to-object range, m. When both inputs give one, the closer source provides the shape. */
  rangeM?: number;
}

export interface ObjectFusionOptions {
  /** Default 'covariance-intersection': tracked estimates from two sources share motion-model errors and
   * may already contain each other's data, so independence cannot be assumed. */
  rule?: GaussianRule;
  /** Fixed covariance-intersection weight of `a`; omitted = chosen to minimise det(P). */
  omega?: number;
  /** Default 'inter'. */
  method?: FusionMethod;
  /** Fused speed from which the heading follows the velocity. Default {@link DEFAULT_MIN_HEADING_SPEED_MPS}. */
  minHeadingSpeedMps?: number;
}

/** Below ~1 m/s the direction of a velocity with typical 0.3-0.5 m/s noise is off by tens of degrees, worse
 * than a box yaw; above it the velocity direction is the better heading (and free of lidar box flips). */
export const DEFAULT_MIN_HEADING_SPEED_MPS = 1.0;

/** Classes a confidence is spread over: every class but 'unknown'. */
const CONCRETE_CLASS_COUNT = OBJECT_CLASSES.length - 1;

/** Keeps the class posterior finite when two sources are certain (p = 1) of different classes. */
const CONFIDENCE_CLAMP = 1e-6;

export interface ClassEstimate {
  objectClass: ObjectClass;
  classConfidence: number;
}

function clampProbability(p: number, margin: number): number {
  if (Number.isNaN(p)) return margin;
  return Math.min(1 - margin, Math.max(margin, p));
}

/**
 * Combines two class reports as independent evidence (naive Bayes, uniform prior). Each report is read as a
 * distribution: its class with probability p, the remaining 1 - p spread evenly over the other concrete
 * classes. The product of the two, normalised, gives the fused class and confidence, so:
 * - same class: confidence rises, pa pb / (pa pb + (1 - pa)(1 - pb) / (K - 1)), K = 8 concrete classes;
 * - different classes: the more confident report wins (`a` on a tie) with a lowered confidence;
 * - 'unknown' carries no class information: the other report is returned unchanged (both unknown: the
 *   higher confidence).
 */
export function fuseClass(a: ClassEstimate, b: ClassEstimate): ClassEstimate {
  if (a.objectClass === 'unknown' && b.objectClass === 'unknown') {
    return { objectClass: 'unknown', classConfidence: Math.max(a.classConfidence, b.classConfidence) };
  }
  if (b.objectClass === 'unknown') return { objectClass: a.objectClass, classConfidence: a.classConfidence };
  if (a.objectClass === 'unknown') return { objectClass: b.objectClass, classConfidence: b.classConfidence };
  const pa = clampProbability(a.classConfidence, CONFIDENCE_CLAMP);
  const pb = clampProbability(b.classConfidence, CONFIDENCE_CLAMP);
  const k1 = CONCRETE_CLASS_COUNT - 1;
  if (a.objectClass === b.objectClass) {
    const agree = pa * pb;
    return { objectClass: a.objectClass, classConfidence: agree / (agree + ((1 - pa) * (1 - pb)) / k1) };
  }
  const scoreA = (pa * (1 - pb)) / k1;
  const scoreB = (pb * (1 - pa)) / k1;
  const others = ((CONCRETE_CLASS_COUNT - 2) * (1 - pa) * (1 - pb)) / (k1 * k1);
  const total = scoreA + scoreB + others;
  return scoreA >= scoreB
    ? { objectClass: a.objectClass, classConfidence: scoreA / total }
    : { objectClass: b.objectClass, classConfidence: scoreB / total };
}

/** Noisy-OR: the object exists unless both (independent) sources are wrong. 1 - (1 - pa)(1 - pb). */
export function fuseExistence(pa: number, pb: number): number {
  return 1 - (1 - clampProbability(pa, 0)) * (1 - clampProbability(pb, 0));
}

/** The source whose box (size, z, yaw, yaw rate) is kept: the closer one when both ranges are known, else the
 * more class-confident one; `a` on ties. Closer sensors resolve extents better; confidence is the fallback. */
function shapeSource(a: FusionInput, b: FusionInput): FusionInput {
  if (a.rangeM !== undefined && b.rangeM !== undefined && a.rangeM !== b.rangeM) {
    return a.rangeM < b.rangeM ? a : b;
  }
  return b.object.classConfidence > a.object.classConfidence ? b : a;
}

/**
 * Heading: above `minSpeedMps` the fused velocity gives the axis and the shape source's box yaw picks the
 * direction along it (a reversing car keeps facing forward); slower than that, the shape source's box yaw.
 */
function fuseHeading(vxMps: number, vyMps: number, boxHeadingRad: number, minSpeedMps: number): number {
  if (Math.hypot(vxMps, vyMps) < minSpeedMps) return wrapAngle(boxHeadingRad);
  const alongVelocity = Math.atan2(vyMps, vxMps);
  const flipped = Math.abs(angleDiff(alongVelocity, boxHeadingRad)) > Math.PI / 2;
  return wrapAngle(flipped ? alongVelocity + Math.PI : alongVelocity);
}

/** The object's [x, y, vx, vy] estimate, with `defaultCovariance` when it carries none. */
export function objectGaussian(object: DetectedObject, defaultCovariance: StateCovariance): Gaussian {
  return {
    mean: [object.xM, object.yM, object.vxMps, object.vyMps],
    cov: unpackCovariance(object.covariance ?? defaultCovariance),
  };
}

function provenance(input: FusionInput): FusionSourceRef[] {
  const o = input.object;
  return 'sources' in o ? o.sources.map((s) => ({ ...s })) : [{ sourceId: input.sourceId, trackId: o.trackId }];
}

function mergeProvenance(a: FusionSourceRef[], b: FusionSourceRef[]): FusionSourceRef[] {
  const seen = new Set<string>();
  const out: FusionSourceRef[] = [];
  for (const s of [...a, ...b]) {
    const key = `${s.sourceId}\u0000${s.trackId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

/**
 * Fuses two estimates of one object. `a` is the caller's own side (pass the vehicle's object as `a`): the
 * result keeps its trackId; every contributing track is listed in `sources`. Age is the older of the two.
 */
export function fuseObjects(a: FusionInput, b: FusionInput, options: ObjectFusionOptions = {}): FusedObject {
  const ga = objectGaussian(a.object, a.defaultCovariance);
  const gb = objectGaussian(b.object, b.defaultCovariance);
  const fused =
    (options.rule ?? 'covariance-intersection') === 'information'
      ? fuseInformation(ga, gb)
      : fuseCovarianceIntersection(ga, gb, options.omega);
  const [xM, yM, vxMps, vyMps] = fused.mean as [number, number, number, number];
  const cls = fuseClass(a.object, b.object);
  const shape = shapeSource(a, b).object;
  return {
    trackId: a.object.trackId,
    objectClass: cls.objectClass,
    classConfidence: cls.classConfidence,
    xM,
    yM,
    zM: shape.zM,
    vxMps,
    vyMps,
    headingRad: fuseHeading(vxMps, vyMps, shape.headingRad, options.minHeadingSpeedMps ?? DEFAULT_MIN_HEADING_SPEED_MPS),
    yawRateRadps: shape.yawRateRadps,
    lengthM: shape.lengthM,
    widthM: shape.widthM,
    heightM: shape.heightM,
    covariance: packCovariance(fused.cov),
    existenceProbability: fuseExistence(a.object.existenceProbability, b.object.existenceProbability),
    ageS: Math.max(a.object.ageS, b.object.ageS),
    sources: mergeProvenance(provenance(a), provenance(b)),
    method: options.method ?? 'inter',
  };
}

// Seeds the shape of the FusedObject literals below with doubles (shared/kernels/v8-shapes.ts, rule 4).
keepShapeSeed(singleSourceObject({
  sourceId: '', object: DETECTED_OBJECT_SEED, defaultCovariance: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
}, 'vehicle-only'));

/**
 * Wraps one source's unmatched object as a FusedObject (e.g. method 'vehicle-only'), filling a null covariance
 * with the source's default so every fused object carries one. One literal, not a spread of the object
 * (shared/kernels/v8-shapes.ts, rule 1).
 */
export function singleSourceObject(input: FusionInput, method: FusionMethod): FusedObject {
  const { object } = input;
  return {
    trackId: object.trackId,
    objectClass: object.objectClass,
    classConfidence: object.classConfidence,
    xM: object.xM,
    yM: object.yM,
    zM: object.zM,
    vxMps: object.vxMps,
    vyMps: object.vyMps,
    headingRad: object.headingRad,
    yawRateRadps: object.yawRateRadps,
    lengthM: object.lengthM,
    widthM: object.widthM,
    heightM: object.heightM,
    covariance: object.covariance ?? input.defaultCovariance,
    existenceProbability: object.existenceProbability,
    ageS: object.ageS,
    sources: provenance(input),
    method,
  };
}
