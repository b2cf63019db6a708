// Scores a run frame by frame against ground truth (definitions: docs/metrics.md). Pure: it is handed the output
// objects (with what the scorer found out about each: region, provenance, age), the truth at the output instant,
// the plans and the frame's network condition; it never looks at how they were produced.
import { quantileNearestRank } from '../../shared/link/window.js';
import type { FusionMethod } from '../../shared/fusion/types.js';
import { gospa, GOSPA_PARAMS, type GospaParams, type GospaResult } from './gospa.js';
import { NETWORK_CONDITIONS } from './network-condition.js';
import type { CaptureTimeMetrics, GospaSummary, NetworkCondition, StretchMetrics } from '../report/types.js';

/** What scoring needs of a plan: when it was made, and its points (time since then, position). */
export interface PlanPath {
  timeNs: number;
  points: ReadonlyArray<{ tS: number; xM: number; yM: number }>;
}

export interface FrameTruthActor {
  id: number;
  /** True position, at the instant the frame is scored at (the output instant; capture_time: the capture). */
  xM: number;
  yM: number;
  /** In the region of interest (ahead on or near the ego's path) at the frame's capture. */
  inRoi: boolean;
  /** Seen by at least one RSU sensor at the capture (only evaluated in the ROI; false outside it). */
  rsuVisible: boolean;
  /** Seen by the ego's own sensor at the capture (only evaluated in the ROI; false outside it). */
  egoVisible: boolean;
}

/** An output object as scoring sees it. */
export interface ScoredObject {
  xM: number;
  yM: number;
  /** Its position lies in the frame's region of interest (the ROI of the ego at the capture). */
  inRoi: boolean;
  /** The vehicle's own sensor contributed to it (else only roadside sources did). */
  ownSensor: boolean;
  /** True position of the actor it derives from (provenance), at the output instant; null: from no actor. */
  actor: { xM: number; yM: number } | null;
  /** Derived from roadside data older, at the output instant, than its method allows. */
  tooOld: boolean;
}

export interface FrameScoreInput {
  objects: readonly ScoredObject[];
  /** Every actor but the ego, at the output instant, with the capture-time sets. */
  truth: readonly FrameTruthActor[];
  method: FusionMethod;
  e2eLatencyMs: number;
  /** The vehicle's plan and the ground-truth plan made at the output instant (planDisplacementM). */
  plan: PlanPath | null;
  truthPlan: PlanPath | null;
  condition: NetworkCondition;
  /** The same frame scored at its capture instant (capture_time figures), when wanted. */
  captureTime?: { objects: readonly ScoredObject[]; truth: readonly FrameTruthActor[]; truthPlan: PlanPath | null };
}

export type { CaptureTimeMetrics, GospaSummary, StaleSummary, StretchMetrics } from '../report/types.js';

export interface MetricsSummary extends StretchMetrics {
  by_network: Record<NetworkCondition, StretchMetrics>;
  capture_time: CaptureTimeMetrics;
  counts: {
    frames: number; occludedPairs: number; missedPairs: number; roiPairs: number; fusedObjects: number; falseObjects: number;
    staleObjects: number;
    /** Yield/pass decisions that changed between consecutive plans (decision-memory.ts): the vehicle's plans and
     * the ground-truth plans at the outputs. Absent where nothing planned on truth (field drives). */
    planDecisionFlips?: number;
    truthPlanDecisionFlips?: number;
  };
}

const METHODS: readonly FusionMethod[] = ['intra', 'inter', 'planning', 'vehicle-only'];

const mean = (v: readonly number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
/** Nearest-rank quantile of unsorted values, or null for none. */
export const quantileOrNull = (v: readonly number[], p: number): number | null => (v.length ? quantileNearestRank([...v].sort((a, b) => a - b), p) : null);

/**
 * Mean distance between two plans over the same absolute times: at each point of `truth` from `truth.timeNs` on,
 * against `plan` at that instant (linear between its points); only the instants both cover. Plans made at the
 * same instant on the same steps compare point by point. 0 when they share no instant.
 */
export function planDisplacementM(plan: PlanPath, truth: PlanPath): number {
  const pts = plan.points;
  const last = pts[pts.length - 1];
  if (!last) return 0;
  const offsetS = (truth.timeNs - plan.timeNs) / 1e9;
  let sum = 0;
  let count = 0;
  let k = 0;
  for (const t of truth.points) {
    const tS = offsetS + t.tS;
    if (tS > last.tS || tS < pts[0]!.tS) {
      if (tS > last.tS) break;
      continue;
    }
    while (k + 1 < pts.length && pts[k + 1]!.tS < tS) k++;
    const a = pts[k]!;
    const b = pts[Math.min(k + 1, pts.length - 1)]!;
    const span = b.tS - a.tS;
    const w = span > 0 ? Math.min(1, Math.max(0, (tS - a.tS) / span)) : 0;
    sum += Math.hypot(a.xM + w * (b.xM - a.xM) - t.xM, a.yM + w * (b.yM - a.yM) - t.yM);
    count++;
  }
  return count ? sum / count : 0;
}

/** One frame's sets scored (ROI GOSPA, occluded GOSPA, miss, recall): shared by output- and capture-time scoring. */
export interface FrameSets {
  roi: GospaResult;
  occluded: GospaResult;
  roiPairs: number;
  roiFound: number;
  occludedPairs: number;
  missedPairs: number;
  /** Distance from each found ROI actor to its assigned object, m. */
  positionErrors: number[];
}

/**
 * The sets of one frame: X = actors in the ROI, Y = output objects in the ROI, GOSPA over them; the occluded part
 * is X_occ = ROI actors RSU-visible and not ego-visible, Y_occ = the objects the ROI assignment gave them plus the
 * ROI's unassigned objects that only roadside sources produced (the vehicle did not see them), GOSPA over those.
 * An occluded actor is found when the ROI assignment gives it an object (so within the cut-off).
 */
export function scoreSets(objects: readonly ScoredObject[], truth: readonly FrameTruthActor[], params: GospaParams = GOSPA_PARAMS): FrameSets {
  const x: FrameTruthActor[] = [];
  for (const a of truth) if (a.inRoi) x.push(a);
  const y: ScoredObject[] = [];
  for (const o of objects) if (o.inRoi) y.push(o);
  const roi = gospa(x, y, params);
  const xOcc: FrameTruthActor[] = [];
  const yOcc: ScoredObject[] = [];
  const positionErrors: number[] = [];
  let roiFound = 0;
  let missedPairs = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const j = roi.estimateOf[i]!;
    if (j >= 0) {
      roiFound++;
      positionErrors.push(Math.hypot(y[j]!.xM - a.xM, y[j]!.yM - a.yM));
    }
    if (a.rsuVisible && !a.egoVisible) {
      xOcc.push(a);
      if (j >= 0) yOcc.push(y[j]!);
      else missedPairs++;
    }
  }
  for (const j of roi.unassignedEstimates) if (!y[j]!.ownSensor) yOcc.push(y[j]!);
  return {
    roi, occluded: gospa(xOcc, yOcc, params), roiPairs: x.length, roiFound, occludedPairs: xOcc.length, missedPairs,
    positionErrors,
  };
}

class GospaStats {
  private readonly distances: number[] = [];
  private readonly totals = { localisation: 0, missed: 0, false: 0 };
  private assigned = 0;
  private missed = 0;
  private falses = 0;

  add(g: GospaResult): void {
    this.distances.push(g.distanceM);
    this.totals.localisation += g.localisation;
    this.totals.missed += g.missed;
    this.totals.false += g.false;
    let assigned = 0;
    for (const j of g.estimateOf) if (j >= 0) assigned++;
    this.assigned += assigned;
    this.missed += g.estimateOf.length - assigned;
    this.falses += g.unassignedEstimates.length;
  }

  summary(): GospaSummary {
    const n = this.distances.length;
    const per = (v: number): number | null => (n ? v / n : null);
    return {
      mean_m: mean(this.distances), p95_m: quantileOrNull(this.distances, 0.95),
      mean_m2: { localisation: per(this.totals.localisation), missed: per(this.totals.missed), false: per(this.totals.false) },
      total_m2: { ...this.totals }, assigned: this.assigned, missed: this.missed, false: this.falses,
    };
  }
}

/** Every metric over a set of frames. */
class StretchStats {
  frames = 0;
  occludedPairs = 0;
  missedPairs = 0;
  roiPairs = 0;
  private roiFound = 0;
  fusedObjects = 0;
  falseObjects = 0;
  staleObjects = 0;
  private tooOld = 0;
  private displaced = 0;
  private readonly positionErrors: number[] = [];
  private readonly planErrors: number[] = [];
  private readonly latencies: number[] = [];
  private readonly methodCounts: Record<FusionMethod, number> = { intra: 0, inter: 0, planning: 0, 'vehicle-only': 0 };
  private switches = 0;
  private readonly gospaRoi = new GospaStats();
  private readonly gospaOccluded = new GospaStats();

  add(f: FrameScoreInput, sets: FrameSets, switched: boolean, objects: { falseObjects: number; tooOld: number; displaced: number; stale: number }, planErrorM: number | null): void {
    this.frames++;
    this.methodCounts[f.method]++;
    if (switched) this.switches++;
    this.latencies.push(f.e2eLatencyMs);
    this.roiPairs += sets.roiPairs;
    this.roiFound += sets.roiFound;
    this.occludedPairs += sets.occludedPairs;
    this.missedPairs += sets.missedPairs;
    for (const d of sets.positionErrors) this.positionErrors.push(d);
    this.gospaRoi.add(sets.roi);
    this.gospaOccluded.add(sets.occluded);
    this.fusedObjects += f.objects.length;
    this.falseObjects += objects.falseObjects;
    this.tooOld += objects.tooOld;
    this.displaced += objects.displaced;
    this.staleObjects += objects.stale;
    if (planErrorM !== null) this.planErrors.push(planErrorM);
  }

  summary(): StretchMetrics {
    const residency = Object.fromEntries(METHODS.map((m) => [m, this.frames ? this.methodCounts[m] / this.frames : 0])) as Record<FusionMethod, number>;
    let maxPlanError: number | null = null;
    for (const e of this.planErrors) if (maxPlanError === null || e > maxPlanError) maxPlanError = e;
    return {
      frames: this.frames,
      fusion_miss_ratio: this.occludedPairs ? this.missedPairs / this.occludedPairs : null,
      recall: this.roiPairs ? this.roiFound / this.roiPairs : null,
      false_object_ratio: this.fusedObjects ? this.falseObjects / this.fusedObjects : null,
      position_error_m: { mean: mean(this.positionErrors), p95: quantileOrNull(this.positionErrors, 0.95) },
      planning_displacement_error_m: { mean: mean(this.planErrors), p95: quantileOrNull(this.planErrors, 0.95), max: maxPlanError },
      gospa: { roi: this.gospaRoi.summary(), occluded: this.gospaOccluded.summary() },
      stale_objects: {
        count: this.staleObjects, ratio: this.fusedObjects ? this.staleObjects / this.fusedObjects : null,
        too_old: this.tooOld, displaced: this.displaced,
      },
      mode_residency: residency,
      mode_switches: this.switches,
      e2e_latency_ms: { p50: quantileOrNull(this.latencies, 0.5), p99: quantileOrNull(this.latencies, 0.99) },
    };
  }
}

/** A summary with every truth metric null: a field drive has no truth, so none may look measured. */
export function withoutTruth(m: MetricsSummary): MetricsSummary {
  const strip = (s: StretchMetrics): StretchMetrics => ({
    ...s, fusion_miss_ratio: null, recall: null, false_object_ratio: null, position_error_m: { mean: null, p95: null },
    planning_displacement_error_m: { mean: null, p95: null, max: null }, gospa: null, stale_objects: null,
  });
  return {
    ...m, ...strip(m),
    by_network: Object.fromEntries(NETWORK_CONDITIONS.map((k) => [k, strip(m.by_network[k])])) as Record<NetworkCondition, StretchMetrics>,
    capture_time: { fusion_miss_ratio: null, recall: null, gospa_roi_mean_m: null, planning_displacement_error_m: { mean: null, p95: null } },
  };
}

export class MetricsAccumulator {
  private readonly all = new StretchStats();
  private readonly byCondition: Record<NetworkCondition, StretchStats> = { good: new StretchStats(), degraded: new StretchStats(), outage: new StretchStats() };
  private lastMethod: FusionMethod | null = null;
  private readonly capture = { occludedPairs: 0, missedPairs: 0, roiPairs: 0, roiFound: 0, gospa: [] as number[], planErrors: [] as number[] };

  /** The match radius is GOSPA's cut-off too: "found", false and displaced objects all use the one distance. */
  private readonly gospaParams: GospaParams;

  constructor(private readonly matchRadiusM = GOSPA_PARAMS.cutoffM) {
    this.gospaParams = { ...GOSPA_PARAMS, cutoffM: matchRadiusM };
  }

  /** Scores one vehicle frame; returns how many occluded ROI actors it missed (for the per-frame series). */
  add(f: FrameScoreInput): number {
    const switched = this.lastMethod !== null && f.method !== this.lastMethod;
    this.lastMethod = f.method;
    const sets = scoreSets(f.objects, f.truth, this.gospaParams);
    const objects = this.objectCounts(f.objects, f.truth);
    const planErrorM = f.plan && f.truthPlan ? planDisplacementM(f.plan, f.truthPlan) : null;
    this.all.add(f, sets, switched, objects, planErrorM);
    this.byCondition[f.condition].add(f, sets, switched, objects, planErrorM);
    const c = f.captureTime;
    if (c) {
      const s = scoreSets(c.objects, c.truth, this.gospaParams);
      this.capture.occludedPairs += s.occludedPairs;
      this.capture.missedPairs += s.missedPairs;
      this.capture.roiPairs += s.roiPairs;
      this.capture.roiFound += s.roiFound;
      this.capture.gospa.push(s.roi.distanceM);
      if (f.plan && c.truthPlan) this.capture.planErrors.push(planDisplacementM(f.plan, c.truthPlan));
    }
    return sets.missedPairs;
  }

  /** False objects (no actor within the match radius) and stale ones, over every output object of the frame. */
  private objectCounts(objects: readonly ScoredObject[], truth: readonly FrameTruthActor[]): { falseObjects: number; tooOld: number; displaced: number; stale: number } {
    const r2 = this.matchRadiusM * this.matchRadiusM;
    let falseObjects = 0;
    let tooOld = 0;
    let displaced = 0;
    let stale = 0;
    for (const o of objects) {
      let near = false;
      for (const a of truth) {
        if ((a.xM - o.xM) ** 2 + (a.yM - o.yM) ** 2 <= r2) {
          near = true;
          break;
        }
      }
      if (!near) falseObjects++;
      const far = o.actor !== null && (o.actor.xM - o.xM) ** 2 + (o.actor.yM - o.yM) ** 2 > r2;
      if (o.tooOld) tooOld++;
      if (far) displaced++;
      if (o.tooOld || far) stale++;
    }
    return { falseObjects, tooOld, displaced, stale };
  }

  summary(): MetricsSummary {
    const all = this.all.summary();
    const c = this.capture;
    return {
      ...all,
      by_network: Object.fromEntries(NETWORK_CONDITIONS.map((k) => [k, this.byCondition[k].summary()])) as Record<NetworkCondition, StretchMetrics>,
      capture_time: {
        fusion_miss_ratio: c.occludedPairs ? c.missedPairs / c.occludedPairs : null,
        recall: c.roiPairs ? c.roiFound / c.roiPairs : null,
        gospa_roi_mean_m: mean(c.gospa),
        planning_displacement_error_m: { mean: mean(c.planErrors), p95: quantileOrNull(c.planErrors, 0.95) },
      },
      counts: {
        frames: this.all.frames, occludedPairs: this.all.occludedPairs, missedPairs: this.all.missedPairs, roiPairs: this.all.roiPairs,
        fusedObjects: this.all.fusedObjects, falseObjects: this.all.falseObjects, staleObjects: this.all.staleObjects,
      },
    };
  }
}
