// What every fusion method shares (docs/fusion-criteria.md): the roadside input and its time base, the fusion
// parameters, the per-RSU frame selection, the sequential association-and-fusion loop, and the interface a method
// implements for a strategy (FrameFuser over FrameInputs). The methods themselves are one module each:
// intra-frame.ts, inter-frame.ts, planning.ts, vehicle-only.ts, and the two baselines in baselines.ts; which one
// runs for a frame is the strategy's choice (strategies.ts, criteria.ts).
import { associate } from '../association/components.js';
import type { AssociationPair, AssociationParams, AssociationResult } from '../association/components.js';
import { DEFAULT_GATE_PROBABILITY, GATE_SUBSTATE_INDICES, chiSquareGate } from '../association/gating.js';
import { diagonalCovariance } from '../model/covariance.js';
import { detectedObjectWith, type DetectedObject, type PerceptionFrame, type PlanningAdvisory, type StateCovariance } from '../model/types.js';
import type { LinkHealth } from '../link/link-monitor.js';
import { DEFAULT_PREDICT_PARAMS, predictObject } from '../motion/predict.js';
import type { PredictParams } from '../motion/predict.js';
import { fuseObjects, singleSourceObject } from './objects.js';
import type { GaussianRule } from './objects.js';
import type { FusedObject, FusionMethod } from './types.js';

const NS_PER_MS = 1e6;

/** One roadside frame and the clock offset to bring its stamps onto the vehicle clock. */
export interface RoadsideFrameInput {
  frame: PerceptionFrame;
  /** RSU clock − vehicle clock, ns (LinkMonitor.clockOffsetNs(), 0 before any sync). */
  offsetNs: number;
}

/** An RSU's freshest frame and the one before it (null until a second arrives), as received. */
export interface RoadsideHistory {
  latest: RoadsideFrameInput;
  previous: RoadsideFrameInput | null;
}

/** A planning advisory the vehicle holds, with the clock offset of its RSU (RSU clock − vehicle clock, ns). */
export interface HeldAdvisory {
  advisory: PlanningAdvisory;
  offsetNs: number;
}

export interface FusionParams {
  /** Vehicle perception period, ms. Intra accepts roadside frames within half of it; inter accepts frames up
   * to one period from the future (clock-offset error) and no more. */
  vehicleFramePeriodMs: number;
  /** Oldest roadside frame inter-frame fusion predicts across, ms; older frames contribute nothing. Default
   * usefulPredictionAgeMs of the default maxPositionStdM and motion model. */
  maxPredictionHorizonMs: number;
  /** Probability mass of the association gate, (0, 1). */
  gateProbability: number;
  /** Covariance of roadside objects that carry none. */
  defaultRoadsideCovariance: StateCovariance;
  /** Covariance of the vehicle's objects that carry none. */
  defaultVehicleCovariance: StateCovariance;
  /** Motion-model parameters for compensating roadside objects; omitted fields take DEFAULT_PREDICT_PARAMS. */
  predict?: Partial<PredictParams>;
  /**
   * Largest position standard deviation, m, of a roadside object after its motion compensation for it to be
   * fused or shown by intra and inter; a less certain one is dropped. This, not the age alone, is what makes a
   * roadside object stale: its predicted uncertainty grows with the age at a rate set by its own velocity
   * uncertainty (a track that just restarted after an abrupt stop goes past it within a few hundred ms, a steady
   * one lasts the whole horizon). 1 m = half the 2 m match radius (GOSPA's cut-off c): at 2σ the object is still
   * within the radius of where it is.
   */
  maxPositionStdM: number;
  /** Output objects below this existence probability are dropped (after fusion, whose noisy-OR raises the
   * existence of objects both sides confirm). 0 keeps everything. */
  minExistenceProbability: number;
}

/**
 * The oldest roadside frame worth predicting, ms: the age at which the motion model's unmodelled acceleration
 * alone (σ_a dt² / 2, CV white-noise acceleration) moves a perfectly known object by maxPositionStdM. Past it no
 * track, however good, is placeable (placeable), so the frame is not even looked at. 1000 ms with the defaults
 * (σ_a 2 m/s², 1 m): derived from the prediction error's growth, not a constant.
 */
export function usefulPredictionAgeMs(maxPositionStdM: number, accelStdMps2: number): number {
  return 1000 * Math.sqrt((2 * maxPositionStdM) / accelStdMps2);
}

const DEFAULT_MAX_POSITION_STD_M = 1.0;

/**
 * Defaults: 10 Hz vehicle perception; horizon usefulPredictionAgeMs (1000 ms, docs/association-and-fusion.md,
 * "Inter-frame fusion on the honest yardstick"); 99 % gate; RSU σ 0.5 m / 1 m/s
 * (fixed, elevated sensors at tens of metres, velocity from a short track); vehicle σ 0.3 m / 0.5 m/s (close
 * range, ego-motion-compensated tracker).
 */
export const DEFAULT_FUSION_PARAMS: Readonly<FusionParams> = Object.freeze({
  vehicleFramePeriodMs: 100,
  maxPredictionHorizonMs: usefulPredictionAgeMs(DEFAULT_MAX_POSITION_STD_M, DEFAULT_PREDICT_PARAMS.accelStdMps2),
  gateProbability: DEFAULT_GATE_PROBABILITY,
  defaultRoadsideCovariance: diagonalCovariance(0.5, 1.0),
  defaultVehicleCovariance: diagonalCovariance(0.3, 0.5),
  maxPositionStdM: DEFAULT_MAX_POSITION_STD_M,
  minExistenceProbability: 0,
});

export function resolveFusionParams(params: Partial<FusionParams> = {}): FusionParams {
  const p: FusionParams = { ...DEFAULT_FUSION_PARAMS, ...params };
  checkParam(p, Number.isFinite(p.vehicleFramePeriodMs) && p.vehicleFramePeriodMs > 0, 'vehicleFramePeriodMs', '> 0');
  checkParam(p, Number.isFinite(p.maxPredictionHorizonMs) && p.maxPredictionHorizonMs >= 0, 'maxPredictionHorizonMs', '>= 0');
  checkParam(p, p.gateProbability > 0 && p.gateProbability < 1, 'gateProbability', 'in (0, 1)');
  checkParam(p, p.maxPositionStdM > 0, 'maxPositionStdM', '> 0');
  checkParam(p, p.minExistenceProbability >= 0 && p.minExistenceProbability <= 1, 'minExistenceProbability', 'in [0, 1]');
  return p;
}

// Module-level rather than a closure in resolveFusionParams: that runs on every vehicle frame.
function checkParam(p: FusionParams, ok: boolean, field: keyof FusionParams, want: string): void {
  if (!ok) throw new RangeError(`fusion params: ${field} must be ${want}, got ${String(p[field])}`);
}

/** Why a roadside frame was or was not used by a method. */
export type RoadsideFrameVerdict =
  | 'used'
  /** intra: captured more than half a vehicle period away from the vehicle frame. */
  | 'not-same-instant'
  /** inter: older than maxPredictionHorizonMs. */
  | 'too-old'
  /** inter: captured more than one vehicle period after the vehicle frame. */
  | 'from-future'
  /** Objects in another map frame cannot be associated with the vehicle's. */
  | 'map-frame'
  /** Another frame of the same RSU is closer in time to the vehicle frame. */
  | 'superseded';

export interface RoadsideFrameSelection {
  input: RoadsideFrameInput;
  /** Vehicle capture − roadside capture, both on the vehicle clock, ms: the time roadside objects are moved by. */
  dtMs: number;
  verdict: RoadsideFrameVerdict;
}

/** Vehicle capture − roadside capture on the vehicle clock (roadside time = captureTimeNs − offsetNs), ms. */
export function roadsideDtMs(own: PerceptionFrame, input: RoadsideFrameInput): number {
  // Differences first: epoch-ns stamps (~1.7e18) are beyond exact doubles, their differences are not.
  return ((own.captureTimeNs - input.frame.captureTimeNs) + input.offsetNs) / NS_PER_MS;
}

/**
 * Which roadside frames `method` may use, with the reason for each: per RSU at most one, the one closest in
 * time to the vehicle frame (ties: the later capture), since two frames of one RSU are not independent
 * measurements and fusing both would count its view twice. Sorted by sourceId, then capture time.
 */
export function selectRoadsideFrames(
  method: 'intra' | 'inter',
  own: PerceptionFrame,
  roadside: readonly RoadsideFrameInput[],
  params: Partial<FusionParams> = {},
): RoadsideFrameSelection[] {
  return selectResolved(method, own, roadside, resolveFusionParams(params));
}

/** selectRoadsideFrames with params already resolved (the fusion methods resolve them once per frame). */
function selectResolved(
  method: 'intra' | 'inter',
  own: PerceptionFrame,
  roadside: readonly RoadsideFrameInput[],
  p: FusionParams,
): RoadsideFrameSelection[] {
  // Arrays here and below are built by push (shared/kernels/v8-shapes.ts, rule 3).
  const all: RoadsideFrameSelection[] = [];
  for (const input of roadside) {
    const dtMs = roadsideDtMs(own, input);
    const verdict = input.frame.mapFrame !== own.mapFrame ? 'map-frame' : windowVerdict(method, dtMs, p);
    all.push({ input, dtMs, verdict });
  }
  const best = new Map<string, RoadsideFrameSelection>();
  for (const s of all) {
    if (s.verdict !== 'used') continue;
    const id = s.input.frame.sourceId;
    const prev = best.get(id);
    if (prev === undefined || Math.abs(s.dtMs) < Math.abs(prev.dtMs) || (Math.abs(s.dtMs) === Math.abs(prev.dtMs) && s.dtMs < prev.dtMs)) {
      best.set(id, s);
    }
  }
  for (const s of all) if (s.verdict === 'used' && best.get(s.input.frame.sourceId) !== s) s.verdict = 'superseded';
  return all.sort((a, b) => compareStrings(a.input.frame.sourceId, b.input.frame.sourceId) || (b.dtMs - a.dtMs || 0));
}

function windowVerdict(method: 'intra' | 'inter', dtMs: number, p: FusionParams): RoadsideFrameVerdict {
  if (method === 'intra') return Math.abs(dtMs) <= p.vehicleFramePeriodMs / 2 ? 'used' : 'not-same-instant';
  // Negated comparisons: a NaN dt (corrupt stamp or offset) is never used.
  if (!(dtMs <= p.maxPredictionHorizonMs)) return 'too-old';
  if (!(dtMs >= -p.vehicleFramePeriodMs)) return 'from-future';
  return 'used';
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Output order: the vehicle's own objects (first source = the vehicle) first, then by first source id, then
 * track id, then the full provenance: deterministic whatever the input order. */
function sortFused(objects: FusedObject[], ownId: string): FusedObject[] {
  const key = (o: FusedObject): string => o.sources.map((s) => `${s.sourceId}\u0000${s.trackId}`).join('\u0001');
  return objects.sort((a, b) => {
    const sa = a.sources[0]?.sourceId ?? '';
    const sb = b.sources[0]?.sourceId ?? '';
    return Number(sa !== ownId) - Number(sb !== ownId) || compareStrings(sa, sb) || a.trackId - b.trackId || compareStrings(key(a), key(b));
  });
}

/** A corrupt remote track (non-finite state or covariance) is dropped rather than fused or shown. */
function isFiniteEstimate(o: DetectedObject): boolean {
  // Written out, not [...].every(Number.isFinite): this runs for every roadside object of every frame.
  if (!(Number.isFinite(o.xM) && Number.isFinite(o.yM) && Number.isFinite(o.vxMps) && Number.isFinite(o.vyMps)
    && Number.isFinite(o.headingRad) && Number.isFinite(o.yawRateRadps))) return false;
  const c = o.covariance;
  if (c === null) return true;
  for (const v of c) if (!Number.isFinite(v)) return false;
  return true;
}

/**
 * Whether an object's position is known well enough to be worth showing: the larger standard deviation of its
 * (x, y) covariance (largest eigenvalue of the 2x2 block) at most maxStdM. A null covariance is the source's
 * default, placeable.
 */
export function placeable(o: DetectedObject, maxStdM: number): boolean {
  const c = o.covariance;
  if (c === null) return true;
  const a = c[0]!;
  const b = c[1]!;
  const d = c[4]!;
  const largest = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
  return largest <= maxStdM * maxStdM;
}

function withCovariance(o: DetectedObject, fallback: StateCovariance): DetectedObject {
  return o.covariance === null ? detectedObjectWith(o, fallback) : o;
}

/** The vehicle's objects as FusedObjects of `method`, null covariances filled with the vehicle default. */
export function ownObjects(own: PerceptionFrame, method: FusionMethod, p: FusionParams): FusedObject[] {
  const out: FusedObject[] = [];
  for (const object of own.objects) {
    out.push(singleSourceObject({ sourceId: own.sourceId, object, defaultCovariance: p.defaultVehicleCovariance }, method));
  }
  return out;
}

/**
 * How fuseSequentially combines a pair: a Gaussian rule; 'keep-current' (planning completion: a match only removes
 * the roadside object); or 'own-information' (inter): associate and fuse by covariance intersection, then
 * re-estimate every object that ends up as the vehicle's own object and exactly one roadside track in information
 * form. The vehicle measures at its own instant, so its error is independent of the roadside track's, prediction
 * included (the predicted covariance carries the unmodelled manoeuvre); CI's single ω, pulled by the velocity block
 * the prediction inflates, gave the position to the vehicle's noisier detection. Two roadside tracks moved across
 * about the same delay share the manoeuvre, so objects with several stay CI. Association itself stays on CI's
 * covariances: the information form's smaller one made the next RSU's gate reject that RSU's view of the object
 * whenever the sensors' box centres differ by a few tenths of a metre (docs/association-and-fusion.md).
 */
export type PairRule = GaussianRule | 'keep-current' | 'own-information';

/**
 * Fuses the used roadside frames into the vehicle's objects one RSU after the other (vehicle ⊕ rsu1, then that
 * ⊕ rsu2, in sourceId order): each step associates the current list (vehicle objects and roadside-only objects
 * found so far) with one RSU's objects moved to the vehicle's instant, fuses the pairs by `rule`, and appends that
 * RSU's unmatched objects with the RSU as their only source. An object two RSUs see in the vehicle's blind zone
 * thus ends up as one object with both RSUs as sources.
 */
export function fuseSequentially(
  own: PerceptionFrame,
  frames: readonly RoadsideFrameSelection[],
  method: FusionMethod,
  rule: PairRule,
  p: FusionParams,
): FusedObject[] {
  // Updated in place: each pair replaces its own `a` entry only, and unmatched roadside objects are appended.
  const current = ownObjects(own, method, p);
  const ownFused = current.slice();
  const pairRule = rule;
  const gaussianRule: GaussianRule | 'keep-current' = rule === 'own-information' ? 'covariance-intersection' : rule;
  /** Own objects (by index) fused with a roadside object, and the first one they were fused with. */
  const firstRoadside = new Map<number, DetectedObject>();
  const association: AssociationParams = {
    defaultCovarianceA: p.defaultVehicleCovariance,
    defaultCovarianceB: p.defaultRoadsideCovariance,
    gateProbability: p.gateProbability,
  };
  const gateD2 = chiSquareGate(p.gateProbability, GATE_SUBSTATE_INDICES.position.length);
  for (const { input, dtMs } of frames) {
    const rsu = input.frame;
    const dtS = dtMs / 1000;
    // Fill the default before predicting so the motion model inflates it (a null covariance stays null).
    const objects: DetectedObject[] = [];
    for (const o of rsu.objects) {
      if (!isFiniteEstimate(o)) continue;
      const filled = withCovariance(o, p.defaultRoadsideCovariance);
      // predictObject's result copied into the one DetectedObject literal (shared/kernels/v8-shapes.ts, rule 1).
      const moved = dtS === 0 ? filled : predictObject(filled, dtS, p.predict);
      // Too uncertain to place (intra, inter): neither fused nor shown. Planning completion has its own rule
      // (advisory validity) for objects predicted across seconds.
      if (method !== 'planning' && !placeable(moved, p.maxPositionStdM)) continue;
      if (dtS === 0) objects.push(filled);
      else objects.push(detectedObjectWith(moved, moved.covariance));
    }
    const rows = gateCandidates(current, objects, gateD2, association.defaultCovarianceA, association.defaultCovarianceB);
    const { pairs, unmatchedB } = associateRows(current, objects, rows, association);
    if (gaussianRule !== 'keep-current') {
      for (const { a, b } of pairs) {
        if (pairRule === 'own-information' && current[a]!.sources.length === 1 && current[a]!.sources[0]!.sourceId === own.sourceId) {
          firstRoadside.set(a, objects[b]!);
        }
        current[a] = fuseObjects(
          { sourceId: own.sourceId, object: current[a]!, defaultCovariance: p.defaultVehicleCovariance },
          { sourceId: rsu.sourceId, object: objects[b]!, defaultCovariance: p.defaultRoadsideCovariance },
          { rule: gaussianRule as GaussianRule, method },
        );
      }
    }
    for (const b of unmatchedB) {
      current.push(singleSourceObject({ sourceId: rsu.sourceId, object: objects[b]!, defaultCovariance: p.defaultRoadsideCovariance }, method));
    }
  }
  // The vehicle's object and a single roadside track: re-estimated in information form (independent errors, see
  // PairRule); associations above were made with CI's covariances, which a bias between sensors does not break.
  for (const [a, rsuObject] of firstRoadside) {
    const o = current[a]!;
    if (o.sources.length !== 2) continue;
    current[a] = fuseObjects(
      { sourceId: own.sourceId, object: ownFused[a]!, defaultCovariance: p.defaultVehicleCovariance },
      { sourceId: o.sources[1]!.sourceId, object: rsuObject, defaultCovariance: p.defaultRoadsideCovariance },
      { rule: 'information', method },
    );
  }
  return finish(current, own.sourceId, p);
}

/**
 * associate(a, b) knowing that only `rows` of `a` (ascending; null: unknown) can pass the gate with any object of
 * `b`: associating those rows alone gives the same pairs (rows without a gated edge are isolated in the gating
 * graph, and shared/association/components.ts solves each cluster on its own, in index order), at a cost that
 * grows with the rows actually near this RSU's objects rather than with everything fused so far.
 */
function associateRows(
  a: readonly FusedObject[], b: readonly DetectedObject[], rows: number[] | null, params: AssociationParams,
): Pick<AssociationResult, 'pairs' | 'unmatchedB'> {
  if (rows === null || rows.length === a.length) return associate(a, b, params);
  if (rows.length === 0) {
    const unmatchedB: number[] = [];
    for (let j = 0; j < b.length; j++) unmatchedB.push(j);
    return { pairs: [], unmatchedB };
  }
  const nearA: FusedObject[] = [];
  for (const i of rows) nearA.push(a[i]!);
  const near = associate(nearA, b, params);
  const pairs: AssociationPair[] = [];
  for (const q of near.pairs) pairs.push({ a: rows[q.a]!, b: q.b, distance2: q.distance2 });
  return { pairs, unmatchedB: near.unmatchedB };
}

/**
 * The rows of `a` that may pass the association gate with some object of `b`, ascending; null when a non-finite
 * position or variance (or a negative variance) leaves that to associate(). The gate
 * (shared/association/gating.ts) accepts d2 = rᵀ S⁻¹ r ≤ gateD2 over [x, y], S = Pa + Pb, diagonal-loaded by 1e-9
 * of its largest diagonal entry (1 if zero) when singular; for any positive-definite S, d2 ≥ rx² / Sxx and
 * d2 ≥ ry² / Syy. So a pair whose |rx| or |ry| exceeds the reach of that axis cannot gate; the margins (twice the
 * gate, 1e-6 relative and absolute load) dwarf rounding.
 */
function gateCandidates(
  a: readonly DetectedObject[], b: readonly DetectedObject[], gateD2: number,
  defaultA: StateCovariance, defaultB: StateCovariance,
): number[] | null {
  for (const o of b) if (!hasFinitePosition(o, defaultB)) return null;
  const rows: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const oa = a[i]!;
    if (!hasFinitePosition(oa, defaultA)) return null;
    if (mayGateWithAny(oa, oa.covariance ?? defaultA, b, gateD2, defaultB)) rows.push(i);
  }
  return rows;
}

function mayGateWithAny(
  oa: DetectedObject, ca: StateCovariance, b: readonly DetectedObject[], gateD2: number, defaultB: StateCovariance,
): boolean {
  for (const ob of b) {
    const cb = ob.covariance ?? defaultB;
    const sxx = ca[0]! + cb[0]!; // packed [0] = xx, [4] = yy
    const syy = ca[4]! + cb[4]!;
    const load = 1e-6 * (sxx + syy) + 1e-6;
    const rx = ob.xM - oa.xM;
    const ry = ob.yM - oa.yM;
    if (rx * rx <= 2 * gateD2 * (sxx + load) && ry * ry <= 2 * gateD2 * (syy + load)) return true;
  }
  return false;
}

function hasFinitePosition(o: DetectedObject, fallback: StateCovariance): boolean {
  const c = o.covariance ?? fallback;
  return Number.isFinite(o.xM) && Number.isFinite(o.yM) && c[0]! >= 0 && c[4]! >= 0
    && Number.isFinite(c[0]) && Number.isFinite(c[4]);
}

/** Drops objects below minExistenceProbability and sorts the rest into the output order. */
export function finish(objects: FusedObject[], ownId: string, p: FusionParams): FusedObject[] {
  const kept: FusedObject[] = [];
  for (const o of objects) if (o.existenceProbability >= p.minExistenceProbability) kept.push(o);
  return sortFused(kept, ownId);
}

/** The frames `method` uses: per RSU at most one, within the method's time window (selectRoadsideFrames). */
export function usedFrames(method: 'intra' | 'inter', own: PerceptionFrame, roadside: readonly RoadsideFrameInput[], p: FusionParams): RoadsideFrameSelection[] {
  const used: RoadsideFrameSelection[] = [];
  for (const s of selectResolved(method, own, roadside, p)) if (s.verdict === 'used') used.push(s);
  return used;
}

/** Whether `method` would use any of these frames: the window and map-frame test of selectRoadsideFrames, without
 * building the selection (a strategy asks this on every vehicle frame). */
export function hasUsedFrame(method: 'intra' | 'inter', own: PerceptionFrame, roadside: readonly RoadsideFrameInput[], p: FusionParams): boolean {
  for (const input of roadside) {
    if (input.frame.mapFrame === own.mapFrame && windowVerdict(method, roadsideDtMs(own, input), p) === 'used') return true;
  }
  return false;
}

/**
 * Everything a fusion method, or a strategy's choice of method, may use for one vehicle frame (VehicleCore.step
 * builds it once per frame and hands the same object to the strategy's pick and to the chosen method).
 */
export interface FrameInputs {
  own: PerceptionFrame;
  /** The freshest frame of each RSU heard, the ego's own track removed (withoutEgo), in the order heard. */
  frames: readonly RoadsideFrameInput[];
  /** Each RSU heard, by id: its last two frames as received (the ego not removed yet: see withoutEgo). */
  roadside: ReadonlyMap<string, RoadsideHistory>;
  /** The planning advisories held, by RSU, valid or not. */
  advisories: ReadonlyMap<string, HeldAdvisory>;
  /** The longest validity left among the held advisories at the own capture, ms; null when none is valid. */
  advisoryValidForMs: number | null;
  /** Each RSU link's state (LinkMonitor.health), what the adaptive criteria read. */
  links: readonly LinkHealth[];
  /** The input without the RSU's track of the ego, found by where the ego was at the input's capture. */
  withoutEgo(input: RoadsideFrameInput): RoadsideFrameInput;
  params: FusionParams;
}

/**
 * One fusion method as a strategy runs it: its fused objects for a frame, and whether its input is usable for
 * that frame (a fixed strategy falls back to vehicle-only when it is not). Each method module exports one.
 */
export interface FrameFuser {
  fuse(x: FrameInputs): FusedObject[];
  /** Why the method has nothing usable for this frame (logged as the fallback's reason), or null if it has. */
  unusable(x: FrameInputs): string | null;
}
