// One simulated run in virtual time: the scenario's sensors feed the real roadside pipeline and the real vehicle
// pipeline (tracker, RSU links with clock sync and dedup, adaptive fusion, planner), connected through the
// in-memory bus and the userspace impairment layer driven by a network model, all on one RxJS virtual-time
// scheduler, as fast as the CPU allows. Every vehicle frame is scored against ground truth.
import { map, takeWhile, timer, VirtualTimeScheduler, type Observable } from 'rxjs';
import { pino } from 'pino';
import { startRoadside } from '../../roadside/pipeline.js';
import { RsuLink } from '../../vehicle/rsu-link.js';
import { startVehicle } from '../../vehicle/pipeline.js';
import { VehicleCore, type StrategyName } from '../../vehicle/core.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { preparePolyline, projectToPolylineRange, RouteProgress, simplifyPath } from '../../shared/geometry/polyline.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject } from '../../shared/model/types.js';
import type { NetworkMap } from '../../shared/netmap/network-map.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Clock } from '../../shared/time/clock.js';
import { parseNetworkSpec } from '../network/models.js';
import { ImpairedTransport } from '../network/impaired-transport.js';
import { sense, type TruthActor } from '../sensors/sensor-model.js';
import { isVisible } from '../sensors/visibility.js';
import type { Scenario, SensorSpec } from '../scenarios/types.js';
import { Rng } from '../world/rng.js';
import { sampleTrajectory } from '../world/trajectory.js';
import { egoAt, EGO_ID, truthAt } from '../world/truth.js';
import { MetricsAccumulator, type MetricsSummary } from '../metrics/accumulator.js';
import type { RunMetrics, RunSeries, SceneGeometry, RunReportData } from '../report/types.js';

export interface SimRunOptions {
  scenario: Scenario;
  /** Network spec (docs/network-models.md), applied RSU -> vehicle and, independently, vehicle -> RSU. */
  network: string;
  strategy: StrategyName;
  seed: number;
  /** Network-quality map for adaptive-st. */
  netmap?: NetworkMap | null;
  /** Region of interest: ahead of the ego along its route, m, and across it, m. */
  roiAheadM?: number;
  roiLateralM?: number;
  /** A fused object within this of an actor finds it, m. */
  matchRadiusM?: number;
  /** RSU sensor phase relative to the vehicle's, ms (unsynchronised sensors). */
  rsuPhaseMs?: number;
  /** Keep per-frame series for the report (off for benchmarks). */
  collectSeries?: boolean;
}

export interface SimRunResult extends RunReportData {
  details: MetricsSummary['counts'] & { roadsideFramesSent: number; roadsideFramesLost: number; advisories: number; intents: number };
}

/** Virtual epoch of every run: fixed, so that a seed reproduces a run bit for bit. */
export const SIM_EPOCH_NS = 1_700_000_000_000_000_000;
const NS_PER_MS = 1e6;

export function runVirtual(o: SimRunOptions): SimRunResult {
  const s = o.scenario;
  const periodMs = 1000 / s.frameRateHz;
  const durationMs = s.durationS * 1000;
  const scheduler = new VirtualTimeScheduler(undefined, durationMs + 1000);
  const clock: Clock = { nowNs: () => SIM_EPOCH_NS + Math.round(scheduler.now() * NS_PER_MS) };
  const tOf = (timeNs: number): number => (timeNs - SIM_EPOCH_NS) / 1e9;
  const log = pino({ level: 'silent' });
  const root = new Rng(o.seed);
  const route = preparePolyline(simplifyPath(s.ego.route.map((w) => ({ xM: w.xM, yM: w.yM })), 0.1));
  // The network context: where the ego is now (position- and route-indexed traces), cached per virtual instant.
  const netProgress = new RouteProgress(route);
  let netCtx = { atMs: -1, egoXM: 0, egoYM: 0, routeSM: 0 };
  const egoNow = (): { egoXM: number; egoYM: number; routeSM: number } => {
    if (netCtx.atMs !== scheduler.now()) {
      const e = egoAt(s, scheduler.now() / 1000);
      netCtx = { atMs: scheduler.now(), egoXM: e.xM, egoYM: e.yM, routeSM: netProgress.update(e).sM };
    }
    return netCtx;
  };
  const scoreProgress = new RouteProgress(route);
  const runStartNs = SIM_EPOCH_NS;

  // Links: one bus per run; the vehicle's side impairs what it receives (downlink), each RSU's side its uplink.
  const bus = new MemoryBus({ delivery: 'sync', clock });
  const vehicleSide = new ImpairedTransport(bus.connect('vehicle'), {
    model: parseNetworkSpec(o.network, { runStartNs }), scheduler, clock, rng: root.fork(2), context: egoNow,
  });
  const handles = s.rsus.map((rsu, i) => {
    const rsuSide = new ImpairedTransport(bus.connect(rsu.id), {
      model: parseNetworkSpec(o.network, { runStartNs }), scheduler, clock, rng: root.fork(3 + i), context: egoNow,
    });
    const rng = root.fork(100 + i);
    const detections$ = sensorStream(s, rsu.sensor, o.rsuPhaseMs ?? 20, periodMs, durationMs, scheduler, (tS) =>
      sense(rsu.sensor, rsu.pose, truthAt(s, tS), rng));
    return startRoadside(
      { rsuId: rsu.id, region: 'sim', mapFrame: s.mapFrame, sensorPose: { ...rsu.pose, pitchRad: 0, rollRad: 0 },
        rateHz: s.frameRateHz, frameValidityMs: 1000, tracking: { enabled: true },
        advisories: { enabled: true, params: { maxHorizonS: 12 } } },
      detections$, [rsuSide], clock, log,
    );
  });

  const egoRng = root.fork(1);
  const own$ = sensorStream(s, s.ego.sensor, 0, periodMs, durationMs, scheduler, (tS) => {
    const e = egoAt(s, tS);
    return sense(s.ego.sensor, { xM: e.xM, yM: e.yM, yawRad: e.headingRad }, truthAt(s, tS), egoRng, EGO_ID);
  }, (tS) => {
    const e = egoAt(s, tS);
    return { pose: { xM: e.xM, yM: e.yM, zM: 0, yawRad: e.headingRad, pitchRad: 0, rollRad: 0 }, speedMps: Math.hypot(e.vxMps, e.vyMps) };
  });
  const links = s.rsus.map((rsu) => new RsuLink(
    { rsuId: rsu.id, region: 'sim', vehicleId: 'ego', staleAfterMs: 1000, latencyWindowMs: 2000, syncIntervalMs: 1000 },
    [vehicleSide], clock, log, scheduler,
  ));
  const core = new VehicleCore({
    vehicleId: 'ego', mapFrame: s.mapFrame, strategy: o.strategy, route: route.points, netmap: o.netmap ?? null,
    fusion: { vehicleFramePeriodMs: periodMs },
  });

  const metrics = new MetricsAccumulator(o.matchRadiusM ?? 2);
  const series: RunSeries = { timeS: [], routeSM: [], egoXM: [], egoYM: [], latencyMs: [], method: [], missed: [] };
  const roiAheadM = o.roiAheadM ?? 60;
  const roiLateralM = o.roiLateralM ?? 8;

  const vehicle = startVehicle({ vehicleId: 'ego', mapFrame: s.mapFrame, framePeriodMs: periodMs, scheduler }, own$, links,
    null, core, clock, log, (own, result, outputTimeNs) => {
      const tS = tOf(own.captureTimeNs);
      const truth = truthAt(s, tS);
      const egoTruth = truth.find((a) => a.id === EGO_ID)!;
      const egoS = scoreProgress.update(egoTruth).sM;
      const others = truth.filter((a) => a.id !== EGO_ID);
      const scored = others.map((a) => {
        // Only the route ahead counts (and a route passing the same place twice is not confused).
        const p = projectToPolylineRange(route, a, egoS, egoS + roiAheadM);
        const ahead = p.sM - egoS;
        return {
          id: a.id, xM: a.xM, yM: a.yM,
          inRoi: ahead >= 0 && ahead <= roiAheadM && Math.abs(p.lateralM) <= roiLateralM,
          rsuVisible: s.rsus.some((r) => isVisible(viewOf(r.sensor, r.pose), a, truth.filter((b) => b !== a))),
          egoVisible: isVisible(viewOf(s.ego.sensor, { xM: egoTruth.xM, yM: egoTruth.yM, yawRad: egoTruth.headingRad }), a,
            others.filter((b) => b !== a)),
        };
      });
      const ego = { pose: { xM: egoTruth.xM, yM: egoTruth.yM, zM: 0, yawRad: egoTruth.headingRad, pitchRad: 0, rollRad: 0 },
        speedMps: Math.hypot(egoTruth.vxMps, egoTruth.vyMps) };
      const truthPlan = result.plan ? core.planWith(own.captureTimeNs, ego, result.routeSM ?? egoS, others.map(truthObject), []) : null;
      const missed = metrics.add({
        timeS: tS, objects: result.objects, truth: scored, method: result.method,
        e2eLatencyMs: (outputTimeNs - own.captureTimeNs) / NS_PER_MS, plan: result.plan, truthPlan,
      });
      if (o.collectSeries ?? true) {
        series.timeS.push(tS);
        series.routeSM.push(egoS);
        series.egoXM.push(egoTruth.xM);
        series.egoYM.push(egoTruth.yM);
        series.latencyMs.push(freshestLatencyMs(core, outputTimeNs));
        series.method.push(result.method);
        series.missed.push(missed);
      }
    });

  scheduler.flush();
  void vehicle.stop();
  handles.forEach((h) => void h.stop());

  const summary = metrics.summary();
  const runMetrics: RunMetrics = {
    scenario: s.name, network: o.network, strategy: o.strategy, seed: o.seed, durationS: s.durationS,
    fusion_miss_ratio: summary.fusion_miss_ratio, recall: summary.recall, false_object_ratio: summary.false_object_ratio,
    position_error_m: summary.position_error_m, planning_displacement_error_m: summary.planning_displacement_error_m,
    mode_residency: summary.mode_residency, mode_switches: summary.mode_switches, e2e_latency_ms: summary.e2e_latency_ms,
  };
  const framesSent = handles.reduce((n, h) => n + h.counters.framesPublished, 0);
  return {
    metrics: runMetrics,
    series,
    scene: sceneGeometry(s),
    details: {
      ...summary.counts, roadsideFramesSent: framesSent,
      roadsideFramesLost: Math.max(0, framesSent - vehicle.counters.roadsideFrames),
      advisories: vehicle.counters.advisories, intents: vehicle.counters.intentsSent,
    },
  };
}

/** Capture at phase + k * period, delivered after the sensor's latency, until the scenario ends. */
function sensorStream(
  s: Scenario, sensor: SensorSpec, phaseMs: number, periodMs: number, durationMs: number, scheduler: VirtualTimeScheduler,
  detect: (tS: number) => DetectedObject[], ego?: (tS: number) => DetectionBatch['ego'],
): Observable<DetectionBatch> {
  return timer(phaseMs + sensor.latencyMs, periodMs, scheduler).pipe(
    map((k) => phaseMs + k * periodMs),
    takeWhile((tMs) => tMs < durationMs),
    map((tMs): DetectionBatch => {
      const tS = tMs / 1000;
      const e = ego?.(tS);
      return { captureTimeNs: SIM_EPOCH_NS + Math.round(tMs * NS_PER_MS), objects: detect(tS), ...(e ? { ego: e } : {}) };
    }),
  );
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
function freshestLatencyMs(core: VehicleCore, nowNs: number): number | null {
  let best: number | null = null;
  for (const r of core.roadside.values()) {
    if (nowNs - r.receivedAtNs > 1e9) continue;
    const ms = (r.receivedAtNs + r.latest.offsetNs - r.latest.frame.publishTimeNs) / NS_PER_MS;
    if (best === null || ms < best) best = ms;
  }
  return best;
}

function sceneGeometry(s: Scenario): SceneGeometry {
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
