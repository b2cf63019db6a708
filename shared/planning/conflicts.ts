// RSU side of planning fusion: which tracked objects will occupy which stretch of a vehicle's declared path, and
// when. Pure and deterministic: tracks are taken as valid at nowNs (the caller predicts them there), time is an
// argument, output order is fixed by explicit tie-breaks.
//
// Per track: predict the box centre at a fixed step (CV by default), project each predicted centre onto the path,
// and call the object "in the corridor" when |lateral offset| <= ego half width + the box's half extent across the
// path + margin. Between two samples the motion is taken as linear in (s, lateral), so entry and exit times are
// interpolated (exact for CV on a straight segment) and an object crossing the corridor between two samples is not
// missed. Each time-contiguous occupancy becomes one ConflictZone: [min s - halfAlong - margin, max s + halfAlong
// + margin] x [entry, exit].
import { wrapAngle } from '../geometry/angles.js';
import { preparePolyline, projectToPolyline, projectToPolylineInto, type Polyline, type PolylineProjection } from '../geometry/polyline.js';
import { boxHalfExtents } from '../model/classes.js';
import type { ConflictZone, DetectedObject, ObjectClass, PlanningAdvisory, VehicleIntent } from '../model/types.js';
import { predictObject } from '../motion/predict.js';
import { nonPositiveFrom, nonPositiveTo, projectionJumps } from './corridor.js';

export interface AdvisoryParams {
  /** Cap on the intent's horizon, s; also the horizon used when the intent carries none (0). */
  maxHorizonS: number;
  /** Prediction step, s. */
  stepS: number;
  /** validUntilNs = nowNs + validityS for an intent asking for baseHorizonS or less. Zones cover horizon + validity
   * so a late use still sees a full horizon. */
  validityS: number;
  /**
   * The horizon a vehicle asks for while it expects its link to hold (its planner's), s. An intent asking for more
   * expects to cross a stretch without a link for the difference (a network-map look-ahead, VehicleCore): the
   * advisory then stays valid that much longer, validityS + (horizon − baseHorizonS), at most maxValidityS.
   */
  baseHorizonS: number;
  /** Cap on the validity of a long-horizon advisory, s. */
  maxValidityS: number;
  /** Half the ego's width, m (the intent does not carry the vehicle's size). */
  egoHalfWidthM: number;
  /** Safety margin added laterally (corridor) and longitudinally (zone interval), m. */
  marginM: number;
  /** At most this many zones, nearest (smallest startSM) first. */
  maxZones: number;
  /** Zones with a lower confidence are not sent. */
  minConfidence: number;
  /** 'cv': constant velocity; 'auto': predictObject's choice (CTRV for turning vehicle-like objects). */
  motionModel: 'cv' | 'auto';
  /** Multiply the confidence by the class confidence (off: a conflict needs the object to exist, not its label to be right). */
  scaleByClassConfidence: boolean;
  /**
   * The RSU tracks the ego vehicle too: the vehicle-class track nearest the ego's position (intent pose moved to
   * nowNs at the intent's speed) within this radius, m, and egoMatchSpeedToleranceMps of its speed, is dropped.
   * 0 disables.
   */
  egoMatchRadiusM: number;
  egoMatchSpeedToleranceMps: number;
  /** Attach the RSU's track to each zone (ConflictZone.object); off saves bytes. */
  includeObjects: boolean;
  /**
   * Also send tracks within this distance of the path (from the ego onwards) that have no zone, as context
   * objects: the vehicle keeps them in its world when frames stop arriving. 0 disables. m.
   */
  contextCorridorM: number;
  /** At most this many context objects, nearest the path first. */
  maxContextObjects: number;
}

export const DEFAULT_ADVISORY_PARAMS: Readonly<AdvisoryParams> = Object.freeze({
  maxHorizonS: 5,
  stepS: 0.1,
  validityS: 3,
  baseHorizonS: 5,
  maxValidityS: 10,
  egoHalfWidthM: 0.95,
  marginM: 0.5,
  maxZones: 16,
  minConfidence: 0.1,
  motionModel: 'cv',
  scaleByClassConfidence: false,
  egoMatchRadiusM: 3,
  egoMatchSpeedToleranceMps: 3,
  includeObjects: true,
  contextCorridorM: 10,
  maxContextObjects: 32,
});

export interface AdvisoryIds {
  rsuId: string;
  /** PlanningAdvisory.sequence: the caller's counter for this vehicle. */
  sequence: number;
}

/** Classes the ego vehicle may be tracked as. */
const EGO_CLASSES: readonly ObjectClass[] = ['car', 'truck', 'bus', 'motorcycle', 'unknown'];

/** Projection tolerance, m: a larger jump in s than the object's own displacement means another part of the path. */
const PROJECTION_JUMP_M = 0.5;

export function computeAdvisory(
  tracks: readonly DetectedObject[],
  intent: VehicleIntent,
  nowNs: number,
  params: AdvisoryParams,
  ids: AdvisoryIds,
): PlanningAdvisory {
  validateParams(params);
  if (!Number.isFinite(nowNs)) throw new RangeError(`nowNs must be finite, got ${nowNs}`);
  const horizonS = intent.horizonS > 0 && Number.isFinite(intent.horizonS) ? Math.min(intent.horizonS, params.maxHorizonS) : params.maxHorizonS;
  const validityS = advisoryValidityS(horizonS, params);
  const validUntilNs = nowNs + Math.round(validityS * 1e9);
  const advisory: PlanningAdvisory = {
    rsuId: ids.rsuId,
    vehicleId: intent.vehicleId,
    sequence: ids.sequence,
    intentSequence: intent.sequence,
    issueTimeNs: nowNs,
    validUntilNs,
    mapFrame: intent.mapFrame,
    zones: [],
    contextObjects: [],
  };
  const finitePath = intent.path.every((p) => Number.isFinite(p.xM) && Number.isFinite(p.yM));
  if (intent.path.length < 2 || !finitePath) return advisory; // nothing to project onto: no conflicts, not an error
  const line = preparePolyline(intent.path);
  if (line.lengthM === 0) return advisory;

  // Sample times relative to nowNs; the last one is exactly the span's end.
  const spanS = horizonS + validityS;
  const n = Math.ceil(spanS / params.stepS - 1e-9);
  const timesS = Array.from({ length: n + 1 }, (_, k) => Math.min(k * params.stepS, spanS));

  // Objects behind the ego (its pose at intent time, projected) cannot be conflicts on the path ahead.
  const egoS0M = Math.max(0, projectToPolyline(line, { xM: intent.pose.xM, yM: intent.pose.yM }, { extendEnds: true }).sM);
  const egoTrackIndex = findEgoTrack(tracks, intent, nowNs, params);

  const zones: ConflictZone[] = [];
  const path = pathOf(line);
  const samples = sampleBuffers(timesS.length);
  tracks.forEach((obj, index) => {
    if (index === egoTrackIndex || !isFiniteObject(obj)) return;
    const confidence = clamp01(obj.existenceProbability) * (params.scaleByClassConfidence ? clamp01(obj.classConfidence) : 1);
    if (!(confidence >= params.minConfidence)) return;
    sampleObject(obj, timesS, path, params, samples);
    for (const occ of occupancy(samples, timesS, line, egoS0M, params.marginM)) {
      zones.push({
        startSM: occ.loM,
        endSM: occ.hiM,
        tStartNs: nowNs + Math.round(occ.tStartS * 1e9),
        tEndNs: nowNs + Math.round(occ.tEndS * 1e9),
        objectClass: obj.objectClass,
        confidence,
        trackId: obj.trackId,
        // The track itself (valid at nowNs = issue time) lets the vehicle re-predict it if fresher frames are lost.
        object: params.includeObjects ? { ...obj } : null,
      });
    }
  });
  zones.sort((a, b) => a.startSM - b.startSM || a.tStartNs - b.tStartNs || a.trackId - b.trackId || a.endSM - b.endSM);
  advisory.zones = zones.slice(0, params.maxZones);
  if (params.contextCorridorM > 0) {
    const inZones = new Set(advisory.zones.map((z) => z.trackId));
    const context: Array<{ obj: DetectedObject; d: number }> = [];
    tracks.forEach((obj, index) => {
      if (index === egoTrackIndex || inZones.has(obj.trackId) || !isFiniteObject(obj)) return;
      const p = projectToPolyline(line, { xM: obj.xM, yM: obj.yM });
      if (p.sM < egoS0M || Math.abs(p.lateralM) > params.contextCorridorM) return;
      context.push({ obj, d: Math.abs(p.lateralM) });
    });
    context.sort((a, b) => a.d - b.d || a.obj.trackId - b.obj.trackId);
    advisory.contextObjects = context.slice(0, params.maxContextObjects).map((c) => ({ ...c.obj }));
  }
  return advisory;
}

/** One track's samples as parallel arrays (index = sample k), allocated once per advisory and reused per track. */
interface SampleBuffers {
  sM: number[];
  lateralM: number[];
  /** Half extent of the box along the path at the projection, m. */
  halfAlongM: number[];
  /** Corridor half-width for this object here: ego half width + the box's half extent across the path + margin. */
  corridorM: number[];
  xM: number[];
  yM: number[];
  projection: PolylineProjection;
}

function sampleBuffers(count: number): SampleBuffers {
  // Plain arrays: typed arrays this size get an off-heap store, slow to allocate.
  const f = (): number[] => new Array<number>(count).fill(0);
  return {
    sM: f(), lateralM: f(), halfAlongM: f(), corridorM: f(), xM: f(), yM: f(),
    projection: { sM: 0, lateralM: 0, segmentIndex: 0, xM: 0, yM: 0 },
  };
}

/** The path with each segment's heading, computed once per advisory rather than per sample. */
interface PathWithHeadings {
  line: Polyline;
  /** Direction of travel of segment i, wrapped (a single point's "segment": 0). */
  headingRad: number[];
}

function pathOf(line: Polyline): PathWithHeadings {
  const headingRad: number[] = [];
  for (let i = 0; i < line.points.length; i++) headingRad.push(segmentHeading(line, i));
  return { line, headingRad };
}

function segmentHeading(line: Polyline, i: number): number {
  const a = line.points[i]!;
  const b = line.points[i + 1] ?? a;
  return wrapAngle(Math.atan2(b.yM - a.yM, b.xM - a.xM));
}

/** Predicts the track at every sample time, projects it onto the path, fills buf. */
function sampleObject(obj: DetectedObject, timesS: readonly number[], path: PathWithHeadings, params: AdvisoryParams, buf: SampleBuffers): void {
  const cv = params.motionModel === 'cv';
  // CV keeps the box heading, so its extents depend on the segment only: computed once per segment it projects on.
  const perSegment = cv ? new Array<{ halfAlongM: number; halfAcrossM: number } | undefined>(path.headingRad.length) : null;
  for (let k = 0; k < timesS.length; k++) {
    const tS = timesS[k]!;
    let xM: number;
    let yM: number;
    let headingRad = obj.headingRad;
    if (cv) {
      xM = obj.xM + obj.vxMps * tS;
      yM = obj.yM + obj.vyMps * tS;
    } else {
      // Covariance is not needed here; dropping it skips the matrix work.
      const p = predictObject({ ...obj, covariance: null }, tS);
      xM = p.xM;
      yM = p.yM;
      headingRad = p.headingRad;
    }
    const seg = projectToPolylineInto(path.line, xM, yM, true, buf.projection).segmentIndex;
    let extents = perSegment?.[seg];
    if (extents === undefined) {
      extents = boxHalfExtents(obj, headingRad - path.headingRad[seg]!);
      if (perSegment) perSegment[seg] = extents;
    }
    buf.sM[k] = buf.projection.sM;
    buf.lateralM[k] = buf.projection.lateralM;
    buf.halfAlongM[k] = extents.halfAlongM;
    buf.corridorM[k] = params.egoHalfWidthM + extents.halfAcrossM + params.marginM;
    buf.xM[k] = xM;
    buf.yM[k] = yM;
  }
}

interface Occupancy {
  tStartS: number;
  tEndS: number;
  loM: number;
  hiM: number;
}

/**
 * Time-contiguous stretches where the object is in the corridor, with the path interval it covers. Pieces are
 * built per inter-sample interval (and per sample), then merged where they touch in time.
 */
function occupancy(samples: SampleBuffers, timesS: readonly number[], line: Polyline, egoS0M: number, marginM: number): Occupancy[] {
  const { sM, lateralM, halfAlongM, corridorM, xM, yM } = samples;
  const pieces: Occupancy[] = [];
  for (let k = 0; k < timesS.length; k++) {
    if (Math.abs(lateralM[k]!) <= corridorM[k]!) addPiece(pieces, timesS[k]!, timesS[k]!, sM[k]!, sM[k]!, halfAlongM[k]!, line, egoS0M, marginM);
    if (k === 0) continue;
    const a = k - 1;
    // In the corridor while lat - corridor <= 0 and -lat - corridor <= 0, both linear in the interpolation fraction.
    const uh0 = lateralM[a]! - corridorM[a]!;
    const uh1 = lateralM[k]! - corridorM[k]!;
    const wh0 = -lateralM[a]! - corridorM[a]!;
    const wh1 = -lateralM[k]! - corridorM[k]!;
    // Outside on one side at both samples (the usual case): no piece, whatever the projection did.
    if ((uh0 > 0 && uh1 > 0) || (wh0 > 0 && wh1 > 0)) continue;
    // A jump in s larger than the displacement means the projection switched to another part of the path:
    // interpolating across it would invent a crossing, so only the samples themselves count there.
    if (projectionJumps(sM[k]! - sM[a]!, xM[k]! - xM[a]!, yM[k]! - yM[a]!, PROJECTION_JUMP_M)) continue;
    const f0 = Math.max(nonPositiveFrom(uh0, uh1), nonPositiveFrom(wh0, wh1));
    const f1 = Math.min(nonPositiveTo(uh0, uh1), nonPositiveTo(wh0, wh1));
    if (!(f0 <= f1)) continue;
    const t0 = timesS[a]!;
    const dt = timesS[k]! - t0;
    const ds = sM[k]! - sM[a]!;
    const halfAlong = Math.max(halfAlongM[a]!, halfAlongM[k]!);
    addPiece(pieces, t0 + f0 * dt, t0 + f1 * dt, sM[a]! + f0 * ds, sM[a]! + f1 * ds, halfAlong, line, egoS0M, marginM);
  }
  // Merge pieces that touch in time (a sample piece and its neighbouring interval pieces share an end).
  pieces.sort((p, q) => p.tStartS - q.tStartS || p.tEndS - q.tEndS);
  const out: Occupancy[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && p.tStartS <= last.tEndS + 1e-12) {
      last.tEndS = Math.max(last.tEndS, p.tEndS);
      last.loM = Math.min(last.loM, p.loM);
      last.hiM = Math.max(last.hiM, p.hiM);
    } else out.push({ ...p });
  }
  return out;
}

/** Adds the piece [tStartS, tEndS] x the path interval covered between sAM and sBM, unless it is not ahead of the ego. */
function addPiece(
  pieces: Occupancy[], tStartS: number, tEndS: number, sAM: number, sBM: number, halfAlongM: number, line: Polyline, egoS0M: number, marginM: number,
): void {
  const loM = Math.max(0, Math.min(sAM, sBM) - halfAlongM - marginM);
  const hiM = Math.min(line.lengthM, Math.max(sAM, sBM) + halfAlongM + marginM);
  // Entirely behind the ego or past the path's end: not on the path ahead.
  if (Math.max(sAM, sBM) + halfAlongM + marginM < egoS0M || Math.min(sAM, sBM) - halfAlongM - marginM > line.lengthM) return;
  pieces.push({ tStartS, tEndS, loM, hiM });
}

/**
 * How long an advisory for a granted horizon stays valid, s: validityS, plus the horizon asked for beyond
 * baseHorizonS (the stretch the vehicle expects to cross without a link), at most maxValidityS (never below
 * validityS).
 */
export function advisoryValidityS(horizonS: number, params: Pick<AdvisoryParams, 'validityS' | 'baseHorizonS' | 'maxValidityS'>): number {
  const extraS = Math.max(0, horizonS - params.baseHorizonS);
  return Math.max(params.validityS, Math.min(params.maxValidityS, params.validityS + extraS));
}

/** Index of the track that is the ego vehicle itself, or -1. */
function findEgoTrack(tracks: readonly DetectedObject[], intent: VehicleIntent, nowNs: number, params: AdvisoryParams): number {
  if (!(params.egoMatchRadiusM > 0)) return -1;
  const dtS = (nowNs - intent.timeNs) / 1e9;
  const ex = intent.pose.xM + intent.speedMps * dtS * Math.cos(intent.pose.yawRad);
  const ey = intent.pose.yM + intent.speedMps * dtS * Math.sin(intent.pose.yawRad);
  let best = -1;
  let bestD = Infinity;
  tracks.forEach((t, i) => {
    if (!EGO_CLASSES.includes(t.objectClass)) return;
    const d = Math.hypot(t.xM - ex, t.yM - ey);
    const dv = Math.abs(Math.hypot(t.vxMps, t.vyMps) - intent.speedMps);
    if (d <= params.egoMatchRadiusM && dv <= params.egoMatchSpeedToleranceMps && d < bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

function isFiniteObject(o: DetectedObject): boolean {
  return [o.xM, o.yM, o.vxMps, o.vyMps, o.headingRad, o.yawRateRadps].every(Number.isFinite);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function validateParams(p: AdvisoryParams): void {
  const positive: Array<keyof AdvisoryParams> = ['maxHorizonS', 'stepS', 'validityS', 'baseHorizonS', 'maxValidityS'];
  for (const k of positive) {
    const v = p[k] as number;
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`AdvisoryParams.${k} must be > 0, got ${v}`);
  }
  const nonNegative: Array<keyof AdvisoryParams> = ['egoHalfWidthM', 'marginM', 'minConfidence', 'egoMatchRadiusM', 'egoMatchSpeedToleranceMps'];
  for (const k of nonNegative) {
    const v = p[k] as number;
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`AdvisoryParams.${k} must be >= 0, got ${v}`);
  }
  if (!Number.isInteger(p.maxZones) || p.maxZones < 0) throw new RangeError(`AdvisoryParams.maxZones must be an integer >= 0, got ${p.maxZones}`);
}
