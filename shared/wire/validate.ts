// The one validation step after decoding, for every wire message kind: what decodes is not yet trusted. Bytes
// are capped before decoding (checkSize); a decoded envelope is then checked for finite values, plausible
// ranges, positive-definite covariances, object counts and capture times not in the future (validateEnvelope).
// Policy (docs/reliability.md):
// - a whole message is rejected when its frame-level fields are bad (non-finite or implausible sensor pose,
//   too many objects, capture time in the future beyond the clock-offset uncertainty, a bad intent, advisory or
//   sync message);
// - a bad object inside a frame or advisory is dropped alone (non-finite, implausible, too far from the RSU);
// - when the receiver has the RSU's position configured, distances are measured from it, not from the sensor pose
//   the frame reports (which a sender chooses), and a frame whose sensor pose is far from it is rejected whole;
// - a covariance that is finite but not positive definite or beyond the variance bound is repaired: removed,
//   so the receiver uses its class default noise as for a sender that sends none.
// Every rejection, drop and repair is reported with its reason for the caller to count. Pure: time is handed in.
import { choleskyFactor } from '../kernels/cholesky.js';
import type { Point2 } from '../geometry/transform.js';
import type {
  ConflictZone, DetectedObject, Envelope, PathPoint, PerceptionFrame, PlanningAdvisory, Pose, VehicleIntent,
} from '../model/types.js';

export interface WireLimits {
  /** Messages larger than this are dropped undecoded (a 100,000-object frame is 18.5 MB). */
  maxMessageBytes: number;
  /** Objects per frame or advisory, zones per advisory, points per intent path. */
  maxObjects: number;
  /** Objects farther than this from the RSU (its configured position, else the frame's sensor pose), m. */
  maxDistanceM: number;
  /** A frame whose sensor pose is farther than this from the RSU's configured position is rejected whole, m. */
  maxPoseOffsetM: number;
  /** |coordinate| of any pose or point in a map frame, m. */
  maxAbsCoordinateM: number;
  maxSpeedMps: number;
  maxSizeM: number;
  /** Largest variance on the covariance diagonal (m² or (m/s)²) kept; beyond it the covariance is repaired. */
  maxVariance: number;
  /** A capture time may be this far ahead of the receiver's now (sender clock), on top of the offset uncertainty. */
  futureToleranceNs: number;
  /** Offset uncertainty assumed while no clock-sync exchange has completed (clocks may be ±500 ms apart). */
  unsyncedUncertaintyNs: number;
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxMessageBytes: 4 * 1024 * 1024,
  maxObjects: 2000,
  maxDistanceM: 5000,
  maxPoseOffsetM: 100,
  maxAbsCoordinateM: 1e7,
  maxSpeedMps: 200,
  maxSizeM: 100,
  maxVariance: 1e6,
  futureToleranceNs: 200e6,
  unsyncedUncertaintyNs: 2e9,
});

export type RejectReason =
  | 'tooLarge' | 'nonFinite' | 'implausible' | 'tooManyObjects' | 'future' | 'tooFar' | 'covarianceRepaired'
  | 'poseMismatch';

export interface Rejection {
  reason: RejectReason;
  detail: string;
}

/** Null if the message may be decoded, else why not. */
export function checkSize(bytes: Uint8Array, limits: Readonly<WireLimits> = DEFAULT_WIRE_LIMITS): Rejection | null {
  return bytes.length > limits.maxMessageBytes
    ? { reason: 'tooLarge', detail: `${bytes.length} bytes > ${limits.maxMessageBytes}` } : null;
}

export interface ValidationContext {
  /** The receiver's now on the sender's clock scale (receivedAtNs + estimated offset). */
  nowSenderNs: number;
  /** Half the round trip of the clock-sync exchange behind the offset; null while none has completed. */
  offsetUncertaintyNs: number | null;
  /**
   * Where the receiver has the sender configured (the RSU's position, map frame): objects are measured from it
   * and the frame's sensor pose must lie within maxPoseOffsetM of it. Absent: from the frame's own sensor pose.
   */
  senderPosition?: Readonly<Point2>;
}


export interface Validated {
  /** The envelope to use (objects dropped, covariances repaired), or null when rejected whole. */
  envelope: Envelope | null;
  /** Every rejection, drop and repair, in order. */
  issues: Rejection[];
}

const fin = Number.isFinite;

class Reject extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.detail);
  }
}
const reject = (reason: RejectReason, detail: string): never => {
  throw new Reject({ reason, detail });
};

function checkPose(p: Pose, what: string, L: Readonly<WireLimits>): void {
  for (const f of ['xM', 'yM', 'zM', 'yawRad', 'pitchRad', 'rollRad'] as const) {
    if (!fin(p[f])) reject('nonFinite', `${what}.${f}`);
  }
  if (!(Math.abs(p.xM) <= L.maxAbsCoordinateM && Math.abs(p.yM) <= L.maxAbsCoordinateM && Math.abs(p.zM) <= L.maxAbsCoordinateM)) {
    reject('implausible', `${what}: beyond ${L.maxAbsCoordinateM} m`);
  }
}

function checkPoints(path: readonly PathPoint[], what: string, L: Readonly<WireLimits>): void {
  if (path.length > L.maxObjects) reject('tooManyObjects', `${what}: ${path.length} points > ${L.maxObjects}`);
  for (const p of path) {
    if (!fin(p.xM) || !fin(p.yM)) reject('nonFinite', `${what} point`);
    if (!(Math.abs(p.xM) <= L.maxAbsCoordinateM && Math.abs(p.yM) <= L.maxAbsCoordinateM)) reject('implausible', `${what} point beyond ${L.maxAbsCoordinateM} m`);
  }
}

const OBJECT_NUMBERS = [
  'trackId', 'classConfidence', 'xM', 'yM', 'zM', 'vxMps', 'vyMps', 'headingRad', 'yawRateRadps', 'lengthM', 'widthM',
  'heightM', 'existenceProbability', 'ageS',
] as const;
const unit = (v: number): boolean => v >= 0 && v <= 1;

/**
 * Why the object must be dropped (null: keep it), given the reference point it must lie near (the RSU); may
 * return a covariance-repaired copy through `repaired`.
 */
function objectIssue(o: DetectedObject, ref: Readonly<Point2> | null, L: Readonly<WireLimits>): Rejection | null {
  for (const f of OBJECT_NUMBERS) if (!fin(o[f])) return { reason: 'nonFinite', detail: `object ${o.trackId}: ${f}` };
  if (o.covariance) for (const c of o.covariance) if (!fin(c)) return { reason: 'nonFinite', detail: `object ${o.trackId}: covariance` };
  const bad = (detail: string): Rejection => ({ reason: 'implausible', detail: `object ${o.trackId}: ${detail}` });
  if (!(Math.abs(o.xM) <= L.maxAbsCoordinateM && Math.abs(o.yM) <= L.maxAbsCoordinateM && Math.abs(o.zM) <= L.maxAbsCoordinateM)) {
    return bad(`position beyond ${L.maxAbsCoordinateM} m`);
  }
  if (!(Math.hypot(o.vxMps, o.vyMps) <= L.maxSpeedMps)) return bad(`speed beyond ${L.maxSpeedMps} m/s`);
  if (!(o.lengthM >= 0 && o.lengthM <= L.maxSizeM && o.widthM >= 0 && o.widthM <= L.maxSizeM && o.heightM >= 0 && o.heightM <= L.maxSizeM)) {
    return bad(`size outside [0, ${L.maxSizeM}] m`);
  }
  if (!unit(o.classConfidence) || !unit(o.existenceProbability)) return bad('probability outside [0, 1]');
  if (!(o.ageS >= 0)) return bad('negative age');
  if (ref && !(Math.hypot(o.xM - ref.xM, o.yM - ref.yM) <= L.maxDistanceM)) {
    return { reason: 'tooFar', detail: `object ${o.trackId}: beyond ${L.maxDistanceM} m of the RSU` };
  }
  return null;
}

const flat4 = new Float64Array(16);
/** True if the packed 4x4 covariance is positive definite with every variance at most maxVariance. */
export function covarianceUsable(c: readonly number[], maxVariance: number): boolean {
  if (!(c[0]! <= maxVariance && c[4]! <= maxVariance && c[7]! <= maxVariance && c[9]! <= maxVariance)) return false;
  const idx = [0, 1, 2, 3, 1, 4, 5, 6, 2, 5, 7, 8, 3, 6, 8, 9];
  for (let i = 0; i < 16; i++) flat4[i] = c[idx[i]!]!;
  return choleskyFactor(flat4, 4) !== null;
}

/** The objects to keep; drops and repairs reported in issues. The input array is returned when nothing changes. */
function checkObjects(objects: DetectedObject[], ref: Readonly<Point2> | null, L: Readonly<WireLimits>, issues: Rejection[]): DetectedObject[] {
  if (objects.length > L.maxObjects) reject('tooManyObjects', `${objects.length} objects > ${L.maxObjects}`);
  let out: DetectedObject[] | null = null;
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    const issue = objectIssue(o, ref, L);
    let keep: DetectedObject | null = o;
    if (issue) {
      issues.push(issue);
      keep = null;
    } else if (o.covariance && !covarianceUsable(o.covariance, L.maxVariance)) {
      issues.push({ reason: 'covarianceRepaired', detail: `object ${o.trackId}: not positive definite or too large` });
      keep = { ...o, covariance: null };
    }
    if (keep !== o && out === null) out = objects.slice(0, i);
    if (out !== null && keep !== null) out.push(keep);
  }
  return out ?? objects;
}

function checkCaptureTime(timeNs: number, what: string, ctx: ValidationContext, L: Readonly<WireLimits>): void {
  if (!fin(timeNs)) reject('nonFinite', what);
  const aheadNs = timeNs - ctx.nowSenderNs;
  const allowedNs = (ctx.offsetUncertaintyNs ?? L.unsyncedUncertaintyNs) + L.futureToleranceNs;
  if (aheadNs > allowedNs) reject('future', `${what} ${(aheadNs / 1e6).toFixed(0)} ms ahead (allowed ${(allowedNs / 1e6).toFixed(0)} ms)`);
}

function checkFrame(f: PerceptionFrame, ctx: ValidationContext, L: Readonly<WireLimits>, issues: Rejection[]): PerceptionFrame {
  checkPose(f.sensorPose, 'sensorPose', L);
  if (!fin(f.sequence) || !fin(f.publishTimeNs)) reject('nonFinite', 'sequence or publishTimeNs');
  checkCaptureTime(f.captureTimeNs, 'captureTimeNs', ctx, L);
  const at = ctx.senderPosition;
  if (at) {
    const offM = Math.hypot(f.sensorPose.xM - at.xM, f.sensorPose.yM - at.yM);
    if (!(offM <= L.maxPoseOffsetM)) {
      reject('poseMismatch', `sensorPose ${offM.toFixed(0)} m from the configured RSU position (allowed ${L.maxPoseOffsetM} m)`);
    }
  }
  const objects = checkObjects(f.objects, at ?? f.sensorPose, L, issues);
  return objects === f.objects ? f : { ...f, objects };
}

function checkZone(z: ConflictZone): void {
  for (const v of [z.startSM, z.endSM, z.tStartNs, z.tEndNs, z.confidence, z.trackId]) if (!fin(v)) reject('nonFinite', 'advisory zone');
  if (!(z.startSM <= z.endSM && z.tStartNs <= z.tEndNs)) reject('implausible', 'advisory zone ends before it starts');
}

function checkAdvisory(a: PlanningAdvisory, ctx: ValidationContext, L: Readonly<WireLimits>, issues: Rejection[]): PlanningAdvisory {
  for (const v of [a.sequence, a.intentSequence, a.validUntilNs]) if (!fin(v)) reject('nonFinite', 'advisory');
  checkCaptureTime(a.issueTimeNs, 'issueTimeNs', ctx, L);
  if (a.zones.length > L.maxObjects) reject('tooManyObjects', `${a.zones.length} zones > ${L.maxObjects}`);
  let zones: ConflictZone[] | null = null;
  for (let i = 0; i < a.zones.length; i++) {
    const z = a.zones[i]!;
    checkZone(z);
    if (!z.object) continue;
    const issue = objectIssue(z.object, null, L);
    if (issue) reject(issue.reason, `zone ${issue.detail}`);
    // Repaired as a frame object's is (found by bench/fuzz.ts: zone objects' covariances went unchecked).
    if (z.object.covariance && !covarianceUsable(z.object.covariance, L.maxVariance)) {
      issues.push({ reason: 'covarianceRepaired', detail: `zone object ${z.object.trackId}: not positive definite or too large` });
      zones ??= a.zones.slice();
      zones[i] = { ...z, object: { ...z.object, covariance: null } };
    }
  }
  // Advisories carry no sensor pose: their objects are measured from the configured position when there is one.
  const contextObjects = checkObjects(a.contextObjects, ctx.senderPosition ?? null, L, issues);
  if (zones === null && contextObjects === a.contextObjects) return a;
  return { ...a, contextObjects, zones: zones ?? a.zones };
}

function checkIntent(i: VehicleIntent, ctx: ValidationContext, L: Readonly<WireLimits>): void {
  checkPose(i.pose, 'intent pose', L);
  if (!fin(i.sequence) || !fin(i.speedMps) || !fin(i.horizonS)) reject('nonFinite', 'intent');
  if (!(i.speedMps >= 0 && i.speedMps <= L.maxSpeedMps)) reject('implausible', `intent speed outside [0, ${L.maxSpeedMps}] m/s`);
  if (!(i.horizonS >= 0 && i.horizonS <= 3600)) reject('implausible', 'intent horizon outside [0, 3600] s');
  checkCaptureTime(i.timeNs, 'intent timeNs', ctx, L);
  checkPoints(i.path, 'intent path', L);
}

/**
 * Checks a decoded envelope (module comment for the policy). A sync request or response is checked for finite
 * timestamps only: clock sync itself judges their times.
 */
export function validateEnvelope(e: Envelope, ctx: ValidationContext, limits: Readonly<WireLimits> = DEFAULT_WIRE_LIMITS): Validated {
  const issues: Rejection[] = [];
  try {
    if (!fin(e.expiresAtNs)) reject('nonFinite', 'expiresAtNs');
    const p = e.payload;
    switch (p.kind) {
      case 'frame': {
        const frame = checkFrame(p.frame, ctx, limits, issues);
        return { envelope: frame === p.frame ? e : { ...e, payload: { kind: 'frame', frame } }, issues };
      }
      case 'advisory': {
        const advisory = checkAdvisory(p.advisory, ctx, limits, issues);
        return { envelope: advisory === p.advisory ? e : { ...e, payload: { kind: 'advisory', advisory } }, issues };
      }
      case 'intent':
        checkIntent(p.intent, ctx, limits);
        return { envelope: e, issues };
      case 'syncRequest':
        if (!fin(p.syncRequest.t1Ns) || !fin(p.syncRequest.sequence)) reject('nonFinite', 'sync request');
        return { envelope: e, issues };
      case 'syncResponse': {
        const r = p.syncResponse;
        if (![r.t1Ns, r.t2Ns, r.t3Ns, r.sequence].every(fin)) reject('nonFinite', 'sync response');
        return { envelope: e, issues };
      }
    }
  } catch (err) {
    if (err instanceof Reject) return { envelope: null, issues: [...issues, err.rejection] };
    throw err;
  }
}
