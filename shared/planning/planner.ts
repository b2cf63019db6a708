// Vehicle-side speed planner along a fixed path: the ego's own fused objects and the RSU's conflict zones become
// "blocks" (an arc-length interval per time sample), and a greedy forward pass picks, at every step, the largest
// acceleration after which the ego can still brake (at comfortDecel) so as to respect every block it yields to.
// Pure and deterministic: time is an argument, no randomness, fixed iteration counts and tie-breaks.
//
// Algorithm (see docs/planning.md for the guarantees):
// 1. Blocks. Each object is predicted at every step (CV by default), projected onto the path and is "in the
//    corridor" when |lateral| <= corridorHalfWidth + its half extent across the path (checked over each
//    inter-sample interval, so a crossing between samples still counts). Each time-contiguous stretch is a block
//    with, per sample j, a stop line U_j = rear of the object - ego half length - (standstill gap + timeGap x the
//    object's speed along the path). A zone (confidence >= minZoneConfidence) is a block over the samples covering
//    [tStart, tEnd] with U_j = startSM - ego half length - standstill gap.
// 2. Decision per block: pass before it or yield to it. The ego passes a block if, in the plan, its rear is
//    already beyond the block's far end timeGapS before the block starts (an object faster than the ego along the
//    path comes from behind: at its entry, without the time gap); otherwise it yields (s_j <= U_j on the
//    block's samples, and, for a block still active at the horizon's end, it must be able to stop before it, an
//    object's own braking distance at maxDecel credited). Start with no yields, plan, add every block not passed,
//    replan, until the set stops growing (at most #blocks + 1 plans; the set only grows).
// 3. Greedy pass. s, v at each step; acceleration a in [-comfortDecel, min(maxAccel, toward cruise)], the largest
//    one (bisection; viability is monotone in a) whose next state is viable: braking at comfortDecel from it keeps
//    s_j <= U_j at every later yield sample and ends able to stop before the terminal bound. If even braking at
//    comfortDecel is not viable ("emergency"), the safety tier: the largest a in [-maxDecel, -comfortDecel] that
//    keeps the standstill gaps alone (no time-gap term) under maxDecel braking, else -maxDecel.
import { wrapAngle } from '../geometry/angles.js';
import {
  pointAtArcLength, preparePolyline, projectToPolylineInto, type Polyline, type PolylineProjection,
} from '../geometry/polyline.js';
import type { Point2 } from '../geometry/transform.js';
import { boxHalfExtents } from '../model/classes.js';
import { detectedObjectWith, type DetectedObject } from '../model/types.js';
import { predictObject, selectMotionModel } from '../motion/predict.js';
import { nonPositiveFrom, nonPositiveTo, projectionJumps } from './corridor.js';

/** An advisory zone already on the vehicle clock and on this path's arc length. */
export interface PlannerZone {
  startSM: number;
  endSM: number;
  tStartNs: number;
  tEndNs: number;
  confidence: number;
}

export interface PlannerInput {
  /** Plan start, ns, vehicle clock. */
  timeNs: number;
  /** Route polyline, map frame. Must have a non-zero length. */
  path: Point2[];
  /** Arc length of the ego's box centre along the path, m. */
  egoSM: number;
  egoSpeedMps: number;
  /** Fused world at timeNs, map frame. */
  objects: DetectedObject[];
  zones: PlannerZone[];
}

export interface PlannerParams {
  horizonS: number;
  stepS: number;
  cruiseSpeedMps: number;
  maxAccelMps2: number;
  /** Braking the plan uses and plans to be able to use. */
  comfortDecelMps2: number;
  /** Braking used only when comfort braking can no longer avoid a block; also a lead object's assumed worst braking. */
  maxDecelMps2: number;
  /** Distance kept to a block's near end when stopped, m (ego front to object rear / zone start). */
  standstillGapM: number;
  /** Extra gap per m/s of the object's speed along the path (following distance), and how long before a block
   *  starts the ego must already have passed it, s. */
  timeGapS: number;
  /** Ego half width + lateral margin, m: an object whose box reaches within this of the path blocks it. */
  corridorHalfWidthM: number;
  egoLengthM: number;
  minZoneConfidence: number;
  /** 'cv': constant velocity; 'auto': predictObject's choice (CTRV for turning vehicle-like objects). */
  motionModel: 'cv' | 'auto';
  /**
   * An object slower than stationaryMaxSpeedMps whose velocity is also within this probability mass of zero
   * (chi-square gate on vx, vy with the object's velocity covariance) is predicted standing still: tracker noise on
   * a parked vehicle would otherwise drift it into the corridor over the horizon. 0 disables (every velocity taken
   * at face value).
   */
  stationaryGateProbability: number;
  /** Above this speed an object is taken as moving whatever its covariance says, m/s. */
  stationaryMaxSpeedMps: number;
}

export const DEFAULT_PLANNER_PARAMS: Readonly<PlannerParams> = Object.freeze({
  horizonS: 5,
  stepS: 0.1,
  cruiseSpeedMps: 13.9,
  maxAccelMps2: 1.5,
  comfortDecelMps2: 3,
  maxDecelMps2: 6,
  standstillGapM: 2.5,
  timeGapS: 1.0,
  corridorHalfWidthM: 1.8,
  egoLengthM: 4.6,
  minZoneConfidence: 0.3,
  motionModel: 'cv',
  stationaryGateProbability: 0.99,
  stationaryMaxSpeedMps: 0.5,
});

export type PlanLimit = 'cruise' | 'object' | 'zone';

export interface PlanPoint {
  /** Time since input.timeNs, s. */
  tS: number;
  /** Arc length of the ego's centre, m. */
  sM: number;
  /** Position on the path (extrapolated along the end segment past its end), map frame. */
  xM: number;
  yM: number;
  vMps: number;
  /** Acceleration commanded from this point to the next (for the last point: the next step's), m/s². */
  aMps2: number;
}

/** The decision on one object: yield to it, or pass before it (objects whose prediction never blocks the path have none). */
export interface PlanDecision {
  /** Index into PlannerInput.objects. */
  objectIndex: number;
  /** True when the plan yields to (at least one of) its blocks. */
  yielded: boolean;
}

/** Decisions carried over from the previous cycle (decision-memory.ts): the planner itself stays stateless. */
export interface HeldYields {
  /** Indices into PlannerInput.objects of the objects the previous plan yielded to. */
  objectIndices: ReadonlySet<number>;
  /** A held yield is dropped only if the plan passes the object this much earlier than the time gap asks, s. */
  releaseMarginS: number;
  /** A held object blocks the path while within corridorHalfWidthM + this of it, m. */
  releaseLateralMarginM: number;
}

export interface Plan {
  timeNs: number;
  /** Per object with a block in the horizon, in input order. */
  decisions: PlanDecision[];
  /** One point per step over the horizon, t = 0 included: round(horizonS / stepS) + 1 points. */
  points: PlanPoint[];
  /** What first held the acceleration below the cruise target: nothing ('cruise'), an object or a zone. */
  limitedBy: PlanLimit;
  /** Where the plan ends at standstill (ego centre arc length), when it does. */
  stopSM?: number;
  /**
   * True when, at some step, the full gaps could no longer be kept with comfort braking: the plan then brakes at
   * least at comfortDecel, and up to maxDecel as needed to keep the standstill gaps.
   */
  emergency: boolean;
}

/** A block as the greedy pass sees it. */
interface Block {
  kind: 'object' | 'zone';
  /** Index into PlannerInput.objects (-1 for zones). */
  objectIndex: number;
  /** First and last sample index it is active on. */
  first: number;
  last: number;
  /** Stop line for the ego centre per active sample (index j - first), m. */
  stopLineM: number[];
  /** Bound at the horizon's end (stop-line + credit) when active there, else Infinity. */
  terminalM: number;
  /** The same with the standstill gap only (no time-gap term): what emergency braking still protects. */
  safetyStopLineM: number[];
  safetyTerminalM: number;
  /** The ego passes the block if its rear is beyond passHiM at sample passSample. */
  passSample: number;
  passHiM: number;
  /**
   * The block's speed along the path when it starts (objects; -Infinity for zones). Faster than the ego there, it
   * comes from behind (a merge or cut-in behind the ego): passed if the ego is ahead of it when it enters, without
   * the time gap, since braking for it would only bring the ego back into its way.
   */
  entrySpeedMps: number;
}

interface TieredBounds {
  /** Full gaps, kept with comfort braking: what the plan normally respects. */
  comfort: Bounds;
  /** Standstill gaps only, kept with up to maxDecel: used once comfort braking is no longer enough. */
  safety: Bounds;
}

/** Aggregated bounds of the yielded blocks: per sample the tightest stop line and its kind. */
interface Bounds {
  stopLineM: number[];
  kind: PlanLimit[];
  terminalM: number;
  terminalKind: PlanLimit;
  /** suffixMinM[j] = min(stopLineM[j..n], terminalM): a full stop behind it satisfies everything from j on. */
  suffixMinM: number[];
  /** Samples with a finite stop line, ascending. */
  active: number[];
  /** activeFrom[k] = index in active of the first active sample >= k (active.length if none), k = 0..n + 1. */
  activeFrom: number[];
}

/**
 * Whether the object is taken as standing still: its speed is at most maxSpeedMps and its velocity is
 * statistically indistinguishable from zero, v' Σv⁻¹ v within the chi-square gate of `probability` (2 dof:
 * -2 ln(1 - p), 9.21 at 0.99), Σv the velocity block of its covariance. The speed bound keeps a walking pedestrian
 * with a loose velocity covariance (σ 0.5 m/s does not reject zero at 1.4 m/s) moving. Without a usable covariance
 * (null, or not positive definite) the velocity is taken at face value.
 */
export function isStationary(obj: DetectedObject, probability: number, maxSpeedMps = Infinity): boolean {
  if (!(probability > 0) || obj.covariance === null) return false;
  // Clearly faster than maxSpeedMps (by a factor 2, far beyond rounding; no underflow above 1e-100) without the
  // slow Math.hypot.
  const v2 = obj.vxMps * obj.vxMps + obj.vyMps * obj.vyMps;
  if (maxSpeedMps >= 1e-100 && v2 > 4 * maxSpeedMps * maxSpeedMps) return false;
  if (!(Math.hypot(obj.vxMps, obj.vyMps) <= maxSpeedMps)) return false;
  const c = obj.covariance;
  const [a, b, d] = [c[7], c[8], c[9]];
  const det = a * d - b * b;
  if (!(a > 0 && det > 0)) return false;
  const vx = obj.vxMps;
  const vy = obj.vyMps;
  const m2 = (d * vx * vx - 2 * b * vx * vy + a * vy * vy) / det;
  return m2 <= -2 * Math.log(1 - probability);
}

/** Comparison slack, m: floating-point rounding must not turn a viable braking continuation into a violation. */
const EPS_M = 1e-9;
/** A start from standstill slower than this (m/s after one step) is rounded to staying stopped: no creeping. */
const MIN_START_MPS = 1e-3;
const BISECTION_ITERATIONS = 50;

export function planSpeedProfile(input: PlannerInput, params: PlannerParams = DEFAULT_PLANNER_PARAMS, held?: HeldYields): Plan {
  validate(input, params);
  const line = preparePolyline(input.path);
  if (line.lengthM === 0) throw new RangeError('planner path has zero length');
  const n = Math.max(1, Math.round(params.horizonS / params.stepS));
  const geometry = pathGeometry(line);
  const blocks: Block[] = [];
  const buffers = sampleBuffers(n);
  // A held object keeps blocking until clearly out of the corridor: a wider corridor for it (hysteresis in space).
  const heldParams = held ? { ...params, corridorHalfWidthM: params.corridorHalfWidthM + held.releaseLateralMarginM } : params;
  for (let i = 0; i < input.objects.length; i++) {
    const p = held?.objectIndices.has(i) ? heldParams : params;
    objectBlocks(input.objects[i]!, i, geometry, n, p, buffers, blocks);
  }
  for (const z of input.zones) blocks.push(...zoneBlock(z, input.timeNs, n, params));

  // Yield-set fixed point: a block the plan does not pass before it starts becomes a yield; a held yield also one
  // the plan does not pass with releaseMargin to spare (the decision is kept until the pass is clear).
  const yielded = zeros(blocks.length);
  const marginSamples = held ? Math.ceil(held.releaseMarginS / params.stepS - 1e-9) : 0;
  const earlier = (b: Block) => (held && b.objectIndex >= 0 && held.objectIndices.has(b.objectIndex) ? marginSamples : 0);
  let result = greedy(input, params, n, tieredBounds(blocks, yielded, n));
  for (;;) {
    // Judged on one plan: the blocks not passed are found first, then all added.
    const added: number[] = [];
    for (let i = 0; i < blocks.length; i++) if (yielded[i] === 0 && !passes(blocks[i]!, result, params, earlier(blocks[i]!))) added.push(i);
    if (added.length === 0) break;
    for (const i of added) yielded[i] = 1;
    result = greedy(input, params, n, tieredBounds(blocks, yielded, n));
  }

  const points: PlanPoint[] = [];
  for (let k = 0; k < result.sM.length; k++) {
    const sM = result.sM[k]!;
    const p = pointAtArcLength(line, sM, EXTEND_ENDS);
    points.push({ tS: k * params.stepS, sM, xM: p.xM, yM: p.yM, vMps: result.vMps[k]!, aMps2: result.aMps2[k]! });
  }
  const last = points[points.length - 1]!;
  const decisions: PlanDecision[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.objectIndex < 0) continue;
    const prev = decisions[decisions.length - 1];
    if (prev?.objectIndex === b.objectIndex) prev.yielded ||= yielded[i] === 1;
    else decisions.push({ objectIndex: b.objectIndex, yielded: yielded[i] === 1 });
  }
  const plan: Plan = { timeNs: input.timeNs, decisions, points, limitedBy: result.limitedBy, emergency: result.emergency };
  if (last.vMps === 0) plan.stopSM = last.sM;
  return plan;
}

/** Whether the plan passes the block, earlierSamples before the test normally asks (clamped at t = 0). */
function passes(b: Block, plan: GreedyResult, params: PlannerParams, earlierSamples = 0): boolean {
  const at = Math.max(0, (b.entrySpeedMps > plan.vMps[b.first]! ? b.first : b.passSample) - earlierSamples);
  return plan.sM[at]! - params.egoLengthM / 2 >= b.passHiM;
}

interface GreedyResult {
  sM: number[];
  vMps: number[];
  aMps2: number[];
  limitedBy: PlanLimit;
  emergency: boolean;
}

function greedy(input: PlannerInput, p: PlannerParams, n: number, tiers: TieredBounds): GreedyResult {
  const dt = p.stepS;
  const sM = [input.egoSM];
  const vMps = [Math.max(0, input.egoSpeedMps)];
  const aMps2: number[] = [];
  let limitedBy: PlanLimit = 'cruise';
  let emergency = false;
  const candidates = zeros(n + 1);
  for (let k = 0; k <= n; k++) {
    const s = sM[k]!;
    const v = vMps[k]!;
    // New accelerations must be strictly viable (slack 0); the braking continuation of a viable state gets EPS_M
    // for rounding. Otherwise the slack would be spent again at every step and the state would drift past a bound.
    const comfortDecel = p.comfortDecelMps2;
    const aHi = Math.min(p.maxAccelMps2, Math.max((p.cruiseSpeedMps - v) / dt, -comfortDecel));
    let a: number;
    if (viableAfter(s, v, aHi, dt, k + 1, comfortDecel, 0, tiers.comfort)) a = aHi;
    else {
      if (limitedBy === 'cruise') {
        const [s1, v1] = step(s, v, aHi, dt);
        limitedBy = bindingKind(s1, v1, k + 1, comfortDecel, tiers.comfort, dt);
      }
      if (viableAfter(s, v, -comfortDecel, dt, k + 1, comfortDecel, EPS_M, tiers.comfort)) {
        a = largestViableAccel(s, v, -comfortDecel, aHi, dt, k + 1, comfortDecel, tiers.comfort, candidates);
      } else {
        // Safety tier: brake at least at comfort, and as hard as needed (up to maxDecel) to keep the standstill
        // gap; the time-gap part of a violated gap is restored at that rate rather than by full braking.
        emergency = true;
        const hardLo = -p.maxDecelMps2;
        const hardHi = -comfortDecel;
        const maxDecel = p.maxDecelMps2;
        a = viableAfter(s, v, hardLo, dt, k + 1, maxDecel, EPS_M, tiers.safety)
          ? largestViableAccel(s, v, hardLo, hardHi, dt, k + 1, maxDecel, tiers.safety, candidates)
          : hardLo;
      }
    }
    if (v === 0 && a > 0 && a * dt < MIN_START_MPS) a = 0;
    aMps2.push(v === 0 && a < 0 ? 0 : a);
    if (k < n) {
      const [s1, v1] = step(s, v, a, dt);
      sM.push(s1);
      vMps.push(v1);
    }
  }
  return { sM, vMps, aMps2, limitedBy, emergency };
}

/**
 * Largest a in [lo, hi] whose next state is viable (slack 0), or lo, by bisection (viability is monotone in a).
 * Each test is viableAfter(sM, vMps, mid, dtS, kNext, decel, 0, b), but checks only the stop lines that can still
 * fail: the braked reach at every sample grows with a (s and v after the step both do), so a stop line kept with
 * PRUNE_MARGIN_M to spare at a midpoint that failed (the new upper end) is kept at every later midpoint (all below
 * it) and is dropped. Same midpoints, same answers, same result; this runs ~50 tests per constrained step.
 */
function largestViableAccel(
  sM: number, vMps: number, lo: number, hi: number, dtS: number, kNext: number, decel: number, b: Bounds, candidates: number[],
): number {
  let count = 0;
  for (const j of b.active) if (j >= kNext) candidates[count++] = j;
  const nearestM = b.suffixMinM[kNext] ?? b.terminalM;
  for (let i = 0; i < BISECTION_ITERATIONS; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    // The state one step of mid later and its full stop, as viableAfter and viable compute them (slack 0).
    let s1: number;
    let v1 = vMps + mid * dtS;
    if (v1 >= 0) s1 = sM + vMps * dtS + 0.5 * mid * dtS * dtS;
    else {
      s1 = sM + (vMps * vMps) / (-2 * mid);
      v1 = 0;
    }
    const stopM = s1 + (v1 * v1) / (2 * decel);
    let ok: boolean;
    if (stopM <= nearestM + 0) ok = true;
    else if (stopM > b.terminalM + 0) ok = false;
    else {
      const jStop = firstStoppedSample(v1, kNext, decel, dtS, b.stopLineM.length);
      ok = !(jStop < b.stopLineM.length && stopM > b.suffixMinM[jStop]! + 0)
        && !violatesAny(s1, v1, kNext, jStop, decel, b, dtS, candidates, count);
      if (!ok) count = keepTight(s1, v1, kNext, decel, b, dtS, candidates, count);
    }
    if (ok) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Rounding bound for the pruning above, m: the reach's rounding error is orders of magnitude below it. */
const PRUNE_MARGIN_M = 1e-6;

/**
 * Does braking at decel from (s, v) at kNext overshoot one of the first count candidate stop lines before jStop
 * (slack 0)? The candidates ascend.
 */
function violatesAny(
  sM: number, vMps: number, kNext: number, jStop: number, decel: number, b: Bounds, dtS: number, candidates: number[], count: number,
): boolean {
  for (let c = 0; c < count; c++) {
    const j = candidates[c]!;
    if (j >= jStop) return false;
    if (brakedReach(sM, vMps, (j - kNext) * dtS, decel) > b.stopLineM[j]! + 0) return true;
  }
  return false;
}

/** Keeps (in place, in order) the candidates whose stop line the braked reach comes within PRUNE_MARGIN_M of. */
function keepTight(
  sM: number, vMps: number, kNext: number, decel: number, b: Bounds, dtS: number, candidates: number[], count: number,
): number {
  let kept = 0;
  for (let c = 0; c < count; c++) {
    const j = candidates[c]!;
    if (brakedReach(sM, vMps, (j - kNext) * dtS, decel) > b.stopLineM[j]! - PRUNE_MARGIN_M) candidates[kept++] = j;
  }
  return kept;
}

/** Exact kinematics of one step at constant a; a stop inside the step holds at zero (never reverses). */
function step(sM: number, vMps: number, a: number, dtS: number): [number, number] {
  const v1 = vMps + a * dtS;
  if (v1 >= 0) return [sM + vMps * dtS + 0.5 * a * dtS * dtS, v1];
  return [sM + (vMps * vMps) / (-2 * a), 0];
}

/**
 * viable() for the state one step of acceleration a after (sM, vMps): step() inlined, since the bisection calls
 * this thousands of times per plan (no tuple, no per-step closure).
 */
function viableAfter(sM: number, vMps: number, a: number, dtS: number, kNext: number, decel: number, slackM: number, b: Bounds): boolean {
  const v1 = vMps + a * dtS;
  if (v1 >= 0) return viable(sM + vMps * dtS + 0.5 * a * dtS * dtS, v1, kNext, decel, slackM, b, dtS);
  return viable(sM + (vMps * vMps) / (-2 * a), 0, kNext, decel, slackM, b, dtS);
}

/** Position reached after braking at decel for dtS (to rest if it stops first); Infinity = until rest. */
function brakedReach(sM: number, vMps: number, dtS: number, decel: number): number {
  if (vMps <= decel * dtS) return sM + (vMps * vMps) / (2 * decel);
  return sM + vMps * dtS - 0.5 * decel * dtS * dtS;
}

/** Does braking at decel from (s, v) at sample kNext keep every later bound (within slackM)? */
function viable(sM: number, vMps: number, kNext: number, decel: number, slackM: number, b: Bounds, dtS: number): boolean {
  const stopM = sM + (vMps * vMps) / (2 * decel);
  // Fast path: stopping outright stays behind the nearest remaining bound (the braked reach never exceeds it).
  if (stopM <= (b.suffixMinM[kNext] ?? b.terminalM) + slackM) return true;
  if (stopM > b.terminalM + slackM) return false;
  const samples = b.stopLineM.length;
  const jStop = firstStoppedSample(vMps, kNext, decel, dtS, samples);
  if (jStop < samples && stopM > b.suffixMinM[jStop]! + slackM) return false;
  for (let i = b.activeFrom[kNext] ?? b.active.length; i < b.active.length; i++) {
    const j = b.active[i]!;
    if (j >= jStop) break;
    if (brakedReach(sM, vMps, (j - kNext) * dtS, decel) > b.stopLineM[j]! + slackM) return false;
  }
  return true;
}

/**
 * First sample j >= kNext at which braking at decel from vMps (from kNext on) has stopped, by brakedReach's own
 * test (vMps <= decel (j - kNext) dtS, monotone in j); samples (one past the last) if none. From there on the
 * braked reach is the full stop, brakedReach's first branch being the very expression of stopM, so viable checks
 * those stop lines through their minimum (suffixMinM; the terminal bound in it is already checked, and x + slack
 * rounds monotonically) instead of one by one: O(1) when the ego is slow or stopped.
 */
function firstStoppedSample(vMps: number, kNext: number, decel: number, dtS: number, samples: number): number {
  const maxSteps = Math.max(0, samples - kNext);
  let m = Math.min(maxSteps, Math.max(0, Math.ceil(vMps / (decel * dtS))));
  if (!(m >= 0)) m = 0;
  while (m > 0 && vMps <= decel * ((m - 1) * dtS)) m--;
  while (m < maxSteps && !(vMps <= decel * (m * dtS))) m++;
  return kNext + m;
}

/** Kind of the bound that braking at decel from (s, v) overshoots most (for Plan.limitedBy). */
function bindingKind(sM: number, vMps: number, kNext: number, decel: number, b: Bounds, dtS: number): PlanLimit {
  let worst = b.terminalM === Infinity ? -Infinity : sM + (vMps * vMps) / (2 * decel) - b.terminalM;
  let kind: PlanLimit = b.terminalKind;
  for (const j of b.active) {
    if (j < kNext) continue;
    const e = brakedReach(sM, vMps, (j - kNext) * dtS, decel) - b.stopLineM[j]!;
    if (e > worst) {
      worst = e;
      kind = b.kind[j]!;
    }
  }
  return kind;
}

const EXTEND_ENDS = Object.freeze({ extendEnds: true });

function tieredBounds(blocks: readonly Block[], yielded: readonly number[], n: number): TieredBounds {
  return { comfort: aggregate(blocks, yielded, n, 'comfort'), safety: aggregate(blocks, yielded, n, 'safety') };
}

/** The tier's bounds of the yielded blocks (yielded[i] = 1). */
function aggregate(blocks: readonly Block[], yielded: readonly number[], n: number, tier: 'comfort' | 'safety'): Bounds {
  const out: Bounds = {
    stopLineM: new Array<number>(n + 1).fill(Infinity),
    kind: new Array<PlanLimit>(n + 1).fill('cruise'),
    terminalM: Infinity,
    terminalKind: 'cruise',
    suffixMinM: new Array<number>(n + 1).fill(Infinity),
    active: [],
    activeFrom: zeros(n + 2),
  };
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (yielded[i] === 0) continue;
    const lines = tier === 'comfort' ? b.stopLineM : b.safetyStopLineM;
    const terminalM = tier === 'comfort' ? b.terminalM : b.safetyTerminalM;
    for (let j = b.first; j <= b.last; j++) {
      const u = lines[j - b.first]!;
      if (u < out.stopLineM[j]!) {
        out.stopLineM[j] = u;
        out.kind[j] = b.kind;
      }
    }
    if (terminalM < out.terminalM) {
      out.terminalM = terminalM;
      out.terminalKind = b.kind;
    }
  }
  let min = out.terminalM;
  for (let j = n; j >= 0; j--) {
    min = Math.min(min, out.stopLineM[j]!);
    out.suffixMinM[j] = min;
  }
  for (let j = 0; j <= n; j++) {
    out.activeFrom[j] = out.active.length;
    if (out.stopLineM[j] !== Infinity) out.active.push(j);
  }
  out.activeFrom[n + 1] = out.active.length;
  return out;
}

/** A number[] of zeros. Plain arrays: typed arrays this size get an off-heap store, slow to allocate per plan. */
function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}

/** One object's samples as parallel arrays (index = sample j), allocated once per plan and reused per object. */
interface SampleBuffers {
  sM: number[];
  lateralM: number[];
  halfAlongM: number[];
  corridorM: number[];
  vAlongMps: number[];
  xM: number[];
  yM: number[];
  /** 1 when the object is in the corridor at sample j or in an adjacent inter-sample interval. */
  occupied: number[];
  projection: PolylineProjection;
}

function sampleBuffers(n: number): SampleBuffers {
  return {
    sM: zeros(n + 1), lateralM: zeros(n + 1), halfAlongM: zeros(n + 1), corridorM: zeros(n + 1), vAlongMps: zeros(n + 1),
    xM: zeros(n + 1), yM: zeros(n + 1), occupied: zeros(n + 1),
    projection: { sM: 0, lateralM: 0, segmentIndex: 0, xM: 0, yM: 0 },
  };
}

/** Appends the object's blocks to out. */
/** The object held still (no velocity, no turn), as one DetectedObject literal (detectedObjectWith). */
function stopped(o: DetectedObject): DetectedObject {
  const still = detectedObjectWith(o, o.covariance);
  still.vxMps = 0;
  still.vyMps = 0;
  still.yawRateRadps = 0;
  return still;
}

function objectBlocks(input: DetectedObject, objectIndex: number, path: PathGeometry, n: number, p: PlannerParams, buf: SampleBuffers, out: Block[]): void {
  if (!(Number.isFinite(input.xM) && Number.isFinite(input.yM) && Number.isFinite(input.vxMps) && Number.isFinite(input.vyMps)
    && Number.isFinite(input.headingRad) && Number.isFinite(input.yawRateRadps))) return;
  // The stationary copy as one DetectedObject literal (shared/kernels/v8-shapes.ts, rule 1).
  const obj: DetectedObject = isStationary(input, p.stationaryGateProbability, p.stationaryMaxSpeedMps) ? stopped(input) : input;
  const straight = p.motionModel === 'cv' || selectMotionModel(obj) === 'cv';
  if (straight && neverNearCorridor(obj, path, n * p.stepS, p)) return;
  sampleObject(obj, straight, path, n, p, buf);
  markOccupied(buf, n);
  const { sM, halfAlongM, vAlongMps, occupied } = buf;
  const halfEgo = p.egoLengthM / 2;
  for (let j = 0; j <= n; ) {
    if (occupied[j] === 0) {
      j++;
      continue;
    }
    const first = j;
    while (j + 1 <= n && occupied[j + 1] === 1) j++;
    const last = j;
    j++;
    const safetyStopLineM: number[] = [];
    const stopLineM: number[] = [];
    for (let q = first; q <= last; q++) {
      const safetyM = sM[q]! - halfAlongM[q]! - halfEgo - p.standstillGapM;
      safetyStopLineM.push(safetyM);
      stopLineM.push(safetyM - p.timeGapS * Math.max(0, vAlongMps[q]!));
    }
    const creditM = Math.max(0, vAlongMps[last]!) ** 2 / (2 * p.maxDecelMps2);
    out.push({
      kind: 'object',
      objectIndex,
      first,
      last,
      stopLineM,
      terminalM: last === n ? stopLineM[stopLineM.length - 1]! + creditM : Infinity,
      safetyStopLineM,
      safetyTerminalM: last === n ? safetyStopLineM[safetyStopLineM.length - 1]! + creditM : Infinity,
      passSample: Math.max(0, first - Math.ceil(p.timeGapS / p.stepS - 1e-9)),
      passHiM: sM[first]! + halfAlongM[first]!,
      entrySpeedMps: vAlongMps[first]!,
    });
  }
}

/** Predicts the object at every sample (CV, or predictObject's model), projects it onto the path, fills buf. */
function sampleObject(obj: DetectedObject, straight: boolean, path: PathGeometry, n: number, p: PlannerParams, buf: SampleBuffers): void {
  // Per path segment: the box's extents and the speed along it are the same at every sample of a CV object.
  const perSegment = straight ? new Array<{ halfAlongM: number; halfAcrossM: number; vAlongMps: number } | undefined>(path.headingRad.length) : null;
  // The object without its covariance, built once (predictObject does not mutate it) as one literal
  // (shared/kernels/v8-shapes.ts, rule 1): objects reach the planner as tracks, fused objects and truth.
  const bare: DetectedObject | null = straight ? null : detectedObjectWith(obj, null);
  for (let j = 0; j <= n; j++) {
    const tS = j * p.stepS;
    const o = bare === null ? obj : predictObject(bare, tS);
    const xM = straight ? obj.xM + obj.vxMps * tS : o.xM;
    const yM = straight ? obj.yM + obj.vyMps * tS : o.yM;
    const proj = projectToPolylineInto(path.line, xM, yM, true, buf.projection);
    const seg = proj.segmentIndex;
    let k = perSegment?.[seg];
    if (k === undefined) {
      const pathHeadingRad = path.headingRad[seg]!;
      const { halfAlongM, halfAcrossM } = boxHalfExtents(obj, wrapAngle(o.headingRad - pathHeadingRad));
      k = { halfAlongM, halfAcrossM, vAlongMps: o.vxMps * Math.cos(pathHeadingRad) + o.vyMps * Math.sin(pathHeadingRad) };
      if (perSegment) perSegment[seg] = k;
    }
    buf.sM[j] = proj.sM;
    buf.lateralM[j] = proj.lateralM;
    buf.halfAlongM[j] = k.halfAlongM;
    buf.corridorM[j] = p.corridorHalfWidthM + k.halfAcrossM;
    buf.vAlongMps[j] = k.vAlongMps;
    buf.xM[j] = xM;
    buf.yM[j] = yM;
  }
}

/**
 * Occupied samples: in the corridor at some time of an adjacent inter-sample interval (linear in s and lateral),
 * i.e. the sampled occupancy dilated by up to one step so that s's monotonicity covers the continuous time.
 */
function markOccupied(buf: SampleBuffers, n: number): void {
  let inBefore = false; // the interval (j - 1, j)
  for (let j = 0; j <= n; j++) {
    const inAfter = j < n && intervalInCorridor(buf, j, j + 1);
    buf.occupied[j] = Math.abs(buf.lateralM[j]!) <= buf.corridorM[j]! || inBefore || inAfter ? 1 : 0;
    inBefore = inAfter;
  }
}

/** The planner's path with what every object's test needs, computed once per plan. */
interface PathGeometry {
  line: Polyline;
  /** Direction of travel of segment i (points[i] -> points[i + 1]), rad; as the samples compute it. */
  headingRad: number[];
  /** Unit direction of each non-degenerate segment (0, 0 for a zero-length one). */
  ux: number[];
  uy: number[];
  /** Indices of the first and last non-degenerate segments (extended beyond the path's ends). */
  first: number;
  last: number;
  /**
   * Whether neverNearCorridor may be used: every segment within 45 degrees of the first one (see there).
   */
  cullable: boolean;
}

/** Above this, two unit directions are within 45 degrees of each other (cos 45° = 0.7071, with slack). */
const MAX_CULL_TURN_COS = 0.71;
/** Slack of the culling distance test, m: covers rounding in the distances (orders of magnitude above it). */
const CULL_SLACK_M = 1e-6;

function pathGeometry(line: Polyline): PathGeometry {
  const { points, cumulativeM } = line;
  const headingRad: number[] = [];
  const ux: number[] = [];
  const uy: number[] = [];
  let first = -1;
  let last = -1;
  let cullable = true;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    headingRad.push(Math.atan2(b.yM - a.yM, b.xM - a.xM));
    const segLen = cumulativeM[i + 1]! - cumulativeM[i]!;
    if (segLen === 0) {
      ux.push(0);
      uy.push(0);
      continue;
    }
    ux.push((b.xM - a.xM) / segLen);
    uy.push((b.yM - a.yM) / segLen);
    if (first < 0) first = i;
    else if (ux[i]! * ux[first]! + uy[i]! * uy[first]! <= MAX_CULL_TURN_COS) cullable = false;
    last = i;
  }
  return { line, headingRad, ux, uy, first, last, cullable: cullable && first >= 0 };
}

/**
 * True when a constant-velocity object provably occupies no sample over the horizon, so objectBlocks can skip
 * sampling it (an exact shortcut: the blocks would be empty anyway). Most of a scene is parked cars, oncoming
 * traffic and pedestrians on the sidewalk that never come near the ego's lane.
 *
 * The samples lie on the segment from the object's position now to where it is at the horizon. A sample is
 * occupied when its distance to the path (ends extended, as projectToPolyline with extendEnds measures it) is
 * within corridorHalfWidth + the box's half extent across the path, or when the linear interpolation between
 * two samples crosses the corridor. If the whole segment stays farther than that from the path, no sample is
 * within the corridor, and interpolation only crosses it when the lateral offset changes sign between two
 * samples. It cannot here: when every segment direction is within 45 degrees of the first one, the extended
 * path is the graph of a function along that direction with turns under 90 degrees, the sign of the lateral
 * offset is the side of that graph the point is on, and a segment that never comes near the graph stays on
 * one side. Other paths (hairpins, sharp turns) are always sampled.
 */
function neverNearCorridor(obj: DetectedObject, path: PathGeometry, horizonS: number, p: PlannerParams): boolean {
  if (!path.cullable) return false;
  const { line, ux, uy } = path;
  let reachM = 0;
  for (let i = path.first; i <= path.last; i++) {
    if (ux[i] === 0 && uy[i] === 0) continue;
    reachM = Math.max(reachM, boxHalfExtents(obj, wrapAngle(obj.headingRad - path.headingRad[i]!)).halfAcrossM);
  }
  reachM += p.corridorHalfWidthM + CULL_SLACK_M;
  const x0 = obj.xM;
  const y0 = obj.yM;
  const x1 = obj.xM + obj.vxMps * horizonS;
  const y1 = obj.yM + obj.vyMps * horizonS;
  for (let i = path.first; i <= path.last; i++) {
    if (ux[i] === 0 && uy[i] === 0) continue;
    const a = line.points[i]!;
    const loM = i === path.first ? -Infinity : 0;
    const hiM = i === path.last ? Infinity : line.cumulativeM[i + 1]! - line.cumulativeM[i]!;
    if (segmentToPieceDistanceM(x0, y0, x1, y1, a.xM, a.yM, ux[i]!, uy[i]!, loM, hiM) <= reachM) return false;
  }
  return true;
}

/**
 * Distance between the segment (x0, y0)-(x1, y1) and the piece {a + t u : loM <= t <= hiM} of a line (u a unit
 * vector; the bounds may be infinite). Conservative near a crossing: a crossing of the piece's line within 1 m of
 * the piece counts as touching (0), which can only make the caller sample an object it could have skipped.
 */
function segmentToPieceDistanceM(
  x0: number, y0: number, x1: number, y1: number, ax: number, ay: number, ux: number, uy: number, loM: number, hiM: number,
): number {
  const side0 = ux * (y0 - ay) - uy * (x0 - ax);
  const side1 = ux * (y1 - ay) - uy * (x1 - ax);
  const along0 = (x0 - ax) * ux + (y0 - ay) * uy;
  const along1 = (x1 - ax) * ux + (y1 - ay) * uy;
  if (side0 * side1 <= 0) {
    // The segment meets the piece's line: where (or, collinear, over which stretch)?
    const f = side0 === side1 ? 0 : side0 / (side0 - side1);
    const alongM = side0 === side1 ? Math.min(along0, along1) : along0 + f * (along1 - along0);
    const alongEndM = side0 === side1 ? Math.max(along0, along1) : alongM;
    if (alongEndM >= loM - 1 && alongM <= hiM + 1) return 0;
  }
  // Apart: the closest pair has an end point of one of them.
  let d = Math.min(pointToPieceM(along0, side0, loM, hiM), pointToPieceM(along1, side1, loM, hiM));
  if (Number.isFinite(loM)) d = Math.min(d, pointToSegmentM(ax + loM * ux, ay + loM * uy, x0, y0, x1, y1));
  if (Number.isFinite(hiM)) d = Math.min(d, pointToSegmentM(ax + hiM * ux, ay + hiM * uy, x0, y0, x1, y1));
  return d;
}

/** Distance to the piece [loM, hiM] of a line from a point at (along, side) in the line's frame. */
function pointToPieceM(alongM: number, sideM: number, loM: number, hiM: number): number {
  return Math.hypot(alongM - Math.min(hiM, Math.max(loM, alongM)), sideM);
}

function pointToSegmentM(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const f = len2 > 0 ? Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2)) : 0;
  return Math.hypot(px - (x0 + f * dx), py - (y0 + f * dy));
}

/** Is the object in the corridor at some time between samples i and j, motion linear in (s, lateral)? */
function intervalInCorridor(buf: SampleBuffers, i: number, j: number): boolean {
  const { lateralM, corridorM } = buf;
  const uh0 = lateralM[i]! - corridorM[i]!;
  const uh1 = lateralM[j]! - corridorM[j]!;
  const wh0 = -lateralM[i]! - corridorM[i]!;
  const wh1 = -lateralM[j]! - corridorM[j]!;
  // Outside on one side at both samples (the usual case): the interval below is empty, whatever the projection did.
  if ((uh0 > 0 && uh1 > 0) || (wh0 > 0 && wh1 > 0)) return false;
  // A jump in s beyond the object's displacement is a switch to another part of the path: no interpolation.
  if (projectionJumps(buf.sM[j]! - buf.sM[i]!, buf.xM[j]! - buf.xM[i]!, buf.yM[j]! - buf.yM[i]!, 0.5)) return false;
  return Math.max(nonPositiveFrom(uh0, uh1), nonPositiveFrom(wh0, wh1)) <= Math.min(nonPositiveTo(uh0, uh1), nonPositiveTo(wh0, wh1));
}

function zoneBlock(z: PlannerZone, timeNs: number, n: number, p: PlannerParams): Block[] {
  if (!(z.confidence >= p.minZoneConfidence)) return [];
  if (![z.startSM, z.endSM, z.tStartNs, z.tEndNs].every(Number.isFinite)) return [];
  const t0S = (z.tStartNs - timeNs) / 1e9;
  const t1S = (z.tEndNs - timeNs) / 1e9;
  if (t1S < 0 || t1S < t0S || t0S > n * p.stepS) return []; // expired, malformed, or beyond the horizon
  const loM = Math.min(z.startSM, z.endSM);
  const hiM = Math.max(z.startSM, z.endSM);
  // Samples covering [t0, t1] rounded outward: since s never decreases, s_j <= U at the sample at or after t1
  // bounds s over the whole window, and the pass test at the sample at or before t0 - timeGap covers the start.
  const first = Math.max(0, Math.floor(t0S / p.stepS + 1e-9));
  const last = Math.min(n, Math.ceil(t1S / p.stepS - 1e-9));
  const u = loM - p.egoLengthM / 2 - p.standstillGapM;
  return [{
    kind: 'zone',
    objectIndex: -1,
    first,
    last,
    stopLineM: new Array<number>(last - first + 1).fill(u),
    terminalM: last === n ? u : Infinity,
    safetyStopLineM: new Array<number>(last - first + 1).fill(u),
    safetyTerminalM: last === n ? u : Infinity,
    passSample: Math.max(0, Math.floor((t0S - p.timeGapS) / p.stepS + 1e-9)),
    passHiM: hiM,
    entrySpeedMps: -Infinity,
  }];
}

function validate(input: PlannerInput, p: PlannerParams): void {
  for (const k of ['horizonS', 'stepS', 'maxAccelMps2', 'comfortDecelMps2', 'maxDecelMps2'] as const) {
    if (!(p[k] > 0) || !Number.isFinite(p[k])) throw new RangeError(`PlannerParams.${k} must be > 0, got ${p[k]}`);
  }
  for (const k of ['cruiseSpeedMps', 'standstillGapM', 'timeGapS', 'corridorHalfWidthM', 'egoLengthM', 'minZoneConfidence'] as const) {
    if (!(p[k] >= 0) || !Number.isFinite(p[k])) throw new RangeError(`PlannerParams.${k} must be >= 0, got ${p[k]}`);
  }
  if (p.maxDecelMps2 < p.comfortDecelMps2) throw new RangeError('PlannerParams.maxDecelMps2 must be >= comfortDecelMps2');
  if (!(p.stationaryGateProbability >= 0 && p.stationaryGateProbability < 1)) {
    throw new RangeError(`PlannerParams.stationaryGateProbability must be in [0, 1), got ${p.stationaryGateProbability}`);
  }
  if (!(p.stationaryMaxSpeedMps >= 0)) throw new RangeError(`PlannerParams.stationaryMaxSpeedMps must be >= 0, got ${p.stationaryMaxSpeedMps}`);
  if (input.path.length < 2) throw new RangeError('planner path needs at least two points');
  for (const [k, v] of [['timeNs', input.timeNs], ['egoSM', input.egoSM], ['egoSpeedMps', input.egoSpeedMps]] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`PlannerInput.${k} must be finite, got ${v}`);
  }
}
