// Scoring vehicle frames, shared by the virtual-time run and by replays of recordings: against a scenario's
// ground truth at the instant each output is published (TruthScorer: every metric), or, for a field drive, only
// what needs no truth (LinkScorer: mode residency and switches, end-to-end and roadside latency). Frame by frame,
// from what the vehicle step produced (docs/metrics.md).
import {
  preparePolyline, projectToPolyline, projectToPolylineRange, RouteProgress, simplifyPath, type Polyline,
} from '../../shared/geometry/polyline.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import type { FusedObject, FusionMethod } from '../../shared/fusion/types.js';
import type { DetectedObject, PerceptionFrame, Pose } from '../../shared/model/types.js';
import type { EgoState } from '../../shared/sources/detections.js';
import type { PlanMemoryCell, VehicleCore, VehicleStepResult } from '../../vehicle/core.js';
import { emptyDecisionMemory } from '../../shared/planning/decision-memory.js';
import type { Plan } from '../../shared/planning/planner.js';
import { MetricsAccumulator, quantileOrNull, withoutTruth, type FrameTruthActor, type MetricsSummary, type PlanPath, type ScoredObject } from './accumulator.js';
import { networkCondition } from './network-condition.js';
import { ActorProvenance, heldData } from './provenance.js';
import type { RunSeries, SceneGeometry } from '../report/types.js';
import type { Scenario, SensorSpec } from '../world/scenario.js';
import { isVisible, type Viewpoint } from '../world/visibility.js';
import { sampleTrajectory } from '../world/trajectory.js';
import { egoAt, EGO_ID, truthAt, TruthTimeline, type TruthActor } from '../world/truth.js';

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
  /** The truth side of a frame computed ahead (by capture time), if any; used only where its assumptions hold. */
  ahead?: (captureTimeNs: number) => TruthFrame | undefined;
}

/** The ego at an instant (a vehicle frame's capture or output), on ground truth, with its position along the route. */
export interface TruthEgo {
  timeNs: number;
  tS: number;
  state: EgoState;
  routeSM: number;
  lateralM: number;
}

/** The planner the vehicle plans with (VehicleCore.planWith, no zones), on ground truth. */
export type TruthPlanner = (timeNs: number, ego: EgoState, routeSM: number, objects: readonly DetectedObject[], memory: PlanMemoryCell) => Plan | null;

/**
 * The ground-truth side of scoring a vehicle frame: the ego's route position, the actors with their ROI and
 * visibility flags, and the planner's output on ground truth. None of it depends on what the vehicle produced (the
 * plan only on the route position it is planned from), so a run may compute it ahead on its perception worker
 * (truthFrameAhead) and hand it to the scorer. Frames must be asked for in capture order (route progress).
 */
export class GroundTruthSide {
  private readonly route: Polyline;
  private readonly progress: RouteProgress;
  /** Output instants lag captures by the latency: their own route progress (each in increasing time). */
  private readonly outputProgress: RouteProgress;
  private readonly truth: TruthTimeline;
  private readonly rsuViews: Viewpoint[];
  private lastOthers: { ego: TruthEgo; actors: TruthActor[] } | null = null;
  /** The ground-truth planner's decision memory along each timeline it plans on (captures, outputs), as the
   * vehicle keeps its own: the same planner on perfect information. */
  readonly captureMemory: PlanMemoryCell = { current: emptyDecisionMemory() };
  readonly outputMemory: PlanMemoryCell = { current: emptyDecisionMemory() };

  constructor(private readonly o: Omit<TruthScorerOptions, 'matchRadiusM' | 'collectSeries' | 'ahead'>) {
    this.truth = o.truth ?? new TruthTimeline(o.scenario);
    this.rsuViews = o.scenario.rsus.map((r) => viewOf(r.sensor, r.pose));
    this.route = scenarioRoute(o.scenario);
    this.progress = new RouteProgress(this.route);
    this.outputProgress = new RouteProgress(this.route);
  }

  /** The ego at a frame's capture (frames in capture order). */
  ego(captureTimeNs: number): TruthEgo {
    return this.egoAt(captureTimeNs, this.progress);
  }

  /** The ego at a frame's output (outputs in output order). */
  outputEgo(outputTimeNs: number): TruthEgo {
    return this.egoAt(outputTimeNs, this.outputProgress);
  }

  private egoAt(timeNs: number, progress: RouteProgress): TruthEgo {
    const tS = (timeNs - this.o.originNs) / 1e9;
    const e = egoAt(this.o.scenario, tS);
    const p = progress.update(e);
    return {
      timeNs, tS, routeSM: p.sM, lateralM: p.lateralM,
      state: { pose: { xM: e.xM, yM: e.yM, zM: 0, yawRad: e.headingRad, pitchRad: 0, rollRad: 0 }, speedMps: Math.hypot(e.vxMps, e.vyMps) },
    };
  }

  /** Every actor (the ego aside) with its ROI and visibility flags. */
  actors(ego: TruthEgo): FrameTruthActor[] {
    const truth = this.truth.at(ego.tS);
    const others = this.others(ego);
    const { xM: egoX, yM: egoY, yawRad } = ego.state.pose;
    const egoView = viewOf(this.o.scenario.ego.sensor, { xM: egoX, yM: egoY, yawRad });
    // Loops rather than .map() here and below (shared/kernels/v8-shapes.ts, rule 3).
    const out: FrameTruthActor[] = [];
    for (const a of others) {
      const inRoi = this.inRoi(ego, a.xM, a.yM);
      out.push({
        id: a.id, xM: a.xM, yM: a.yM, inRoi,
        rsuVisible: inRoi && this.rsuViews.some((v) => isVisible(v, a, truth)),
        egoVisible: inRoi && isVisible(egoView, a, others),
      });
    }
    return out;
  }

  /**
   * Whether a point is in the region of interest of the ego: ahead of it along the route by 0 to roiAheadM and
   * within roiLateralM of the route (only the route ahead counts, so a route passing the same place twice is not
   * confused).
   */
  inRoi(ego: TruthEgo, xM: number, yM: number): boolean {
    const roiAheadM = this.o.roiAheadM ?? 60;
    const roiLateralM = this.o.roiLateralM ?? 8;
    // A point in the ROI is within roiAheadM of arc (so of distance) plus roiLateralM of the ego's point on the
    // route, which is |lateral| from the ego: anything farther cannot be in it and skips the projection.
    const roiReachM = roiAheadM + roiLateralM + Math.abs(ego.lateralM) + 1;
    const dx = xM - ego.state.pose.xM;
    const dy = yM - ego.state.pose.yM;
    if (dx * dx + dy * dy > roiReachM * roiReachM) return false;
    const egoS = ego.routeSM;
    const p = projectToPolylineRange(this.route, { xM, yM }, egoS, egoS + roiAheadM);
    const ahead = p.sM - egoS;
    return ahead >= 0 && ahead <= roiAheadM && Math.abs(p.lateralM) <= roiLateralM;
  }

  /** The planner's output on ground truth at zero latency, planned at the ego's instant from routeSM. */
  plan(ego: TruthEgo, routeSM: number, planWith: TruthPlanner, memory: PlanMemoryCell): Plan | null {
    const objects: DetectedObject[] = [];
    for (const a of this.others(ego)) objects.push(truthObject(a));
    return planWith(ego.timeNs, ego.state, routeSM, objects, memory);
  }

  /** The actors but the ego at the ego's instant, in scenario order (actors() and plan() both need them: filtered
   * once per instant). */
  others(ego: TruthEgo): readonly TruthActor[] {
    if (this.lastOthers?.ego !== ego) this.lastOthers = { ego, actors: this.truth.at(ego.tS).filter((a) => a.id !== EGO_ID) };
    return this.lastOthers.actors;
  }
}

/** The truth side of one vehicle frame computed ahead, with the route positions it assumed. */
export interface TruthFrame {
  captureTimeNs: number;
  egoRouteSM: number;
  actors: FrameTruthActor[];
  /** The ground-truth plan from planRouteSM (the ego's own route position), as scoring needs it. */
  planRouteSM: number;
  truthPlan: PlanPath | null;
}

/** The next frame's truth side, planned from the ego's own route position (what the vehicle plans from). */
export function truthFrameAhead(side: GroundTruthSide, captureTimeNs: number, planWith: TruthPlanner): TruthFrame {
  const ego = side.ego(captureTimeNs);
  return {
    captureTimeNs, egoRouteSM: ego.routeSM, actors: side.actors(ego), planRouteSM: ego.routeSM,
    truthPlan: planPath(side.plan(ego, ego.routeSM, planWith, side.captureMemory)),
  };
}

/** What scoring keeps of a plan. */
function planPath(plan: Plan | null): PlanPath | null {
  if (!plan) return null;
  const points: { tS: number; xM: number; yM: number }[] = [];
  for (const q of plan.points) points.push({ tS: q.tS, xM: q.xM, yM: q.yM });
  return { timeNs: plan.timeNs, points };
}

/**
 * Every metric, against the scenario's ground truth at the instant each output is published (the capture-time
 * sets and figures alongside: docs/metrics.md).
 */
export class TruthScorer implements FrameScorer {
  readonly series = emptySeries();
  private readonly metrics: MetricsAccumulator;
  private readonly side: GroundTruthSide;
  private readonly provenance: ActorProvenance;
  /** Actor id -> its index among the actors but the ego (scenario order, as GroundTruthSide.others lists them). */
  private readonly actorIndex = new Map<number, number>();
  /** Frames whose truth side came computed ahead, and frames computed here. */
  truthAhead = 0;
  truthHere = 0;
  /** The vehicle's plan decision flips so far (its memory's count, read at each frame). */
  private planFlips = 0;

  constructor(private readonly o: TruthScorerOptions) {
    this.side = new GroundTruthSide(o);
    const matchRadiusM = o.matchRadiusM ?? 2;
    this.metrics = new MetricsAccumulator(matchRadiusM);
    o.scenario.actors.forEach((a, i) => this.actorIndex.set(a.id, i));
    this.provenance = new ActorProvenance(new Set(this.actorIndex.keys()), (timeNs, xM, yM) => {
      let best: number | null = null;
      let bestD2 = matchRadiusM * matchRadiusM;
      for (const a of truthAt(o.scenario, (timeNs - o.originNs) / 1e9)) {
        const d2 = (a.xM - xM) ** 2 + (a.yM - yM) ** 2;
        if (a.id !== EGO_ID && d2 <= bestD2) {
          best = a.id;
          bestD2 = d2;
        }
      }
      return best;
    });
  }

  add(own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number, core: VehicleCore): void {
    const ego = this.side.ego(own.captureTimeNs);
    // What was computed ahead counts only if it assumed what happened here: the same frame and route positions.
    const ahead = this.o.ahead?.(own.captureTimeNs);
    const sameEgo = ahead !== undefined && ahead.egoRouteSM === ego.routeSM;
    if (sameEgo) this.truthAhead++;
    else this.truthHere++;
    const planner: TruthPlanner = (t, e, r, objects, memory) => core.planWith(t, e, r, objects, [], memory);
    // The sets (ROI, RSU-visible, ego-visible) at the capture; the actors where they are at the output.
    const captureActors = sameEgo ? ahead.actors : this.side.actors(ego);
    let captureTruthPlan: PlanPath | null = null;
    if (result.plan) {
      const routeSM = result.routeSM ?? ego.routeSM;
      captureTruthPlan = sameEgo && ahead.planRouteSM === routeSM ? ahead.truthPlan : planPath(this.side.plan(ego, routeSM, planner, this.side.captureMemory));
    }
    this.planFlips = core.planMemory.current.flips;
    const outEgo = this.side.outputEgo(outputTimeNs);
    const atOutput = this.side.others(outEgo);
    const truth: FrameTruthActor[] = [];
    for (let i = 0; i < captureActors.length; i++) {
      const a = captureActors[i]!;
      const now = atOutput[i]!;
      truth.push({ id: a.id, xM: now.xM, yM: now.yM, inRoi: a.inRoi, rsuVisible: a.rsuVisible, egoVisible: a.egoVisible });
    }
    const objects: ScoredObject[] = [];
    const held = (rsuId: string) => heldData(core.roadside.get(rsuId), core.heldAdvisories().get(rsuId));
    for (const o of result.objects) {
      const actorId = this.provenance.actorOf(o, own.sourceId, held);
      const actor = actorId === null ? null : atOutput[this.actorIndex.get(actorId)!]!;
      objects.push({
        xM: o.xM, yM: o.yM, inRoi: this.side.inRoi(ego, o.xM, o.yM), ownSensor: o.sources.some((x) => x.sourceId === own.sourceId),
        actor: actor ? { xM: actor.xM, yM: actor.yM } : null, tooOld: this.tooOld(o, own.sourceId, result.method, outputTimeNs, core),
      });
    }
    const latencyMs = freshestLatencyMs(core, outputTimeNs);
    const missed = this.metrics.add({
      objects, truth, method: result.method, e2eLatencyMs: (outputTimeNs - own.captureTimeNs) / NS_PER_MS,
      plan: result.plan, truthPlan: result.plan ? planPath(this.side.plan(outEgo, outEgo.routeSM, planner, this.side.outputMemory)) : null,
      condition: networkCondition(latencyMs),
      captureTime: { objects, truth: captureActors, truthPlan: captureTruthPlan },
    });
    if (this.o.collectSeries ?? true) {
      const series = this.series;
      series.timeS.push(ego.tS);
      series.routeSM.push(ego.routeSM);
      series.egoXM.push(ego.state.pose.xM);
      series.egoYM.push(ego.state.pose.yM);
      series.latencyMs.push(latencyMs);
      series.method.push(result.method);
      series.missed.push(missed);
    }
  }

  /**
   * Whether an output object derives from roadside data older, at the output, than its method allows: under
   * planning fusion its RSU's advisory past its validity; otherwise its RSU's frame (the latest: what every method
   * fuses) older than the fusion's prediction horizon. Times are the simulation's one clock.
   */
  private tooOld(o: FusedObject, ownSourceId: string, method: FusionMethod, outputTimeNs: number, core: VehicleCore): boolean {
    for (const s of o.sources) {
      if (s.sourceId === ownSourceId) continue;
      if (method === 'planning') {
        const a = core.heldAdvisories().get(s.sourceId);
        if (a && outputTimeNs > a.advisory.validUntilNs) return true;
      } else {
        const r = core.roadside.get(s.sourceId);
        if (r && (outputTimeNs - r.latest.frame.captureTimeNs) / NS_PER_MS > core.fusionParams.maxPredictionHorizonMs) return true;
      }
    }
    return false;
  }

  summary(): MetricsSummary {
    const s = this.metrics.summary();
    return { ...s, counts: { ...s.counts, planDecisionFlips: this.planFlips, truthPlanDecisionFlips: this.side.outputMemory.current.flips } };
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
    const latency = freshestLatencyMs(core, outputTimeNs);
    this.metrics.add({
      objects: [], truth: [], method: result.method, e2eLatencyMs: (outputTimeNs - own.captureTimeNs) / NS_PER_MS,
      plan: null, truthPlan: null, condition: networkCondition(latency),
    });
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
    return withoutTruth(this.metrics.summary());
  }

  /** Own capture span, s (first to last capture plus nothing: the drive as the vehicle saw it). */
  durationS(): number {
    return this.firstCaptureNs === null || this.lastCaptureNs === null ? 0 : (this.lastCaptureNs - this.firstCaptureNs) / 1e9;
  }

  /** One-way latency of the freshest roadside frame at each output, ms. */
  roadsideLatencyMs(): { p50: number | null; p99: number | null } {
    return { p50: quantileOrNull(this.roadsideLatencies, 0.5), p99: quantileOrNull(this.roadsideLatencies, 0.99) };
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
