// Planning fusion (docs/fusion-criteria.md): the vehicle's objects completed by the tracks its held planning
// advisories carry. The planner's side of planning mode (the advisories' zones) is in the vehicle core.
import type { DetectedObject, PerceptionFrame, PlanningAdvisory } from '../model/types.js';
import {
  fuseSequentially, resolveFusionParams, usedFrames, type FrameFuser, type FusionParams, type HeldAdvisory,
  type RoadsideFrameInput,
} from './methods.js';
import type { FusedObject } from './types.js';
import { vehicleOnlyObjects } from './vehicle-only.js';

const NS_PER_MS = 1e6;

/**
 * A track an advisory carries that moves slower than this (m/s) is standing: its velocity is tracking noise (the
 * tracker's minSpeedForHeadingMps, the planner's stationaryMaxSpeedMps), and it stays where the RSU saw it until it
 * starts; placed there, it is right for as long as the advisory is valid.
 */
export const STANDING_MAX_SPEED_MPS = 0.5;
/**
 * How long after the issue a moving track an advisory carries is still placed as an object, s: the validity every
 * advisory has (AdvisoryParams.validityS, 3 s). An advisory asked for before a mapped bad stretch is valid longer
 * (up to 10 s, shared/planning/conflicts.ts), but a CV extrapolation of a pedestrian or car over that long is more
 * likely off its actor by more than 2 m than on it (a stale object, docs/metrics.md): past this age only its
 * standing tracks are placed.
 */
export const MAX_MOVING_TRACK_AGE_S = 3;
/**
 * Largest expected squared position error (trace of the predicted position covariance, m²) at which a track an
 * advisory carries is an obstacle for the planner: c² with c = 2 m, the distance beyond which an object no longer
 * stands for its actor (docs/metrics.md). Beyond, its predicted path is more likely wrong than right, and a plan
 * that yields to it yields where nothing is (VehicleCore.plan; docs/planning.md).
 */
export const MAX_PLANNER_POSITION_VARIANCE_M2 = 4;

/**
 * A standing track (below STANDING_MAX_SPEED_MPS) with its velocity, tracking noise, zeroed: predicted over the
 * advisory's age it stays where the RSU saw it. Extrapolated, 0.3 m/s of noise moves a parked car 0.9 m in 3 s,
 * toward the ego's path as often as not (docs/planning.md, Long-horizon advisories).
 */
function heldStill(o: DetectedObject): DetectedObject {
  return Math.hypot(o.vxMps, o.vyMps) <= STANDING_MAX_SPEED_MPS ? { ...o, vxMps: 0, vyMps: 0, yawRateRadps: 0 } : o;
}

/** Whether a track an advisory carries, issued ageS ago, is placed as an object: standing, or moving and young. */
export function advisoryTrackPlaced(object: DetectedObject, ageS: number): boolean {
  return ageS <= MAX_MOVING_TRACK_AGE_S || Math.hypot(object.vxMps, object.vyMps) <= STANDING_MAX_SPEED_MPS;
}

/**
 * Whether a track an advisory carries, issued ageS ago and predicted to the vehicle frame, is an obstacle for the
 * planner: at most MAX_MOVING_TRACK_AGE_S old (what every advisory was valid for), and standing (a stopped car
 * ahead stops the plan) or moving with an expected squared position error of at most
 * MAX_PLANNER_POSITION_VARIANCE_M2. Older standing tracks stay in the output, where they are the vehicle's best
 * estimate of what is there; but their actor has had time to start (a waiting pedestrian who steps out is 5 m on
 * after 3 s), and a plan that yields to where it stood yields where nothing is.
 */
export function plannerPlaceable(object: DetectedObject, ageS: number): boolean {
  if (!(ageS <= MAX_MOVING_TRACK_AGE_S)) return false;
  if (Math.hypot(object.vxMps, object.vyMps) <= STANDING_MAX_SPEED_MPS) return true;
  const c = object.covariance;
  return c !== null && c[0] + c[4] <= MAX_PLANNER_POSITION_VARIANCE_M2;
}

/**
 * Planning-mode completion: roadside objects from a source much older than the vehicle frame (the tracks a
 * planning advisory carries, issued up to its validity ago) are predicted to the vehicle frame as in inter-frame
 * fusion, but they only add what the vehicle does not see. One that associates with an object the vehicle sees is
 * dropped: the vehicle's estimate is a current measurement, the roadside one a seconds-long CV extrapolation, and
 * fusing them (even by covariance intersection) would pull a pedestrian's or car's velocity toward where it was
 * going then. Frames are selected as by fuseInterFrame (maxPredictionHorizonMs is the caller's: the advisory's
 * age). Every object carries method 'planning'; added ones have their RSU as only source.
 */
export function completeWithRoadside(
  own: PerceptionFrame,
  roadside: readonly RoadsideFrameInput[],
  params: Partial<FusionParams> = {},
): FusedObject[] {
  const p = resolveFusionParams(params);
  return fuseSequentially(own, usedFrames('inter', own, roadside, p), 'planning', 'keep-current', p);
}

/**
 * An advisory as a roadside frame: the tracks its zones and context objects carry (each track once), stamped
 * with the advisory's issue time, in the vehicle frame's sensor pose and (if the advisory names none) map frame.
 */
export function advisoryFrame(advisory: PlanningAdvisory, offsetNs: number, own: PerceptionFrame): RoadsideFrameInput {
  const ageS = (own.captureTimeNs - (advisory.issueTimeNs - offsetNs)) / 1e9;
  const objects: DetectedObject[] = [];
  for (const z of advisory.zones) if (z.object && advisoryTrackPlaced(z.object, ageS)) objects.push(heldStill(z.object));
  for (const o of advisory.contextObjects) if (advisoryTrackPlaced(o, ageS)) objects.push(heldStill(o));
  return {
    offsetNs,
    frame: {
      sourceId: advisory.rsuId, sourceKind: 'rsu', sequence: advisory.sequence, captureTimeNs: advisory.issueTimeNs,
      publishTimeNs: advisory.issueTimeNs, mapFrame: advisory.mapFrame || own.mapFrame,
      sensorPose: own.sensorPose, objects: dedupeByTrack(objects),
    },
  };
}

/**
 * Planning fusion: the vehicle's own objects, completed by the objects carried by the advisories still valid at
 * the own capture, predicted to the vehicle frame with the horizon stretched to the oldest advisory's age. They
 * only add what the vehicle does not see (completeWithRoadside): a track issued seconds ago must not pull the
 * vehicle's current estimate of an object it sees toward where that object was heading then. The RSU drops the
 * ego's track only if it finds it near where the intent said the ego would be; the vehicle knows where it really
 * was at the issue time, so `withoutEgo` removes it here as from frames.
 */
export function fusePlanning(
  own: PerceptionFrame,
  advisories: Iterable<HeldAdvisory>,
  withoutEgo: (input: RoadsideFrameInput) => RoadsideFrameInput,
  params: Partial<FusionParams> = {},
): FusedObject[] {
  const p = resolveFusionParams(params);
  const inputs: RoadsideFrameInput[] = [];
  let horizonMs = p.maxPredictionHorizonMs;
  for (const { advisory, offsetNs } of advisories) {
    if (advisory.validUntilNs - offsetNs < own.captureTimeNs) continue;
    const ageMs = (own.captureTimeNs - (advisory.issueTimeNs - offsetNs)) / NS_PER_MS;
    horizonMs = Math.max(horizonMs, ageMs + 1);
    inputs.push(withoutEgo(advisoryFrame(advisory, offsetNs, own)));
  }
  if (inputs.length === 0) return vehicleOnlyObjects(own, p, 'planning');
  return completeWithRoadside(own, inputs, { ...p, maxPredictionHorizonMs: horizonMs });
}

/** The longest validity left among the held advisories at `atNs` (vehicle clock), ms; null when none is valid. */
export function advisoryValidForMs(advisories: Iterable<HeldAdvisory>, atNs: number): number | null {
  let best: number | null = null;
  for (const { advisory, offsetNs } of advisories) {
    const leftMs = (advisory.validUntilNs - offsetNs - atNs) / NS_PER_MS;
    if (leftMs > 0 && (best === null || leftMs > best)) best = leftMs;
  }
  return best;
}

/** Planning fusion for a strategy: usable while an advisory is valid. */
export const PLANNING = Object.freeze<FrameFuser>({
  fuse: (x) => fusePlanning(x.own, x.advisories.values(), x.withoutEgo, x.params),
  unusable: (x) => (x.advisoryValidForMs === null ? 'no valid advisory' : null),
});

function dedupeByTrack<T extends DetectedObject>(objects: readonly T[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const o of objects) {
    if (seen.has(o.trackId)) continue;
    seen.add(o.trackId);
    out.push(o);
  }
  return out;
}
