// The vehicle's per-frame decision, free of sockets and timers: keeps what arrived from each RSU (frames,
// advisories), chooses the fusion method for each own frame as its strategy's table entry says
// (shared/fusion/strategies.ts: fixed, adaptively from the link state and the network map, or a rule of its own),
// runs that entry's fusion method, plans, and says when to send an intent. The vehicle process and the simulator
// both drive this same class; only the way inputs arrive differs.
import type { LinkHealth, LinkMonitor } from '../shared/link/link-monitor.js';
import type { NetworkMap } from '../shared/netmap/network-map.js';
import type { DetectedObject, PathPoint, PerceptionFrame, PlanningAdvisory, VehicleIntent } from '../shared/model/types.js';
import type { EgoState } from '../shared/sources/detections.js';
import type { Point2 } from '../shared/geometry/transform.js';
import { preparePolyline, RouteProgress, simplifyPath, type Polyline } from '../shared/geometry/polyline.js';
import {
  aheadCriteria, intraWaitDecision, isBadCell, lookAheadDistanceM, MethodSelector, stretchHorizonS, type CriteriaInputs, type CriteriaParams, type IntraWaitRsu,
  type RsuCriteriaInput,
} from '../shared/fusion/criteria.js';
import {
  roadsideDtMs, resolveFusionParams, type FrameFuser, type FrameInputs, type FusionParams, type HeldAdvisory,
  type RoadsideFrameInput, type RoadsideHistory,
} from '../shared/fusion/methods.js';
import { advisoryValidForMs, plannerPlaceable } from '../shared/fusion/planning.js';
import { strategyDef, type MethodChoice, type StrategyDef, type StrategyName } from '../shared/fusion/strategies.js';
import type { FusedObject, FusionMethod } from '../shared/fusion/types.js';
import { DEFAULT_PREDICT_PARAMS } from '../shared/motion/predict.js';
import { emptyDecisionMemory, planRemembering, type DecisionMemory } from '../shared/planning/decision-memory.js';
import { DEFAULT_PLANNER_PARAMS, type Plan, type PlannerParams, type PlannerZone } from '../shared/planning/planner.js';

export type { StrategyName } from '../shared/fusion/strategies.js';

export interface VehicleCoreOptions {
  vehicleId: string;
  mapFrame: string;
  /** A name in shared/fusion/strategies.ts's table. */
  strategy: StrategyName;
  /** The route the vehicle follows (map frame): intents, the planner and the network-map look-ahead use it. */
  route?: readonly PathPoint[];
  /** Network-quality map for a strategy that needs one (adaptive-st), refined online from this run's samples. */
  netmap?: NetworkMap | null;
  fusion?: Partial<FusionParams>;
  criteria?: Partial<CriteriaParams>;
  planner?: Partial<PlannerParams>;
  /** Intent period normally, and when a bad stretch is ahead (adaptive-st asks for advisories early). */
  intentIntervalMs?: number;
  earlyIntentIntervalMs?: number;
  /** Route length an intent declares ahead of the ego, m, and the horizon it asks for, s. */
  intentLookAheadM?: number;
  intentHorizonS?: number;
  /** Cap on the horizon asked for before a bad stretch (sized from the map to cover it), s. */
  earlyIntentHorizonS?: number;
}

/** How long the vehicle waits for same-instant roadside frames before fusing, and for which RSUs' frames. */
export interface SameInstantWait {
  /** 0: fuse now. */
  waitMs: number;
  /** The wait ends early once each of these RSUs' freshest frame is of the own frame's instant. */
  rsuIds: readonly string[];
}

const NO_WAIT: SameInstantWait = Object.freeze({ waitMs: 0, rsuIds: Object.freeze([]) });

export interface RoadsideSnapshot extends RoadsideHistory {
  receivedAtNs: number;
}

interface HeldRouteAdvisory extends HeldAdvisory {
  /** Arc length on our route where the intent's path started. */
  routeOffsetSM: number;
}

export interface VehicleStepResult {
  method: FusionMethod;
  /** Why this method, in words; an adaptive strategy's is formatted when first read. */
  reason: string;
  /** The method differs from the last frame's, by the strategy's choice (adaptive or custom picks; a fixed
   * strategy's fallback to vehicle-only is not a switch). */
  switched: boolean;
  objects: FusedObject[];
  /** The output frame: the own frame's header with the fused objects. */
  output: PerceptionFrame;
  plan: Plan | null;
  /** An intent to send now to every RSU, if one is due. */
  intent: VehicleIntent | null;
  /** Ego arc length on the route, if there is one. */
  routeSM: number | null;
}

const NS_PER_MS = 1e6;
/** Route simplification tolerance, m. */
const ROUTE_TOLERANCE_M = 0.1;
/** Route kept behind the ego and beyond the planner's reach when planning, m. */
const PLAN_BEHIND_M = 10;
const PLAN_AHEAD_MARGIN_M = 30;
/** Slowest speed a bad stretch's crossing time is computed at, m/s (walking pace): slower is a stop, whose length
 * no map knows; the horizon then takes its cap. */
const MIN_CROSSING_SPEED_MPS = 1;
/** No roadside frame for this long counts as an outage sample for the network map, ms. */
const OUTAGE_SILENCE_MS = 500;
/** The reason of a fixed strategy's own method. */
const BY_STRATEGY: { reason: string } = Object.freeze({ reason: 'strategy' });
/** A roadside object this close to where the ego was at the roadside capture is the ego itself, m. */
const SELF_RADIUS_M = 3;
/**
 * How far back the ego's own positions are kept, ns: an advisory may be used until it expires (3 s after issue by
 * default, up to the RSU's validity), and its tracks, the ego's among them, are as old as the advisory.
 */
const EGO_TRAIL_NS = 10_000 * NS_PER_MS;
/**
 * A held roadside frame whose capture (vehicle clock) is this far after a newer arrival was stamped in the
 * future: it no longer blocks the frames after it (one frame stamped 1 h ahead used to disable fusion with
 * that RSU for the rest of the run). Far above any offset estimation error.
 */
const FUTURE_HELD_NS = 1_000 * NS_PER_MS;

/** A planning timeline's decision memory (decision-memory.ts), carried from one plan to the next. */
export interface PlanMemoryCell {
  current: DecisionMemory;
}

export function newPlanMemory(): PlanMemoryCell {
  return { current: emptyDecisionMemory() };
}

export class VehicleCore {
  /** The vehicle's own plans' decision memory (its flips count is read by the scorer). */
  readonly planMemory: PlanMemoryCell = newPlanMemory();
  readonly roadside = new Map<string, RoadsideSnapshot>();
  private readonly advisories = new Map<string, HeldRouteAdvisory>();
  private readonly def: StrategyDef;
  private readonly selector: MethodSelector | null;
  private readonly fusion: FusionParams;
  private readonly planner: PlannerParams;
  private readonly route: Polyline | null;
  private readonly progress: RouteProgress | null;
  private readonly intentRouteOffsets = new Map<number, number>();
  private intentSequence = 0;
  private lastEgo: EgoState | undefined;
  private lastArrivalNs = -Infinity;
  private lastIntentNs = -Infinity;
  private lastMethod: FusionMethod | null = null;
  /** The ego's positions at its recent own captures (vehicle clock), oldest first. */
  private readonly egoTrail: Array<{ timeNs: number; xM: number; yM: number }> = [];

  constructor(private readonly o: VehicleCoreOptions) {
    // Configs are validated, but the core is also built from code (simulator, replays): an unknown name must not
    // silently run as some other strategy.
    this.def = strategyDef(o.strategy, 'VehicleCore');
    this.fusion = resolveFusionParams(o.fusion);
    this.planner = { ...DEFAULT_PLANNER_PARAMS, ...o.planner };
    // Simplified to 10 cm: a logged route has a point every few decimetres, and planning projects onto it a lot.
    this.route = o.route && o.route.length >= 2 ? preparePolyline(simplifyPath(o.route, ROUTE_TOLERANCE_M)) : null;
    this.progress = this.route ? new RouteProgress(this.route) : null;
    const pick = this.def.pick;
    this.selector = pick.kind === 'adaptive' ? new MethodSelector({ spatial: pick.spatial, params: o.criteria ?? {}, fusion: this.fusion }) : null;
  }

  /** The fusion parameters in force (defaults filled in): what scoring judges the outputs' age against. */
  get fusionParams(): Readonly<FusionParams> {
    return this.fusion;
  }

  get strategy(): StrategyName {
    return this.o.strategy;
  }

  onRoadsideFrame(frame: PerceptionFrame, offsetNs: number, receivedAtNs: number): void {
    this.learnLink(receivedAtNs, (receivedAtNs + offsetNs - frame.publishTimeNs) / NS_PER_MS);
    const prev = this.roadside.get(frame.sourceId);
    if (prev && frame.captureTimeNs <= prev.latest.frame.captureTimeNs) {
      // A late copy of an older frame, unless the held one claims a capture still in the future.
      const held = prev.latest;
      if (held.frame.captureTimeNs - held.offsetNs <= receivedAtNs + FUTURE_HELD_NS) return;
      this.roadside.set(frame.sourceId, { latest: { frame, offsetNs }, previous: null, receivedAtNs });
      return;
    }
    this.roadside.set(frame.sourceId, { latest: { frame, offsetNs }, previous: prev?.latest ?? null, receivedAtNs });
  }

  /** An RSU the vehicle stopped listening to (out of range): what it sent is no longer used. */
  forgetRsu(rsuId: string): void {
    this.roadside.delete(rsuId);
    this.advisories.delete(rsuId);
  }

  onAdvisory(advisory: PlanningAdvisory, offsetNs: number): void {
    if (advisory.vehicleId !== this.o.vehicleId) return;
    const held = this.advisories.get(advisory.rsuId);
    if (held && held.advisory.issueTimeNs >= advisory.issueTimeNs) return;
    const routeOffsetSM = this.intentRouteOffsets.get(advisory.intentSequence);
    if (routeOffsetSM === undefined) return; // answers an intent we no longer know: its zones cannot be placed
    this.advisories.set(advisory.rsuId, { advisory, offsetNs, routeOffsetSM });
  }

  /** The planning advisories held, by RSU, valid or not (read-only: the simulator's scorer reads their age). */
  heldAdvisories(): ReadonlyMap<string, HeldAdvisory> {
    return this.advisories;
  }

  /** Whether waiting for a same-instant roadside frame can pay off under this strategy right now. */
  mayUseIntra(): boolean {
    return this.def.methods.intra !== undefined;
  }

  /**
   * The wait for same-instant roadside frames before `own` is fused (vehicle/pipeline.ts runs it), on the links
   * listened to. An adaptive strategy waits by expected outcome (criteria.ts intraWaitDecision: only for a frame
   * likely to come within maxWaitMs and worth the delay); a fixed strategy that may fuse intra waits maxWaitMs for
   * every live link's frame, the method as its strategy defines it. The pipeline skips the wait when every RSU
   * named already has its frame of this instant.
   */
  sameInstantWait(own: PerceptionFrame, ego: EgoState | undefined, links: readonly LinkMonitor[], nowNs: number, maxWaitMs: number): SameInstantWait {
    if (!this.mayUseIntra() || links.length === 0) return NO_WAIT;
    if (this.selector) {
      const rsus: IntraWaitRsu[] = [];
      for (const l of links) {
        const h = l.health(nowNs);
        const r = this.roadside.get(l.sourceId);
        const latest = r?.latest.frame;
        const prev = r?.previous?.frame;
        rsus.push({
          rsuId: l.sourceId,
          freshestCaptureAgeMs: r ? roadsideDtMs(own, r.latest) : null,
          rsuPeriodMs: latest && prev ? rsuPeriodMs(latest, prev) : null,
          processingMs: latest ? (latest.publishTimeNs - latest.captureTimeNs) / NS_PER_MS : 0,
          link: { latencyP90Ms: h.latencyP90Ms, jitterMs: h.jitterMs, windowLossRatio: h.windowLossRatio, stale: h.stale },
        });
      }
      const criteria: CriteriaInputs = {
        ownCaptureTimeNs: own.captureTimeNs, rsus, advisoryValidForMs: advisoryValidForMs(this.advisories.values(), own.captureTimeNs),
      };
      const d = intraWaitDecision({
        elapsedMs: (nowNs - own.captureTimeNs) / NS_PER_MS, rsus, egoSpeedMps: ego?.speedMps ?? 0, maxWaitMs,
        interWithoutWait: this.selector.wouldUseInter(criteria),
        roadsideVelocityStdMps: Math.sqrt(this.fusion.defaultRoadsideCovariance[7]!), accelStdMps2: this.fusion.predict?.accelStdMps2 ?? DEFAULT_PREDICT_PARAMS.accelStdMps2,
      }, this.o.criteria ?? {}, this.fusion);
      // Whole milliseconds: the timer's resolution.
      return d.waitMs > 0 ? { waitMs: Math.ceil(d.waitMs), rsuIds: d.rsuIds } : NO_WAIT;
    }
    // The pipeline skips the wait when every one of them has its frame already.
    const live = links.filter((l) => !l.isStale(nowNs)).map((l) => l.sourceId);
    return live.length === 0 ? NO_WAIT : { waitMs: maxWaitMs, rsuIds: live };
  }

  /**
   * A strategy that needs the network map learns it online from its own measurements (and refines a loaded one):
   * each arrival is a latency sample where the ego was; a silence longer than the outage threshold is an outage
   * sample.
   */
  private learnLink(atNs: number, latencyMs: number | null): void {
    if (!this.def.needsNetmap || !this.o.netmap || !this.lastEgo) return;
    if (latencyMs !== null) this.lastArrivalNs = atNs;
    // A slightly negative latency is clock-offset estimation error, not information: count it as zero.
    this.o.netmap.add(this.lastEgo.pose.xM, this.lastEgo.pose.yM, latencyMs === null ? null : Math.max(0, latencyMs));
  }

  /** `links`: each RSU link's LinkMonitor.health(nowNs) (what the adaptive strategies read). */
  step(own: PerceptionFrame, ego: EgoState | undefined, links: readonly LinkHealth[], nowNs: number): VehicleStepResult {
    if (ego) {
      this.lastEgo = ego;
      this.recordEgo(own.captureTimeNs, ego);
    }
    if (links.length > 0 && nowNs - this.lastArrivalNs > OUTAGE_SILENCE_MS * NS_PER_MS && Number.isFinite(this.lastArrivalNs)) {
      this.learnLink(nowNs, null);
    }
    const routeSM = this.routeSM(ego);
    // Pushed, not mapped (shared/kernels/v8-shapes.ts, rule 3).
    const frames: RoadsideFrameInput[] = [];
    for (const r of this.roadside.values()) frames.push(this.withoutSelf(r.latest, own, ego));
    const inputs: FrameInputs = {
      own, frames, roadside: this.roadside, advisories: this.advisories,
      advisoryValidForMs: advisoryValidForMs(this.advisories.values(), own.captureTimeNs), links,
      withoutEgo: (input) => this.withoutSelf(input, own, ego), params: this.fusion,
    };
    let method: FusionMethod;
    // The selector formats its reason only when read: kept as the holder, not read here.
    let why: { reason: string };
    let switched = false;
    let wantAdvisoriesEarly = false;
    const pick = this.def.pick;
    switch (pick.kind) {
      case 'fixed': case 'baseline': {
        // The strategy's method when its input is usable for this frame; otherwise vehicle-only.
        const unusable = this.fuser(pick.method).unusable(inputs);
        [method, why] = unusable === null ? [pick.method, BY_STRATEGY] : ['vehicle-only', { reason: unusable }];
        break;
      }
      case 'adaptive': {
        const sel = this.selector!.select(this.criteriaInputs(inputs, ego, routeSM));
        ({ method, switched, wantAdvisoriesEarly } = sel);
        why = sel;
        break;
      }
      case 'custom': {
        const choice: MethodChoice = pick.choose(inputs);
        method = choice.method;
        why = choice;
        switched = this.lastMethod !== null && method !== this.lastMethod;
      }
    }
    this.lastMethod = method;
    const objects = this.fuser(method).fuse(inputs);
    const output: PerceptionFrame = { ...own, objects };
    const plan = this.plan(own.captureTimeNs, ego, routeSM, objects, method);
    const intent = this.maybeIntent(nowNs, own.captureTimeNs, ego, routeSM, wantAdvisoriesEarly);
    return {
      method,
      get reason(): string {
        return why.reason;
      },
      switched, objects, output, plan, intent, routeSM,
    };
  }

  /** The fusion method the strategy runs for `method`. */
  private fuser(method: FusionMethod): FrameFuser {
    const f = this.def.methods[method];
    if (!f) throw new Error(`strategy ${this.def.name} picked ${method}, which it has no fusion method for`);
    return f;
  }

  private recordEgo(timeNs: number, ego: EgoState): void {
    const trail = this.egoTrail;
    const last = trail[trail.length - 1];
    if (last && timeNs <= last.timeNs) trail.length = 0; // time went backwards (a new run): start over
    trail.push({ timeNs, xM: ego.pose.xM, yM: ego.pose.yM });
    while (trail.length > 2 && timeNs - trail[0]!.timeNs > EGO_TRAIL_NS) trail.shift();
  }

  /**
   * Where the ego was `ageNs` before the own capture: interpolated between the recorded own frames; beyond them,
   * dead-reckoned from the nearest along the current heading at the current speed (a roadside frame captured
   * slightly after the own frame, or older than the trail).
   */
  private egoAtAge(own: PerceptionFrame, ego: EgoState, ageNs: number): Point2 {
    // Module helpers rather than local closures: this runs for every RSU on every frame.
    const trail = this.egoTrail;
    const n = trail.length;
    if (n === 0 || ageNs <= ageOf(own, trail, n - 1)) {
      const base = n === 0 ? ego.pose : trail[n - 1]!;
      return alongHeading(ego, base, (n === 0 ? -ageNs : ageOf(own, trail, n - 1) - ageNs) / 1e9);
    }
    if (ageNs >= ageOf(own, trail, 0)) return alongHeading(ego, trail[0]!, (ageOf(own, trail, 0) - ageNs) / 1e9);
    let i = n - 1;
    while (i > 0 && ageOf(own, trail, i - 1) < ageNs) i--;
    // ageOf(i - 1) >= ageNs > ageOf(i): between the two samples.
    const a = trail[i - 1]!;
    const b = trail[i]!;
    const f = (ageOf(own, trail, i - 1) - ageNs) / (ageOf(own, trail, i - 1) - ageOf(own, trail, i));
    return { xM: a.xM + f * (b.xM - a.xM), yM: a.yM + f * (b.yM - a.yM) };
  }

  private withoutSelf(input: RoadsideFrameInput, own: PerceptionFrame, ego: EgoState | undefined): RoadsideFrameInput {
    if (!ego) return input;
    // Differences first: epoch-ns stamps are beyond exact doubles (as roadsideDtMs).
    const ageNs = (own.captureTimeNs - input.frame.captureTimeNs) + input.offsetNs;
    return withoutSelf(input, this.egoAtAge(own, ego, ageNs));
  }

  private criteriaInputs({ own, frames, links, advisoryValidForMs }: FrameInputs, ego: EgoState | undefined, routeSM: number | null): CriteriaInputs {
    const byId = new Map(frames.map((f) => [f.frame.sourceId, f]));
    let ahead = null;
    if (this.selector?.spatial && this.o.netmap && this.route && routeSM !== null) {
      const distanceM = lookAheadDistanceM(ego?.speedMps ?? 0, this.o.criteria ?? {});
      ahead = aheadCriteria(this.o.netmap.lookAhead(this.route.points, routeSM, distanceM), routeSM);
    }
    // Pushed, not mapped: the criteria iterate this array every frame, and map() gives an empty one another kind.
    const rsus: RsuCriteriaInput[] = [];
    for (const l of links) {
      const f = byId.get(l.sourceId);
      const link = { latencyP90Ms: l.latencyP90Ms, jitterMs: l.jitterMs, windowLossRatio: l.windowLossRatio, stale: l.stale };
      rsus.push({ rsuId: l.sourceId, freshestCaptureAgeMs: f ? roadsideDtMs(own, f) : null, link });
    }
    return {
      ownCaptureTimeNs: own.captureTimeNs,
      rsus,
      advisoryValidForMs,
      ahead,
    };
  }

  private routeSM(ego: EgoState | undefined): number | null {
    if (!this.progress || !ego) return null;
    return this.progress.update({ xM: ego.pose.xM, yM: ego.pose.yM }).sM;
  }

  /**
   * Advisory zones constrain the planner only under planning fusion: with a usable roadside frame the same objects
   * are already in the fused world, precisely, and the zones' conservative margins would only slow the plan.
   * (Zones whose track came along are represented by that track; see plannerZones.)
   */
  private plan(timeNs: number, ego: EgoState | undefined, routeSM: number | null, objects: FusedObject[], method: FusionMethod): Plan | null {
    if (!this.route || !ego || routeSM === null) return null;
    if (method !== 'planning') return this.planWith(timeNs, ego, routeSM, objects, [], this.planMemory);
    return this.planWith(timeNs, ego, routeSM, this.plannerObjects(timeNs, objects), this.plannerZones(timeNs), this.planMemory);
  }

  /**
   * The planner on the route stretch around the ego (cost grows with the path's length, the horizon needs only
   * ~horizon x cruise speed of it). Public so that the simulator plans from ground truth the very same way.
   */
  planWith(
    timeNs: number, ego: EgoState, routeSM: number, objects: readonly DetectedObject[], zones: PlannerZone[], memory: PlanMemoryCell,
  ): Plan | null {
    if (!this.route) return null;
    const fromSM = Math.max(0, routeSM - PLAN_BEHIND_M);
    const toSM = routeSM + this.planner.horizonS * Math.max(this.planner.cruiseSpeedMps, ego.speedMps) + PLAN_AHEAD_MARGIN_M;
    const path = slicePolyline(this.route, fromSM, toSM);
    if (path.length < 2 || (path[0]!.xM === path[path.length - 1]!.xM && path[0]!.yM === path[path.length - 1]!.yM)) return null;
    const { plan, memory: next } = planRemembering(
      { timeNs, path, egoSM: routeSM - fromSM, egoSpeedMps: ego.speedMps, objects: [...objects],
        zones: zones.map((z) => ({ ...z, startSM: z.startSM - fromSM, endSM: z.endSM - fromSM })) },
      memory.current, this.planner,
    );
    memory.current = next;
    return plan;
  }

  /**
   * Planning fusion's objects as the planner's obstacles: an advisory's track (only its RSU as source) the planner
   * should not yield to (planning.ts plannerPlaceable: older than 3 s, or moving and predicted so far that its
   * expected position error exceeds 2 m) is left out. It stays in the output, but a plan that yields to an
   * extrapolation more likely wrong than right yields where nothing is (docs/planning.md, Long-horizon advisories).
   */
  private plannerObjects(timeNs: number, objects: FusedObject[]): FusedObject[] {
    const out: FusedObject[] = [];
    for (const o of objects) {
      const only = o.sources.length === 1 ? o.sources[0]! : null;
      const held = only ? this.advisories.get(only.sourceId) : undefined;
      if (held && !plannerPlaceable(o, (timeNs - (held.advisory.issueTimeNs - held.offsetNs)) / 1e9)) continue;
      out.push(o);
    }
    return out;
  }

  private plannerZones(timeNs: number): PlannerZone[] {
    const zones: PlannerZone[] = [];
    for (const { advisory, offsetNs, routeOffsetSM } of this.advisories.values()) {
      if (advisory.validUntilNs - offsetNs < timeNs) continue;
      for (const z of advisory.zones) {
        // A zone that carries its track is already in the fused world (predicted, under planning fusion): the
        // zone's margins on top would only double-count it. Zones without a track are the planner's only source.
        if (z.object) continue;
        zones.push({
          startSM: z.startSM + routeOffsetSM, endSM: z.endSM + routeOffsetSM,
          tStartNs: z.tStartNs - offsetNs, tEndNs: z.tEndNs - offsetNs, confidence: z.confidence,
        });
      }
    }
    return zones;
  }

  private maybeIntent(
    nowNs: number, timeNs: number, ego: EgoState | undefined, routeSM: number | null, early: boolean,
  ): VehicleIntent | null {
    if (!this.def.usesAdvisories || !this.route || !ego || routeSM === null) return null;
    const intervalMs = early ? this.o.earlyIntentIntervalMs ?? 300 : this.o.intentIntervalMs ?? 1000;
    if (nowNs - this.lastIntentNs < intervalMs * NS_PER_MS) return null;
    this.lastIntentNs = nowNs;
    const lookAheadM = this.o.intentLookAheadM ?? 150;
    const path = slicePolyline(this.route, routeSM, routeSM + lookAheadM);
    const sequence = this.intentSequence++;
    this.intentRouteOffsets.set(sequence, routeSM);
    this.intentRouteOffsets.delete(sequence - 64); // answers to intents this old are useless
    const baseHorizonS = this.o.intentHorizonS ?? 5;
    return {
      vehicleId: this.o.vehicleId, sequence, timeNs, pose: ego.pose, speedMps: ego.speedMps, mapFrame: this.o.mapFrame,
      path, horizonS: early ? this.earlyHorizonS(routeSM, ego.speedMps, lookAheadM, baseHorizonS) : baseHorizonS,
    };
  }

  /**
   * The horizon asked for before a bad stretch: sized from the map to cover the stretch (criteria.ts
   * stretchHorizonS), at most earlyIntentHorizonS; the RSU answers it with a validity to match
   * (shared/planning/conflicts.ts). Without a map or a bad cell on the intent's path: earlyIntentHorizonS.
   */
  private earlyHorizonS(routeSM: number, speedMps: number, lookAheadM: number, baseHorizonS: number): number {
    const maxHorizonS = this.o.earlyIntentHorizonS ?? 12;
    const endSM = this.o.netmap && this.route
      ? this.o.netmap.badStretchEndSM(this.route.points, routeSM, lookAheadM, (c) => isBadCell({ outageRate: c.outageRate, p90LatencyMs: c.p90Ms }, this.o.criteria ?? {}, this.fusion))
      : null;
    if (endSM === null) return maxHorizonS;
    return stretchHorizonS({ fromSM: routeSM, stretchEndSM: endSM, speedMps, baseHorizonS, maxHorizonS, minCrossingSpeedMps: MIN_CROSSING_SPEED_MPS });
  }
}

/** An RSU's capture period from two of its frames, ms: per sequence step, so that frames lost in between (an
 * outage) do not stretch it; null if the sequence did not advance. */
function rsuPeriodMs(latest: PerceptionFrame, previous: PerceptionFrame): number | null {
  const steps = latest.sequence - previous.sequence;
  return steps > 0 ? (latest.captureTimeNs - previous.captureTimeNs) / NS_PER_MS / steps : null;
}

/** Age at the own capture of the ego trail's sample i, ns. */
function ageOf(own: PerceptionFrame, trail: ReadonlyArray<{ timeNs: number }>, i: number): number {
  return own.captureTimeNs - trail[i]!.timeNs;
}

/** `from` moved dtS along the ego's current heading at its current speed. */
function alongHeading(ego: EgoState, from: Point2, dtS: number): Point2 {
  return {
    xM: from.xM + Math.cos(ego.pose.yawRad) * ego.speedMps * dtS, yM: from.yM + Math.sin(ego.pose.yawRad) * ego.speedMps * dtS,
  };
}

/**
 * RSUs see the ego too; its roadside track must not enter fusion as a second object (the planner would brake for
 * itself). `self` is where the ego was at the roadside capture (VehicleCore.egoAtAge).
 */
function withoutSelf(input: RoadsideFrameInput, self: Point2 | null): RoadsideFrameInput {
  if (!self) return input;
  // A pushed array and literals in the decoder's field order (shared/kernels/v8-shapes.ts, rules 1 and 3).
  const objects: DetectedObject[] = [];
  for (const o of input.frame.objects) if (Math.hypot(o.xM - self.xM, o.yM - self.yM) > SELF_RADIUS_M) objects.push(o);
  if (objects.length === input.frame.objects.length) return input;
  const f = input.frame;
  return {
    frame: {
      sourceId: f.sourceId, sourceKind: f.sourceKind, sequence: f.sequence, captureTimeNs: f.captureTimeNs,
      publishTimeNs: f.publishTimeNs, mapFrame: f.mapFrame, sensorPose: f.sensorPose, objects,
    },
    offsetNs: input.offsetNs,
  };
}

/** The part of a polyline between two arc lengths, as points (first point at fromSM exactly). */
export function slicePolyline(p: Polyline, fromSM: number, toSM: number): PathPoint[] {
  const out: PathPoint[] = [];
  const at = (s: number): PathPoint => {
    const c = p.cumulativeM;
    let i = 0;
    while (i < c.length - 2 && c[i + 1]! < s) i++;
    const a = p.points[i]!;
    const b = p.points[Math.min(i + 1, p.points.length - 1)]!;
    const seg = c[Math.min(i + 1, c.length - 1)]! - c[i]!;
    const f = seg > 0 ? Math.min(1, Math.max(0, (s - c[i]!) / seg)) : 0;
    return { xM: a.xM + f * (b.xM - a.xM), yM: a.yM + f * (b.yM - a.yM) };
  };
  const from = Math.max(0, Math.min(fromSM, p.lengthM));
  const to = Math.max(from, Math.min(toSM, p.lengthM));
  out.push(at(from));
  p.cumulativeM.forEach((c, i) => {
    if (c > from && c < to) out.push({ xM: p.points[i]!.xM, yM: p.points[i]!.yM });
  });
  out.push(at(to));
  return out;
}
