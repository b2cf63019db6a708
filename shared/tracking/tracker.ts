// Multi-object tracker for a roadside unit: detections in the map frame -> tracks with stable ids.
//
// State: constant velocity [x, y, vx, vy], position-only measurements, estimated by an IMM (interacting
// multiple model) filter over CV modes that differ only in their white-noise acceleration: a quiet mode for
// cruising and a manoeuvre mode for turns and braking. With a single mode it is exactly a CV Kalman filter.
// Why CV rather than a CTRV-EKF: CV is linear (no divergence from a bad heading at birth, when the velocity is
// unknown), works for pedestrians and parked objects whose heading is meaningless, and its state is exactly
// the wire's [x, y, vx, vy] with its covariance. Why two modes: a single CV filter must pick one acceleration
// noise and no value serves both cases. In simulation (10 Hz, 0.2 m detection noise) one CV filter at 2 m/s²
// loses a car in a 15 m radius turn at 8 m/s (the lag pushes its detections out of the gate) while its
// straight-line velocity error is ~0.2-0.3 m/s rms; the IMM keeps the turn and halves the velocity error. The
// price is a heading/velocity lag in sustained turns (~0.15 rad in that turn) that a turn model would remove.
// The yaw rate the wire also carries is estimated on the side from the turn of the filtered course over
// ~1 s, so receivers can predict turning vehicles with CTRV.
//
// Pipeline per frame: predict every track to the frame time, associate (chi-square gate on the Mahalanobis
// distance, class compatibility, optimal assignment, confirmed tracks first), update, age misses, confirm
// M-of-N, delete, give birth to tentative tracks from unassigned detections. Pure: state in, new state out;
// time is an input. The parameters must stay the same for the life of a TrackerState.
import type { Matrix } from '../kernels/gaussian.js';
import { packCovariance } from '../model/covariance.js';
import type { DetectedObject, ObjectClass } from '../model/types.js';
import { angleDiff } from '../geometry/angles.js';
import { cvPositionUpdate, cvPredict, positionInnovation, positionLogLikelihood } from './cv-kalman.js';
import { immMixed, immPredictedProbabilities, immUpdateProbabilities, mixtureMoments, type GaussianState } from './imm.js';
import { logSumExp, logTerms } from '../kernels/gaussian.js';
// One gate and one class table for the whole code base (shared/association/gating.ts).
import {
  chiSquareGate, classCompatibilityFromGroups, classesCompatible, type ClassCompatibility, type GatedEdge,
} from '../association/gating.js';
import { solveGatedEdges } from '../association/components.js';

/** One detection of one sensor cycle, map frame. */
export interface Detection {
  xM: number;
  yM: number;
  /** Box centre height, m. Default 0. */
  zM?: number;
  objectClass: ObjectClass;
  /** Probability of objectClass, 0..1. Default 1. */
  classConfidence?: number;
  lengthM: number;
  widthM: number;
  heightM: number;
  /** Box heading from the detector, rad; used for the track heading while the object is (nearly) still. */
  headingRad?: number;
  /** 2x2 covariance of (x, y), m². Default: measurementStdM on both axes. */
  positionCovariance?: Matrix;
}

export interface TrackerParams {
  /** Probability mass of the association gate; the gate is its chi-square(2 dof) quantile (0.99 -> 9.21). */
  gateProbability: number;
  /**
   * White-noise acceleration std of each CV mode of the IMM, m/s² (quiet first). One entry = a plain CV Kalman
   * filter.
   */
  modeAccelStdMps2: readonly number[];
  /** Expected mode switches per second; the switch probability over a step of dt is 1 − exp(−rate·dt). */
  modeSwitchRateHz: number;
  /** Position std of a detection without its own covariance, m. */
  measurementStdM: number;
  /** Velocity std of a new track, m/s: its velocity is unknown, this must cover the fastest expected object. */
  initialVelocityStdMps: number;
  /** Confirm a tentative track after confirmHits hits within its first confirmWindow frames (M of N). */
  confirmHits: number;
  confirmWindow: number;
  /** Delete a confirmed track after this many consecutive frames without a detection. */
  maxMisses: number;
  /** Delete any track whose position variance trace (P_xx + P_yy) exceeds this, m². */
  maxPositionVarianceM2: number;
  /** Heading follows the velocity above this speed (if its course is well determined), m/s; below it the
   * detector's (or last) heading is kept. */
  minSpeedForHeadingMps: number;
  /** Frames of hit history behind existenceProbability. */
  existenceWindow: number;
  /** Weight of a new detection in the smoothed box size and height, 0..1. */
  sizeSmoothing: number;
  /**
   * Baseline of the yaw-rate estimate, s: the turn of the filtered course over about this long. Longer is
   * smoother but lags more (by about half of it).
   */
  yawRateWindowS: number;
  /** Classes that may be confused with each other by the detector and still associate; 'unknown' matches any. */
  compatibleClassGroups: readonly (readonly ObjectClass[])[];
}

export const DEFAULT_TRACKER_PARAMS: Readonly<TrackerParams> = Object.freeze({
  gateProbability: 0.99,
  modeAccelStdMps2: Object.freeze([0.5, 6.0]),
  modeSwitchRateHz: 0.1,
  measurementStdM: 0.3,
  initialVelocityStdMps: 10,
  confirmHits: 3,
  confirmWindow: 5,
  maxMisses: 5,
  maxPositionVarianceM2: 25,
  minSpeedForHeadingMps: 0.5,
  existenceWindow: 20,
  sizeSmoothing: 0.3,
  yawRateWindowS: 1.0,
  compatibleClassGroups: Object.freeze([
    Object.freeze(['car', 'truck', 'bus'] as const),
    Object.freeze(['motorcycle', 'cyclist'] as const),
  ]),
});

export type TrackStatus = 'tentative' | 'confirmed';

export interface Track {
  readonly id: number;
  readonly status: TrackStatus;
  /** [x, y, vx, vy] at the tracker's time: the moment-matched combination of the modes. */
  readonly mean: readonly number[];
  readonly covariance: Matrix;
  /** Per-mode estimates and probabilities (same order as modeAccelStdMps2). */
  readonly modes: readonly GaussianState[];
  readonly modeProbabilities: readonly number[];
  readonly birthTimeNs: number;
  /** Hit (true) or miss per frame since birth, most recent last, capped at max(confirmWindow, existenceWindow). */
  readonly hits: readonly boolean[];
  /** Frames since birth and hits among them (confirmation counts within the first confirmWindow frames). */
  readonly frames: number;
  readonly totalHits: number;
  readonly consecutiveMisses: number;
  /** Decayed sum of class confidences per class. */
  readonly classScores: Readonly<Partial<Record<ObjectClass, number>>>;
  readonly zM: number;
  readonly lengthM: number;
  readonly widthM: number;
  readonly heightM: number;
  readonly headingRad: number;
  readonly yawRateRadps: number;
  /** Recent well-determined velocity directions (oldest first, within yawRateWindowS) for the yaw rate. */
  readonly courses: readonly { readonly rad: number; readonly timeNs: number }[];
  /** Normalised innovation squared (NIS) of the last update against the track's prediction; 0 after a birth, a
   * miss, a restart or a manoeuvre onset (manoeuvreOnset). */
  readonly lastNis: number;
}

export interface TrackerState {
  /** Time of the last frame, ns; null before the first. */
  readonly timeNs: number | null;
  readonly nextId: number;
  readonly tracks: readonly Track[];
}

export interface TrackerOutput {
  state: TrackerState;
  /** Confirmed tracks at the frame time (including ones coasting through misses). */
  objects: DetectedObject[];
}

export function initialTrackerState(): TrackerState {
  return { timeNs: null, nextId: 1, tracks: [] };
}

const CLASS_DECAY = 0.9; // per hit: recent detections dominate the class vote (~10 frames of memory)
const MAX_TRACK_ID = 0xffffffff; // wire track_id is uint32
const MAX_COURSE_STD_RAD = 0.2; // course uncertainty above which a velocity direction is not used for the yaw rate

function measurementCovariance(d: Detection, p: TrackerParams): Matrix {
  if (d.positionCovariance !== undefined) {
    const c = d.positionCovariance;
    if (c.length !== 2 || c[0]!.length !== 2 || c[1]!.length !== 2) throw new RangeError('positionCovariance must be 2x2');
    return c;
  }
  return defaultMeasurementCovariance(p.measurementStdM);
}

/** measurementStdM² on the diagonal, shared read-only: it is asked for once per detection and candidate pair. */
function defaultMeasurementCovariance(measurementStdM: number): Matrix {
  if (lastDefaultR === null || !Object.is(lastDefaultR.stdM, measurementStdM)) {
    const v = measurementStdM ** 2;
    lastDefaultR = { stdM: measurementStdM, r: [[v, 0], [0, v]] };
  }
  return lastDefaultR.r;
}

let lastDefaultR: { stdM: number; r: Matrix } | null = null;

export function trackClass(t: Track): { objectClass: ObjectClass; classConfidence: number } {
  let best: ObjectClass = 'unknown';
  let bestScore = -1;
  let total = 0;
  const scores = t.classScores;
  for (const key in scores) {
    const c = key as ObjectClass;
    const s = scores[c]!;
    total += s;
    // A specific class wins over 'unknown' at equal score.
    if (s > bestScore || (s === bestScore && best === 'unknown')) {
      best = c;
      bestScore = s;
    }
  }
  return { objectClass: best, classConfidence: total > 0 ? bestScore / total : 0 };
}

export interface AssociationCandidate {
  /**
   * The track's prediction at the frame time as a Gaussian mixture over [x, y, vx, vy]: one component per IMM
   * mode, weighted by its predicted probability (a plain Kalman filter is a single component of weight 1).
   */
  components: readonly { weight: number; mean: readonly number[]; covariance: Matrix }[];
  objectClass: ObjectClass;
  /** Confirmed tracks choose first; tentative ones share what is left. */
  confirmed: boolean;
}

export interface Association {
  /** [track index, detection index] */
  pairs: [number, number][];
  unassignedTracks: number[];
  unassignedDetections: number[];
}

/**
 * Global nearest neighbour in two stages: confirmed tracks first, then tentative tracks on the detections left.
 * Without the cascade a tentative track born from one stray detection near an established object (its large
 * velocity uncertainty gives it a wide gate) can capture that object's detections and replace its track.
 *
 * A detection is inside a track's gate when its squared Mahalanobis distance to any component of the
 * prediction is within the chi-square gate: the manoeuvre mode's wider prediction keeps a car that starts to
 * turn, before the mode probabilities have caught up. The cost of a pair is the negative log-likelihood of the
 * detection under the prediction mixture, −ln Σ w·N(z; Hx, S) (up to a constant): a more certain prediction
 * wins at equal distance. Pairs outside the gate or with incompatible classes are forbidden. Each stage is one
 * rectangular assignment solved by shared/association per connected component of the gating graph (the most
 * allowed pairs first, then the least total cost, deterministic tie-break; forbidden pairs are never returned).
 */
export function associate(tracks: readonly AssociationCandidate[], detections: readonly Detection[], params: TrackerParams): Association {
  const ctx = pairContext(params);
  const confirmedRows: number[] = [];
  const tentativeRows: number[] = [];
  for (let i = 0; i < tracks.length; i++) (tracks[i]!.confirmed ? confirmedRows : tentativeRows).push(i);
  const allCols: number[] = [];
  for (let j = 0; j < detections.length; j++) allCols.push(j);
  const pairs: [number, number][] = [];
  assignStage(tracks, detections, confirmedRows, allCols, ctx, pairs);
  // Flags rather than Sets: a frame has a handful of tracks and detections.
  const usedT = new Uint8Array(tracks.length);
  const usedD = new Uint8Array(detections.length);
  for (const [t, d] of pairs) {
    usedT[t] = 1;
    usedD[d] = 1;
  }
  const freeCols: number[] = [];
  for (let j = 0; j < detections.length; j++) if (usedD[j] === 0) freeCols.push(j);
  const firstCount = pairs.length;
  assignStage(tracks, detections, tentativeRows, freeCols, ctx, pairs);
  for (let k = firstCount; k < pairs.length; k++) {
    usedT[pairs[k]![0]] = 1;
    usedD[pairs[k]![1]] = 1;
  }
  const unassignedTracks: number[] = [];
  for (let i = 0; i < tracks.length; i++) if (usedT[i] === 0) unassignedTracks.push(i);
  const unassignedDetections: number[] = [];
  for (let j = 0; j < detections.length; j++) if (usedD[j] === 0) unassignedDetections.push(j);
  return { pairs, unassignedTracks, unassignedDetections };
}

/** What every pair cost of one association shares, resolved once. */
interface PairContext {
  gate: number;
  compatible: ClassCompatibility;
  params: TrackerParams;
}

/**
 * The pair context of params; for deeply frozen params (the defaults, every frame of the usual tracker) the last
 * one is reused, since nothing it is derived from can have changed: the gate quantile's cache key and the class table's
 * freeze checks cost more than a small frame's pair tests.
 */
function pairContext(params: TrackerParams): PairContext {
  if (lastPairContext !== null && lastPairContext.params === params) return lastPairContext;
  const ctx: PairContext = {
    gate: chiSquareGate(params.gateProbability, 2),
    compatible: classCompatibilityFromGroups(params.compatibleClassGroups),
    params,
  };
  const groups = params.compatibleClassGroups;
  if (Object.isFrozen(params) && Object.isFrozen(groups) && groups.every((g) => Object.isFrozen(g))) lastPairContext = ctx;
  return ctx;
}

let lastPairContext: PairContext | null = null;

/**
 * One stage: the assignment of `rows` (track indices) to `cols` (detection indices), appended to `out` as
 * [track, detection]. Only the allowed pairs are handed to the solver, as edges in local indices: the same
 * problem as the full rows x cols matrix with forbidden cells, without building it.
 */
function assignStage(
  tracks: readonly AssociationCandidate[],
  detections: readonly Detection[],
  rows: readonly number[],
  cols: readonly number[],
  ctx: PairContext,
  out: [number, number][],
): void {
  if (rows.length === 0 || cols.length === 0) return;
  const edges: GatedEdge[] = [];
  for (let i = 0; i < rows.length; i++) {
    const t = tracks[rows[i]!]!;
    for (let j = 0; j < cols.length; j++) {
      const c = pairCost(t, detections[cols[j]!]!, ctx);
      if (c !== Number.POSITIVE_INFINITY) edges.push({ row: i, col: j, cost: c });
    }
  }
  for (const { row, col } of solveGatedEdges(rows.length, cols.length, edges)) out.push([rows[row]!, cols[col]!]);
}

/** Cost of associating d with t (see associate), +Infinity when the pair is forbidden. */
function pairCost(t: AssociationCandidate, d: Detection, ctx: PairContext): number {
  if (!classesCompatible(t.objectClass, d.objectClass, ctx.compatible)) return Number.POSITIVE_INFINITY;
  const r = measurementCovariance(d, ctx.params);
  const gate = ctx.gate;
  const components = t.components;
  // Cheap exact cull first: d² = yᵀS⁻¹y ≥ |y|² / trace(S), so a pair whose squared distance exceeds
  // gate · trace(S) for every component is outside the gate (most pairs in a spread-out scene).
  let mayGate = false;
  for (const c of components) {
    const dx = d.xM - c.mean[0]!;
    const dy = d.yM - c.mean[1]!;
    const traceS = c.covariance[0]![0]! + c.covariance[1]![1]! + r[0]![0]! + r[1]![1]!;
    if (!(dx * dx + dy * dy > gate * traceS)) mayGate = true;
  }
  if (!mayGate) return Number.POSITIVE_INFINITY;
  let inGate = false;
  const logs = logTerms(components.length);
  for (let k = 0; k < components.length; k++) {
    const c = components[k]!;
    const inn = positionInnovation(c.mean, c.covariance, d.xM, d.yM, r);
    if (inn.mahalanobisSq <= gate) inGate = true;
    logs[k] = Math.log(Math.max(c.weight, Number.MIN_VALUE)) + positionLogLikelihood(inn);
  }
  if (!inGate) return Number.POSITIVE_INFINITY;
  return -logSumExp(logs, components.length);
}

/** [...history, hit] without its oldest entries beyond cap: one copy (every track, every frame). */
function withHit(history: readonly boolean[], hit: boolean, cap: number): readonly boolean[] {
  // A track hit in every frame (the usual one) keeps sharing the all-hit history of its length.
  if (hit && history === ALL_HITS[history.length]) return allHits(Math.min(history.length + 1, cap));
  const total = history.length + 1;
  const drop = total > cap ? total - cap : 0;
  if (drop >= total) return [];
  const h = history.slice(drop);
  h.push(hit);
  return h;
}

type ClassScores = Partial<Record<ObjectClass, number>>;

/** The class scores after a hit of class c: every score decayed, then c's confidence added (keys in order). */
function decayedClassScores(old: Readonly<ClassScores>, c: ObjectClass, confidence: number): ClassScores {
  let keys = 0;
  let first: string | undefined;
  for (const k in old) if (keys++ === 0) first = k;
  // Usual case, one class seen so far and seen again: the same operations, into that class's literal.
  if (keys === 1 && first === c) return singleClassScores(c, old[c]! * CLASS_DECAY + confidence);
  const scores: ClassScores = {};
  for (const k in old) scores[k as ObjectClass] = old[k as ObjectClass]! * CLASS_DECAY;
  scores[c] = (scores[c] ?? 0) + confidence;
  return scores;
}

/** { [c]: score }, one literal per class (shared/kernels/v8-shapes.ts, rule 2). */
function singleClassScores(c: ObjectClass, score: number): ClassScores {
  switch (c) {
    case 'unknown': return { unknown: score };
    case 'car': return { car: score };
    case 'truck': return { truck: score };
    case 'bus': return { bus: score };
    case 'motorcycle': return { motorcycle: score };
    case 'cyclist': return { cyclist: score };
    case 'pedestrian': return { pedestrian: score };
    case 'animal': return { animal: score };
    case 'static': return { static: score };
    default: return { [c]: score };
  }
}

/** Shared read-only all-hit histories by length: equal values, so tracks need no copy of their own. */
const ALL_HITS: (readonly boolean[])[] = [];

function allHits(length: number): readonly boolean[] {
  let h = ALL_HITS[length];
  if (h === undefined) {
    const a: boolean[] = [];
    for (let i = 0; i < length; i++) a.push(true);
    ALL_HITS[length] = h = a;
  }
  return h;
}

function smooth(old: number, sample: number, w: number): number {
  return old + w * (sample - old);
}

/** A track's IMM prediction to the frame time. */
interface Prediction {
  modes: GaussianState[];
  modeProbabilities: number[];
}

/**
 * IMM prediction: mix the modes, predict each with its own process noise. Their combination is left to
 * missedTrack: an update replaces it, so most tracks never need it.
 */
function predictedModes(t: Track, dtS: number, p: TrackerParams): Prediction {
  const transition = modeTransition(p, dtS);
  const modeProbabilities = immPredictedProbabilities(t.modes, t.modeProbabilities, transition);
  const modes: GaussianState[] = [];
  for (let j = 0; j < t.modes.length; j++) {
    const mixed = immMixed(t.modes, t.modeProbabilities, transition, modeProbabilities, j);
    modes.push(cvPredict(mixed.mean, mixed.cov, dtS, p.modeAccelStdMps2[j]!));
  }
  return { modes, modeProbabilities };
}

/**
 * t with some fields replaced, as one literal in bornTrack's field order (shared/kernels/v8-shapes.ts, rule 1:
 * spreading this 19-field object was a third of the tracker's time).
 */
function withFields(t: Track, f: Partial<Track>): Track {
  return {
    id: t.id,
    status: f.status ?? t.status,
    mean: f.mean ?? t.mean,
    covariance: f.covariance ?? t.covariance,
    modes: f.modes ?? t.modes,
    modeProbabilities: f.modeProbabilities ?? t.modeProbabilities,
    birthTimeNs: t.birthTimeNs,
    hits: f.hits ?? t.hits,
    frames: f.frames ?? t.frames,
    totalHits: f.totalHits ?? t.totalHits,
    consecutiveMisses: f.consecutiveMisses ?? t.consecutiveMisses,
    classScores: f.classScores ?? t.classScores,
    zM: f.zM ?? t.zM,
    lengthM: f.lengthM ?? t.lengthM,
    widthM: f.widthM ?? t.widthM,
    heightM: f.heightM ?? t.heightM,
    headingRad: f.headingRad ?? t.headingRad,
    yawRateRadps: f.yawRateRadps ?? t.yawRateRadps,
    courses: f.courses ?? t.courses,
    lastNis: f.lastNis ?? t.lastNis,
  };
}

/** Mode transition matrix over dtS (read-only; the last one is reused: every track of a frame has the same step). */
function modeTransition(p: TrackerParams, dtS: number): Matrix {
  const m = p.modeAccelStdMps2.length;
  const last = lastTransition;
  if (last !== null && last.m === m && Object.is(last.rateHz, p.modeSwitchRateHz) && Object.is(last.dtS, dtS)) return last.matrix;
  const matrix = transitionMatrix(m, p.modeSwitchRateHz, dtS);
  lastTransition = { m, rateHz: p.modeSwitchRateHz, dtS, matrix };
  return matrix;
}

let lastTransition: { m: number; rateHz: number; dtS: number; matrix: Matrix } | null = null;

function transitionMatrix(m: number, modeSwitchRateHz: number, dtS: number): Matrix {
  if (m === 1) return [[1]];
  const leave = 1 - Math.exp(-modeSwitchRateHz * Math.abs(dtS));
  const stay = 1 - leave;
  const move = leave / (m - 1);
  const t: Matrix = [];
  for (let i = 0; i < m; i++) {
    const row = new Array<number>(m).fill(move);
    row[i] = stay;
    t.push(row);
  }
  return t;
}

function updatedTrack(t: Track, predicted: Prediction, d: Detection, timeNs: number, dtS: number, p: TrackerParams): Track {
  const r = measurementCovariance(d, p);
  const modes: GaussianState[] = [];
  const logLikelihoods: number[] = [];
  for (const g of predicted.modes) {
    const update = cvPositionUpdate(g.mean, g.covariance, d.xM, d.yM, r);
    modes.push({ mean: update.mean, covariance: update.covariance });
    logLikelihoods.push(positionLogLikelihood(update));
  }
  const modeProbabilities = immUpdateProbabilities(predicted.modeProbabilities, logLikelihoods);
  // The innovation against what the track published (its modes combined), for the manoeuvre-onset test.
  const combined = predicted.modes.length === 1 ? predicted.modes[0]! : mixtureMoments(predicted.modes, predicted.modeProbabilities);
  const inn = positionInnovation(combined.mean, combined.covariance, d.xM, d.yM, r);
  let lastNis = inn.mahalanobisSq;
  if (manoeuvreOnset(t.lastNis, lastNis, dtS, p)) {
    inflateVelocity(modes, (inn.y0 * inn.y0 + inn.y1 * inn.y1) / (dtS * dtS));
    lastNis = 0;
  }
  const u = mixtureMoments(modes, modeProbabilities);
  const [, , vx, vy] = u.mean as [number, number, number, number];
  const scores = decayedClassScores(t.classScores, d.objectClass, d.classConfidence ?? 1);

  // Heading from the filtered velocity when moving. Yaw rate: the turn of the course over the last
  // ~yawRateWindowS (a per-frame difference would amplify the velocity noise tenfold at 10 Hz).
  const speed = Math.hypot(vx, vy);
  let headingRad = d.headingRad ?? t.headingRad;
  let yawRateRadps = 0;
  let courses: Track['courses'] = [];
  if (speed > p.minSpeedForHeadingMps) {
    const course = Math.atan2(vy, vx);
    // Only a well-determined course counts: right after birth the velocity direction swings wildly, and a
    // standing object's velocity noise (0.2-0.5 m/s) points anywhere. Taken as the heading, it turned a parked
    // 10 m truck across the lane in the planner's world (docs/planning.md, Standing objects).
    const courseStdRad = Math.sqrt((u.covariance[2]![2]! + u.covariance[3]![3]!) / 2) / speed;
    if (courseStdRad < MAX_COURSE_STD_RAD) headingRad = course;
    const windowNs = p.yawRateWindowS * 1e9;
    // The courses still within the window, plus this one. They are oldest first and frames never go back in
    // time, so timeNs − c.timeNs only shrinks along the list (rounding is monotone): the ones out of the window
    // are a prefix, and the rest is copied.
    const old = t.courses;
    let first = 0;
    while (first < old.length && !(timeNs - old[first]!.timeNs <= windowNs)) first++;
    // Copied by push, not sliced (shared/kernels/v8-shapes.ts, rule 3).
    const kept: { rad: number; timeNs: number }[] = [];
    for (let i = first; i < old.length; i++) kept.push(old[i]!);
    if (courseStdRad < MAX_COURSE_STD_RAD) kept.push({ rad: course, timeNs });
    courses = kept;
    const oldest = courses[0];
    if (oldest !== undefined && courses.length > 1 && timeNs - oldest.timeNs >= windowNs / 2) {
      yawRateRadps = angleDiff(course, oldest.rad) / ((timeNs - oldest.timeNs) / 1e9);
    }
  }
  const cap = Math.max(p.confirmWindow, p.existenceWindow);
  return withFields(t, {
    mean: u.mean,
    covariance: u.covariance,
    modes,
    modeProbabilities,
    hits: withHit(t.hits, true, cap),
    frames: t.frames + 1,
    totalHits: t.totalHits + 1,
    consecutiveMisses: 0,
    classScores: scores,
    zM: smooth(t.zM, d.zM ?? 0, p.sizeSmoothing),
    lengthM: smooth(t.lengthM, d.lengthM, p.sizeSmoothing),
    widthM: smooth(t.widthM, d.widthM, p.sizeSmoothing),
    heightM: smooth(t.heightM, d.heightM, p.sizeSmoothing),
    headingRad,
    yawRateRadps,
    courses,
    lastNis,
  });
}

/**
 * Manoeuvre onset: the detection is more than the track's own prediction can explain (its NIS past the
 * gateProbability quantile of chi-square with 2 dof), or the last two are together (4 dof) without a miss
 * between. An actor that starts from standstill, or brakes, faster than the manoeuvre mode's acceleration
 * (scenarios script instant velocity changes; a real car does 0-8 m/s in seconds, a scripted one in a frame)
 * shows exactly so: detections 0.7-1.2 m off a standing track for two or three frames (NIS 6-14 against the 2
 * dof 99 % quantile 9.2) while the quiet mode keeps a 0.9 probability, then none in the gate, and the track coasts
 * on, standing, for maxMisses frames with a 0.3 m position σ, metres from its actor: confidently wrong. Under an
 * honest covariance the test fires on about 1-2 % of steady frames; what it then costs is a velocity covariance
 * grown for a frame or two, not a moved estimate.
 */
function manoeuvreOnset(previousNis: number, nis: number, dtS: number, p: TrackerParams): boolean {
  if (!(dtS > 0)) return false;
  return nis > chiSquareGate(p.gateProbability, 2) || (previousNis > 0 && previousNis + nis > chiSquareGate(p.gateProbability, 4));
}

/**
 * At a manoeuvre onset the velocity is unknown up to what the innovation says it changed by, |ν|/dt on each axis:
 * added to every mode's velocity variance, mean kept. The track neither jumps to a velocity from one noisy
 * position nor stays confident in the old one: receivers predicting it see its position σ grow at |ν|/dt (at
 * 7 m/s, past the 1 m at which fusion no longer places an object within about 140 ms), and the next detection,
 * with a gain near 1/dt on the velocity, gives the new one.
 */
function inflateVelocity(modes: GaussianState[], vvM2ps2: number, sinceS = 0): void {
  // A velocity change of covariance vv, sinceS ago: per axis G vv Gᵀ with G = [sinceS, 1] (the position moved
  // with it since).
  for (let j = 0; j < modes.length; j++) {
    const g = modes[j]!;
    const c = copyRows(g.covariance);
    for (const [pi, vi] of [[0, 2], [1, 3]] as const) {
      c[pi]![pi] = c[pi]![pi]! + sinceS * sinceS * vvM2ps2;
      c[pi]![vi] = c[pi]![vi]! + sinceS * vvM2ps2;
      c[vi]![pi] = c[vi]![pi]! + sinceS * vvM2ps2;
      c[vi]![vi] = c[vi]![vi]! + vvM2ps2;
    }
    modes[j] = { mean: g.mean, covariance: c };
  }
}

/**
 * The distance, m, from a confirmed track that found no detection (not even re-acquiring one) to the nearest
 * detection no track took, of a class it may be (not 'unknown': clutter), within what a velocity unknown up to
 * initialVelocityStdMps reaches in the step at the gate's quantile; null if none. Such a detection is the sign of
 * a manoeuvre the track could not follow in one step (a start from standstill in one frame leaves the detection
 * 0.8-1.4 m off a standing track, beyond its gate and the re-acquisition's): missedTrack makes the velocity
 * unknown up to reaching it, without moving the track onto it (a stray detection beside a parked car must not
 * restart it; it only makes the car uncertain for a frame).
 */
function freeDetectionNear(t: Track, predicted: Prediction, a: Association, detections: readonly Detection[], dtS: number, p: TrackerParams): number | null {
  if (t.status !== 'confirmed' || !(dtS > 0) || a.unassignedDetections.length === 0) return null;
  const c = mixtureMoments(predicted.modes, predicted.modeProbabilities).mean;
  const reachM = Math.sqrt(chiSquareGate(p.gateProbability, 2)) * p.initialVelocityStdMps * dtS;
  const table = pairContext(p).compatible;
  const cls = trackClass(t).objectClass;
  let best: number | null = null;
  for (const di of a.unassignedDetections) {
    const d = detections[di]!;
    if (d.objectClass === 'unknown' || !classesCompatible(cls, d.objectClass, table)) continue;
    const distM = Math.hypot(d.xM - c[0]!, d.yM - c[1]!);
    if (distM <= reachM && (best === null || distM < best)) best = distM;
  }
  return best;
}

/**
 * A track that found no detection in its gate. Right after an update the prediction could barely explain (its NIS
 * so high that with the gate's quantile for this step, the least a detection outside the gate can have, the two
 * together pass the 4-dof quantile of manoeuvreOnset), the miss is the manoeuvre's second sign: the detection left
 * the gate. The velocity is then unknown up to what leaving the gate takes, √(gate · tr S / 2) / dt on each axis
 * (S with the default measurement covariance): the coasting track says so, fusion stops placing it once its σ
 * passes 1 m, and the next frame's gate is wide enough to find the detection again.
 */
function missedTrack(t: Track, predicted: Prediction, dtS: number, p: TrackerParams, freeNearM: number | null): Track {
  let combined = mixtureMoments(predicted.modes, predicted.modeProbabilities);
  let modes = predicted.modes;
  const gate = chiSquareGate(p.gateProbability, 2);
  let vv = 0;
  if (dtS > 0 && t.lastNis > 0 && t.lastNis + gate > chiSquareGate(p.gateProbability, 4)) {
    const r = p.measurementStdM ** 2;
    const traceS = combined.covariance[0]![0]! + combined.covariance[1]![1]! + 2 * r;
    vv = (gate * traceS) / 2 / (dtS * dtS);
  }
  if (dtS > 0 && freeNearM !== null) vv = Math.max(vv, (freeNearM * freeNearM) / (dtS * dtS));
  if (vv > 0) {
    modes = [...predicted.modes];
    // The manoeuvre began in this step, not at its end: the position is as unknown as the velocity made it.
    inflateVelocity(modes, vv, dtS);
    combined = mixtureMoments(modes, predicted.modeProbabilities);
  }
  return withFields(t, {
    mean: combined.mean,
    covariance: combined.covariance,
    modes,
    modeProbabilities: predicted.modeProbabilities,
    hits: withHit(t.hits, false, Math.max(p.confirmWindow, p.existenceWindow)),
    frames: t.frames + 1,
    consecutiveMisses: t.consecutiveMisses + 1,
    lastNis: 0,
  });
}

/** [x, y, vx, vy] covariance: the position block of `position` (2x2 or larger), velocity vv on each axis,
 * uncorrelated: a velocity nothing is known about yet (a birth, a restart). */
function unknownVelocityCovariance(position: Matrix, vv: number): number[][] {
  return [
    [position[0]![0]!, position[0]![1]!, 0, 0],
    [position[1]![0]!, position[1]![1]!, 0, 0],
    [0, 0, vv, 0],
    [0, 0, 0, vv],
  ];
}

function bornTrack(id: number, d: Detection, timeNs: number, p: TrackerParams): Track {
  const mean = [d.xM, d.yM, 0, 0];
  const covariance = unknownVelocityCovariance(measurementCovariance(d, p), p.initialVelocityStdMps ** 2);
  const m = p.modeAccelStdMps2.length;
  return {
    id,
    status: 'tentative',
    mean,
    covariance,
    modes: Array.from({ length: m }, () => ({ mean: [...mean], covariance: copyRows(covariance) })),
    modeProbabilities: new Array<number>(m).fill(1 / m),
    birthTimeNs: timeNs,
    hits: allHits(1),
    frames: 1,
    totalHits: 1,
    consecutiveMisses: 0,
    classScores: singleClassScores(d.objectClass, d.classConfidence ?? 1),
    zM: d.zM ?? 0,
    lengthM: d.lengthM,
    widthM: d.widthM,
    heightM: d.heightM,
    headingRad: d.headingRad ?? 0,
    yawRateRadps: 0,
    courses: [],
    lastNis: 0,
  };
}

/**
 * Re-acquisition after an abrupt change of velocity. A confirmed track that found no detection in its gate, and a
 * detection no track took, are the same object when the detection is inside the gate of the track *with its
 * velocity unknown*: its last position, velocity 0 ± restartVelocityStd (about its own speed: it may have
 * stopped or turned). Without this, an object that stops, starts or turns faster than the manoeuvre mode can follow (a car
 * braking to a stop in one frame) leaves its confirmed track coasting on at the old velocity for maxMisses frames
 * (a ghost, metres from the object, published as current) while a new track confirms three frames later. Instead
 * the track keeps its id and restarts its velocity from the detections: its covariance says the velocity is
 * unknown, so receivers predicting it widen it honestly. Confirmed tracks and detections are paired by the same
 * optimal assignment as the other stages (a third stage), on what the first two left. `a` is updated in place.
 */
function reacquire(
  tracks: readonly Track[], a: Association, detections: readonly Detection[], dtS: number, timeNs: number, p: TrackerParams, next: Track[],
): void {
  const rows: number[] = [];
  const reset: Track[] = [];
  const resetStd: number[] = [];
  const candidates: AssociationCandidate[] = [];
  for (const ti of a.unassignedTracks) {
    const t = tracks[ti]!;
    if (t.status !== 'confirmed') continue;
    const velocityStdMps = restartVelocityStd(t, dtS, p);
    const r = velocityReset(t, velocityStdMps);
    const pr = predictedModes(r, dtS, p);
    rows.push(ti);
    reset.push(r);
    resetStd.push(velocityStdMps);
    const components: AssociationCandidate['components'][number][] = [];
    for (let j = 0; j < pr.modes.length; j++) components.push({ weight: pr.modeProbabilities[j]!, mean: pr.modes[j]!.mean, covariance: pr.modes[j]!.covariance });
    candidates.push({ components, objectClass: trackClass(t).objectClass, confirmed: true });
  }
  if (rows.length === 0) return;
  // The velocity-unknown gate is wide (about 3 m at 10 Hz): a detection of no class (clutter is 'unknown') is not
  // evidence enough to move a track that far; it starts its own tentative track instead.
  const freeIndex: number[] = [];
  const free: Detection[] = [];
  for (const di of a.unassignedDetections) {
    if (detections[di]!.objectClass === 'unknown') continue;
    freeIndex.push(di);
    free.push(detections[di]!);
  }
  if (free.length === 0) return;
  const found = associate(candidates, free, p);
  if (found.pairs.length === 0) return;
  const takenT = new Set<number>();
  const takenD = new Set<number>();
  for (const [k, j] of found.pairs) {
    const ti = rows[k]!;
    const di = freeIndex[j]!;
    const d = detections[di]!;
    next[ti] = updatedTrack(reset[k]!, restartPrior(d, resetStd[k]!, p), d, timeNs, 0, p);
    a.pairs.push([ti, di]);
    takenT.add(ti);
    takenD.add(di);
  }
  a.unassignedTracks = a.unassignedTracks.filter((ti) => !takenT.has(ti));
  a.unassignedDetections = a.unassignedDetections.filter((di) => !takenD.has(di));
}

/**
 * How unknown a track's velocity is after an abrupt manoeuvre, m/s: its own speed (it may have stopped, or turned
 * by any angle: a change of up to about |v|), and at least what the manoeuvre mode's acceleration reaches in the
 * frame (a track standing still can only start as fast as that). Scaling with the speed keeps the re-acquisition
 * gate of a parked object tight: a wide one let a stray detection beside a parked car restart its track, with a
 * velocity of metres per second from two noisy positions, and the planner yielded to it.
 */
function restartVelocityStd(t: Track, dtS: number, p: TrackerParams): number {
  const speed = Math.hypot(t.mean[2]!, t.mean[3]!);
  let accel = 0;
  for (const a of p.modeAccelStdMps2) accel = Math.max(accel, a);
  return Math.max(speed, accel * Math.abs(dtS));
}

/** The prior a track restarts from at detection d: centred on it with the measurement's position covariance and
 * velocity 0 ± velocityStdMps (restartVelocityStd); not the track's own position, which the manoeuvre has
 * already biased by the lagging updates that came before the miss. */
function restartPrior(d: Detection, velocityStdMps: number, p: TrackerParams): Prediction {
  const covariance = unknownVelocityCovariance(measurementCovariance(d, p), velocityStdMps ** 2);
  const m = p.modeAccelStdMps2.length;
  const modes: GaussianState[] = [];
  for (let j = 0; j < m; j++) modes.push({ mean: [d.xM, d.yM, 0, 0], covariance: copyRows(covariance) });
  return { modes, modeProbabilities: new Array<number>(m).fill(1 / m) };
}

/** The track at its last update with its velocity forgotten: 0 ± velocityStdMps in every mode, modes equally
 * likely, no course history (the yaw rate must not read the manoeuvre as a turn). */
function velocityReset(t: Track, velocityStdMps: number): Track {
  const mean = [t.mean[0]!, t.mean[1]!, 0, 0];
  const covariance = unknownVelocityCovariance(t.covariance, velocityStdMps ** 2);
  const m = t.modes.length;
  return withFields(t, {
    mean,
    covariance,
    modes: Array.from({ length: m }, () => ({ mean: [...mean], covariance: copyRows(covariance) })),
    modeProbabilities: new Array<number>(m).fill(1 / m),
    courses: [],
    lastNis: 0,
  });
}

/** Row-by-row copy by push (shared/kernels/v8-shapes.ts, rule 3). */
function copyRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (const row of m) out.push([...row]);
  return out;
}

function withStatus(t: Track, p: TrackerParams): Track | null {
  const posTrace = t.covariance[0]![0]! + t.covariance[1]![1]!;
  if (!(posTrace <= p.maxPositionVarianceM2)) return null;
  if (t.status === 'confirmed') return t.consecutiveMisses >= p.maxMisses ? null : t;
  if (t.frames <= p.confirmWindow && t.totalHits >= p.confirmHits) return withFields(t, { status: 'confirmed' });
  // A tentative track that can no longer reach confirmHits within its first confirmWindow frames is dropped.
  const misses = t.frames - t.totalHits;
  return misses > p.confirmWindow - p.confirmHits || t.consecutiveMisses >= p.maxMisses ? null : t;
}

function nextFreeId(from: number, used: ReadonlySet<number>): number {
  let id = from;
  while (used.has(id)) id = id >= MAX_TRACK_ID ? 1 : id + 1;
  return id;
}

/** A track as the wire object, at the tracker's current time. */
export function trackToObject(t: Track, timeNs: number, p: TrackerParams): DetectedObject {
  const [xM, yM, vxMps, vyMps] = t.mean as [number, number, number, number];
  // The last existenceWindow entries, as hits.slice(-existenceWindow) takes them, counted without the copy.
  const hits = t.hits;
  const rel = Math.trunc(-p.existenceWindow) || 0;
  const start = rel < 0 ? Math.max(hits.length + rel, 0) : Math.min(rel, hits.length);
  let hitCount = 0;
  for (let i = start; i < hits.length; i++) if (hits[i]) hitCount++;
  const { objectClass, classConfidence } = trackClass(t);
  return {
    trackId: t.id,
    objectClass,
    classConfidence,
    xM,
    yM,
    zM: t.zM,
    vxMps,
    vyMps,
    headingRad: t.headingRad,
    yawRateRadps: t.yawRateRadps,
    lengthM: t.lengthM,
    widthM: t.widthM,
    heightM: t.heightM,
    covariance: packCovariance(t.covariance),
    // Posterior mean of the hit rate under a uniform prior: never exactly 0 or 1 from a short history.
    existenceProbability: (hitCount + 1) / (hits.length - start + 2),
    ageS: (timeNs - t.birthTimeNs) / 1e9,
  };
}

/** The defaults with params on top; the (frozen) defaults themselves when nothing is overridden, the usual case. */
function resolvedParams(params: Partial<TrackerParams>): TrackerParams {
  for (const _ in params) return { ...DEFAULT_TRACKER_PARAMS, ...params };
  return DEFAULT_TRACKER_PARAMS;
}

/**
 * Processes one frame of detections captured at timeNs (ns, must not go backwards). Returns the new state and
 * the confirmed tracks at timeNs.
 */
export function updateTracker(
  state: TrackerState,
  detections: readonly Detection[],
  timeNs: number,
  params: Partial<TrackerParams> = {},
): TrackerOutput {
  const p = resolvedParams(params);
  if (!Number.isFinite(timeNs)) throw new RangeError(`timeNs must be finite, got ${timeNs}`);
  if (state.timeNs !== null && timeNs < state.timeNs) {
    throw new RangeError(`frame at ${timeNs} ns is older than the tracker's time ${state.timeNs} ns`);
  }
  if (p.modeAccelStdMps2.length === 0) throw new RangeError('modeAccelStdMps2 needs at least one mode');
  if (state.tracks.some((t) => t.modes.length !== p.modeAccelStdMps2.length)) {
    throw new RangeError('modeAccelStdMps2 changed under existing tracks: keep the parameters of a tracker state fixed');
  }
  const dtS = state.timeNs === null ? 0 : (timeNs - state.timeNs) / 1e9;
  const predicted: Prediction[] = [];
  const candidates: AssociationCandidate[] = [];
  for (const t of state.tracks) {
    const pr = predictedModes(t, dtS, p);
    predicted.push(pr);
    const components: AssociationCandidate['components'][number][] = [];
    for (let j = 0; j < pr.modes.length; j++) {
      const g = pr.modes[j]!;
      components.push({ weight: pr.modeProbabilities[j]!, mean: g.mean, covariance: g.covariance });
    }
    candidates.push({ components, objectClass: trackClass(t).objectClass, confirmed: t.status === 'confirmed' });
  }

  const a = associate(candidates, detections, p);
  // Every track is either paired or unassigned, so each entry is replaced.
  const next: Track[] = state.tracks.slice();
  for (const [ti, di] of a.pairs) next[ti] = updatedTrack(state.tracks[ti]!, predicted[ti]!, detections[di]!, timeNs, dtS, p);
  if (a.unassignedTracks.length > 0 && a.unassignedDetections.length > 0) reacquire(state.tracks, a, detections, dtS, timeNs, p, next);
  for (const ti of a.unassignedTracks) next[ti] = missedTrack(state.tracks[ti]!, predicted[ti]!, dtS, p, freeDetectionNear(state.tracks[ti]!, predicted[ti]!, a, detections, dtS, p));


  const tracks: Track[] = [];
  for (const t of next) {
    const s = withStatus(t, p);
    if (s !== null) tracks.push(s);
  }
  let nextId = state.nextId;
  // The ids in use only matter for a birth (most frames have none).
  if (a.unassignedDetections.length > 0) {
    const used = new Set(tracks.map((t) => t.id));
    for (const di of a.unassignedDetections) {
      const id = nextFreeId(nextId, used);
      used.add(id);
      nextId = id >= MAX_TRACK_ID ? 1 : id + 1;
      const born = withStatus(bornTrack(id, detections[di]!, timeNs, p), p);
      if (born !== null) tracks.push(born);
    }
  }

  const newState: TrackerState = { timeNs, nextId, tracks };
  return { state: newState, objects: confirmedObjectsOf(newState, p) };
}

/** Confirmed tracks of a state as wire objects at the state's time. */
export function confirmedObjects(state: TrackerState, params: Partial<TrackerParams> = {}): DetectedObject[] {
  return confirmedObjectsOf(state, resolvedParams(params));
}

function confirmedObjectsOf(state: TrackerState, p: TrackerParams): DetectedObject[] {
  if (state.timeNs === null) return [];
  const timeNs = state.timeNs;
  const out: DetectedObject[] = [];
  for (const t of state.tracks) if (t.status === 'confirmed') out.push(trackToObject(t, timeNs, p));
  return out;
}
