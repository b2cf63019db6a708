// Scoring vehicle frames, shared by the virtual-time run and by replays of recordings: against a scenario's
// ground truth (TruthScorer: every metric), or, for a field drive, only what needs no truth (LinkScorer: mode
// residency and switches, end-to-end and roadside latency). Frame by frame, from what the vehicle step produced.
import {
  preparePolyline, projectToPolyline, projectToPolylineRange, RouteProgress, simplifyPath, type Polyline,
} from '../../shared/geometry/polyline.js';
import { quantileNearestRank } from '../../shared/link/window.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject, PerceptionFrame, Pose } from '../../shared/model/types.js';
import type { EgoState } from '../../shared/sources/detections.js';
import type { VehicleCore, VehicleStepResult } from '../../vehicle/core.js';
import { MetricsAccumulator, type FrameTruthActor, type MetricsSummary } from '../metrics/accumulator.js';
import type { RunSeries, SceneGeometry } from '../report/types.js';
import type { Scenario, SensorSpec } from '../scenarios/types.js';
import type { TruthActor } from '../sensors/sensor-model.js';
import { isVisible, type Viewpoint } from '../sensors/visibility.js';
import { sampleTrajectory } from '../world/trajectory.js';
import { EGO_ID, TruthTimeline } from '../world/truth.js';

const NS_PER_MS = 1e6;

export interface FrameScorer {
  readonly series: RunSeries;
  /** One vehicle step: its own frame, what it produced, when the output went out, the core that produced it. */
  add(own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number, core: VehicleCore, ego: EgoState | undefined): void;
  summary(): MetricsSummary;
}

const emptySeries = (): RunSeries => ({ timeS: [], routeSM: [], egoXM: [], egoYM: [], latencyMs: [], method: [], missed: [] });

export interface TruthScorerOptions {
  scenario: Scenario;
  /** Scenario time 0 on the vehicle's clock, ns. */
  originNs: number;
  /** Region of interest: ahead of the ego along its route, m, and across it, m. */
  roiAheadM?: number;
  roiLateralM?: number;
  /** A fused object within this of an actor finds it, m. */
  matchRadiusM?: number;
  /** Keep per-frame series for the report (off for benchmarks). */
  collectSeries?: boolean;
  /** The run's truth, when the sensors already sample it (shared cache); else the scorer keeps its own. */
  truth?: TruthTimeline;
}

/** Every metric, against the scenario's ground truth at each frame's capture time. */
export class TruthScorer implements FrameScorer {
  readonly series = emptySeries();
  private readonly metrics: MetricsAccumulator;
  private readonly route: Polyline;
  private readonly progress: RouteProgress;
  private readonly truth: TruthTimeline;
  private readonly rsuViews: Viewpoint[];

  constructor(private readonly o: TruthScorerOptions) {
    this.truth = o.truth ?? new TruthTimeline(o.scenario);
    this.rsuViews = o.scenario.rsus.map((r) => viewOf(r.sensor, r.pose));
    this.metrics = new MetricsAccumulator(o.matchRadiusM ?? 2);
    this.route = scenarioRoute(o.scenario);
    this.progress = new RouteProgress(this.route);
  }

  add(own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number, core: VehicleCore): void {
    const s = this.o.scenario;
    const route = this.route;
    const roiAheadM = this.o.roiAheadM ?? 60;
    const roiLateralM = this.o.roiLateralM ?? 8;
    const tS = (own.captureTimeNs - this.o.originNs) / 1e9;
    const truth = this.truth.at(tS);
    const egoTruth = truth.find((a) => a.id === EGO_ID)!;
    const egoProjection = this.progress.update(egoTruth);
    const egoS = egoProjection.sM;
    const others = truth.filter((a) => a.id !== EGO_ID);
    const egoView = viewOf(s.ego.sensor, { xM: egoTruth.xM, yM: egoTruth.yM, yawRad: egoTruth.headingRad });
    // An actor in the ROI is within roiAheadM of arc (so of distance) plus roiLateralM of the ego's point on the
    // route, which is |lateral| from the ego: anything farther cannot be in it and skips the projection.
    const roiReachM = roiAheadM + roiLateralM + Math.abs(egoProjection.lateralM) + 1;
    const scored = others.map((a): FrameTruthActor => {
      const dx = a.xM - egoTruth.xM;
      const dy = a.yM - egoTruth.yM;
      let inRoi = dx * dx + dy * dy <= roiReachM * roiReachM;
      if (inRoi) {
        // Only the route ahead counts (and a route passing the same place twice is not confused).
        const p = projectToPolylineRange(route, a, egoS, egoS + roiAheadM);
        const ahead = p.sM - egoS;
        inRoi = ahead >= 0 && ahead <= roiAheadM && Math.abs(p.lateralM) <= roiLateralM;
      }
      return {
        id: a.id, xM: a.xM, yM: a.yM, inRoi,
        rsuVisible: inRoi && this.rsuViews.some((v) => isVisible(v, a, truth)),
        egoVisible: inRoi && isVisible(egoView, a, others),
      };
    });
    const ego = { pose: { xM: egoTruth.xM, yM: egoTruth.yM, zM: 0, yawRad: egoTruth.headingRad, pitchRad: 0, rollRad: 0 },
      speedMps: Math.hypot(egoTruth.vxMps, egoTruth.vyMps) };
    const truthPlan = result.plan ? core.planWith(own.captureTimeNs, ego, result.routeSM ?? egoS, others.map(truthObject), []) : null;
    const missed = this.metrics.add({
      timeS: tS, objects: result.objects, truth: scored, method: result.method,
      e2eLatencyMs: (outputTimeNs - own.captureTimeNs) / NS_PER_MS, plan: result.plan, truthPlan,
    });
    if (this.o.collectSeries ?? true) {
      const series = this.series;
      series.timeS.push(tS);
      series.routeSM.push(egoS);
      series.egoXM.push(egoTruth.xM);
      series.egoYM.push(egoTruth.yM);
      series.latencyMs.push(freshestLatencyMs(core, outputTimeNs));
      series.method.push(result.method);
      series.missed.push(missed);
    }
  }

  summary(): MetricsSummary {
    return this.metrics.summary();
  }
}

/**
 * A field drive: no truth, so only what the vehicle itself knows. Truth metrics come out null (never a number
 * that looks measured); the series' `missed` is 0 throughout. Time is counted from the first own capture.
 */
export class LinkScorer implements FrameScorer {
  readonly series = emptySeries();
  private readonly metrics = new MetricsAccumulator();
  private readonly roadsideLatencies: number[] = [];
  private firstCaptureNs: number | null = null;
  private lastCaptureNs: number | null = null;
  private pathM = 0;
  private last: Pose | null = null;
  private readonly route: Polyline | null;
  /** Where the ego was (from its own frames), for the report's top-down view. */
  readonly egoPath: Array<{ xM: number; yM: number }> = [];
  /** RSU sensor poses seen in roadside frames. */
  readonly rsus = new Map<string, Pose>();

  constructor(route?: ReadonlyArray<{ xM: number; yM: number }>) {
    this.route = route && route.length >= 2 ? preparePolyline(route.map((p) => ({ xM: p.xM, yM: p.yM }))) : null;
  }

  add(own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number, core: VehicleCore, ego: EgoState | undefined): void {
    this.firstCaptureNs ??= own.captureTimeNs;
    this.lastCaptureNs = own.captureTimeNs;
    this.metrics.add({
      timeS: 0, objects: [], truth: [], method: result.method, e2eLatencyMs: (outputTimeNs - own.captureTimeNs) / NS_PER_MS,
      plan: null, truthPlan: null,
    });
    const latency = freshestLatencyMs(core, outputTimeNs);
    if (latency !== null) this.roadsideLatencies.push(latency);
    for (const [id, r] of core.roadside) this.rsus.set(id, r.latest.frame.sensorPose);
    const pose = ego?.pose ?? null;
    if (pose && this.last) this.pathM += Math.hypot(pose.xM - this.last.xM, pose.yM - this.last.yM);
    if (pose) {
      this.last = pose;
      const prev = this.egoPath[this.egoPath.length - 1];
      if (!prev || Math.hypot(prev.xM - pose.xM, prev.yM - pose.yM) >= 1) this.egoPath.push({ xM: pose.xM, yM: pose.yM });
    }
    const s = this.series;
    s.timeS.push((own.captureTimeNs - this.firstCaptureNs) / 1e9);
    s.routeSM.push(pose && this.route ? projectToPolyline(this.route, pose).sM : this.pathM);
    s.egoXM.push(pose?.xM ?? 0);
    s.egoYM.push(pose?.yM ?? 0);
    s.latencyMs.push(latency);
    s.method.push(result.method);
    s.missed.push(0);
  }

  summary(): MetricsSummary {
    const m = this.metrics.summary();
    return { ...m, fusion_miss_ratio: null, recall: null, false_object_ratio: null, position_error_m: { mean: null, p95: null } };
  }

  /** Own capture span, s (first to last capture plus nothing: the drive as the vehicle saw it). */
  durationS(): number {
    return this.firstCaptureNs === null || this.lastCaptureNs === null ? 0 : (this.lastCaptureNs - this.firstCaptureNs) / 1e9;
  }

  /** One-way latency of the freshest roadside frame at each output, ms. */
  roadsideLatencyMs(): { p50: number | null; p99: number | null } {
    const v = [...this.roadsideLatencies].sort((a, b) => a - b);
    return { p50: v.length ? quantileNearestRank(v, 0.5) : null, p99: v.length ? quantileNearestRank(v, 0.99) : null };
  }

  scene(): SceneGeometry {
    return {
      lanes: [],
      rsus: [...this.rsus].map(([id, p]) => ({ id, xM: p.xM, yM: p.yM, rangeM: 0 })),
      egoPath: this.egoPath,
      actorPaths: [],
    };
  }
}

/** The ego route as the simulator uses it: simplified to 10 cm (a logged route has a point every few dm). */
export function scenarioRoute(s: Scenario): Polyline {
  return preparePolyline(simplifyPath(s.ego.route.map((w) => ({ xM: w.xM, yM: w.yM })), 0.1));
}

function viewOf(sensor: SensorSpec, pose: { xM: number; yM: number; yawRad: number }) {
  return { xM: pose.xM, yM: pose.yM, yawRad: pose.yawRad, rangeM: sensor.rangeM, fovRad: sensor.fovRad, occlusion: sensor.occlusion };
}

/** Ground truth as the planner's input: exact state, small covariance. */
function truthObject(a: TruthActor): DetectedObject {
  return {
    trackId: a.id, objectClass: a.objectClass, classConfidence: 1, xM: a.xM, yM: a.yM, zM: a.heightM / 2,
    vxMps: a.vxMps, vyMps: a.vyMps, headingRad: a.headingRad, yawRateRadps: 0, lengthM: a.lengthM, widthM: a.widthM,
    heightM: a.heightM, covariance: diagonalCovariance(0.05, 0.05), existenceProbability: 1, ageS: 1,
  };
}

/** One-way latency of the freshest roadside frame, ms; null when nothing arrived in the last second. */
export function freshestLatencyMs(core: VehicleCore, nowNs: number): number | null {
  let best: number | null = null;
  for (const r of core.roadside.values()) {
    if (nowNs - r.receivedAtNs > 1e9) continue;
    const ms = (r.receivedAtNs + r.latest.offsetNs - r.latest.frame.publishTimeNs) / NS_PER_MS;
    if (best === null || ms < best) best = ms;
  }
  return best;
}

/** The report's top-down view of a scenario. */
export function sceneGeometry(s: Scenario): SceneGeometry {
  const actorPaths = s.actors.map((a) => {
    const t0 = a.trajectory[0]!.tS;
    const points: Array<{ xM: number; yM: number }> = [];
    for (let t = Math.min(0, t0); t <= s.durationS; t += 0.5) {
      const k = sampleTrajectory(a.trajectory, t);
      points.push({ xM: Math.round(k.xM * 100) / 100, yM: Math.round(k.yM * 100) / 100 });
    }
    return { id: a.id, objectClass: a.objectClass, points };
  });
  return {
    lanes: s.lanes,
    rsus: s.rsus.map((r) => ({ id: r.id, xM: r.pose.xM, yM: r.pose.yM, rangeM: r.sensor.rangeM })),
    egoPath: s.ego.route.map((w) => ({ xM: w.xM, yM: w.yM })),
    actorPaths,
  };
}
