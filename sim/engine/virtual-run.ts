// One simulated run in virtual time: the scenario's sensors feed the real roadside pipeline and the real vehicle
// pipeline (tracker, RSU links with clock sync and dedup, adaptive fusion, planner), connected through the
// in-memory bus and the userspace impairment layer driven by a network model, all on one RxJS virtual-time
// scheduler, as fast as the CPU allows. Every vehicle frame is scored against ground truth. Optionally records the
// vehicle side (what its links received when, its own frames, its outputs) for `iaad sim replay`.
import { filter, map, takeWhile, timer, VirtualTimeScheduler, type Observable } from 'rxjs';
import { pino } from 'pino';
import { startRoadside } from '../../roadside/pipeline.js';
import { RsuLink } from '../../vehicle/rsu-link.js';
import { startVehicle, type VehicleCounters } from '../../vehicle/pipeline.js';
import { rsuRelevanceFor } from '../../shared/link/relevance.js';
import { VehicleCore, type StrategyName } from '../../vehicle/core.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { RouteProgress } from '../../shared/geometry/polyline.js';
import type { NetworkMap } from '../../shared/netmap/network-map.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Clock } from '../../shared/time/clock.js';
import type { Transport } from '../../shared/transport/types.js';
import { parseNetworkSpec } from '../network/models.js';
import { ImpairedTransport } from '../network/impaired-transport.js';
import type { Scenario, SensorSpec } from '../world/scenario.js';
import { Rng } from '../world/rng.js';
import { inlinePerception, workerPerception, type PerceptionFeed } from './perception-feed.js';
import type { PerceptionSpec } from './roadside-perception.js';
import { ALL_RSUS_ACTIVE, defaultRsuActivity, RsuActivity, type RsuActivityParams } from './rsu-activity.js';
import { RNG_STREAM, SIM_REGION, simRoadsideOptions, simVehicleCoreOptions, virtualVehicleSetup } from './run-config.js';
import { captureIndex, captureMs, SIM_EPOCH_NS, simTimeNs } from './sim-clock.js';
import { SimScheduler } from './sim-scheduler.js';
import { egoAt, TruthTimeline } from '../world/truth.js';
import type { MetricsSummary } from '../metrics/accumulator.js';
import type { RunMetrics, RunReportData } from '../report/types.js';
import { ProcessRecorder, RecordingTransport, type RecordSink } from '../../shared/record/process-recorder.js';
import { sceneGeometry, scenarioRoute, TruthScorer } from '../metrics/scoring.js';

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
  /**
   * Compute the RSUs' perception (sensors and trackers) ahead on a worker thread, on a second core. Same outputs
   * either way; worth it for a single long run, not when runs already fill the cores (a parallel compare).
   */
  perceptionWorker?: boolean;
  /**
   * Record the vehicle side here (sim/replay/record-run.ts opens the file with the metadata a replay needs):
   * what the vehicle's links received and when, its own frames, outputs, intents and sync requests, and what
   * the RSUs sent (so a replay knows how many frames were lost). Own detections are then fused at wire
   * precision, exactly as recorded (see ProcessRecorder.own).
   */
  recorder?: RecordSink | null;
  /**
   * Which RSU captures to simulate (rsu-activity.ts): by default those of RSUs near the ego; null simulates every
   * capture and audits instead what the default (or auditRsuActivity) would have left out that the vehicle decoded.
   */
  rsuActivity?: RsuActivityParams | null;
  auditRsuActivity?: RsuActivityParams;
}

export interface SimRunResult extends RunReportData {
  details: MetricsSummary['counts'] & {
    roadsideFramesSent: number;
    /** Sent and never received by the vehicle (lost or late past expiry), out-of-range RSUs' frames excluded. */
    roadsideFramesLost: number;
    /** Received from RSUs the vehicle was not listening to (too far: shared/link/relevance.ts), dropped undecoded. */
    roadsideFramesOutOfRange: number;
    advisories: number;
    intents: number;
  };
  /** How a virtual-time run went about it (not a metric: the outputs are the same either way). */
  engine?: {
    perceptionWorker: boolean;
    /** The perception worker had served an earlier run of this process (its code was JIT-compiled already). */
    warmWorker: boolean;
    framesEncodedAhead: number; framesEncodedHere: number; truthFramesAhead: number; truthFramesHere: number;
    /** RSU captures simulated and left out as dormant (rsu-activity.ts). */
    rsuCapturesSimulated: number; rsuCapturesDormant: number;
    /**
     * With rsuActivity null: frames the vehicle decoded, and advisories it took, from captures the audited activity
     * would have left out.
     */
    framesDecodedOutsideActivity?: number;
    advisoriesTakenOutsideActivity?: number;
  };
}

export function runVirtual(o: SimRunOptions): SimRunResult {
  const s = o.scenario;
  const periodMs = 1000 / s.frameRateHz;
  const durationMs = s.durationS * 1000;
  const scheduler = new SimScheduler(durationMs + 1000);
  const clock: Clock = { nowNs: () => simTimeNs(scheduler.now()) };
  const log = pino({ level: 'silent' });
  const setup = virtualVehicleSetup(s);
  const rec = o.recorder ? new ProcessRecorder(o.recorder, clock) : null;
  const root = new Rng(o.seed);
  const route = scenarioRoute(s);
  const truth = new TruthTimeline(s);
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
  const runStartNs = SIM_EPOCH_NS;

  // Links: one bus per run; the vehicle's side impairs what it receives (downlink), each RSU's side its uplink.
  const bus = new MemoryBus({ delivery: 'sync', clock });
  const impairedVehicleSide = new ImpairedTransport(bus.connect('vehicle'), {
    model: parseNetworkSpec(o.network, { runStartNs }), scheduler, clock, rng: root.fork(RNG_STREAM.downlink), context: egoNow,
  });
  // Recording decorators add no subscriptions and no scheduling: the run is the same with or without them.
  const vehicleSide: Transport = rec ? new RecordingTransport(impairedVehicleSide, rec, { rx: true, tx: true }) : impairedVehicleSide;
  // The RSUs' sensors and trackers (nothing flows back into them, so they may run ahead on another core); the
  // roadside pipelines publish the tracked batches.
  // RSUs far from the ego for a while are dormant (rsu-activity.ts): the vehicle would drop their frames undecoded.
  const activityParams = o.rsuActivity === undefined ? defaultRsuActivity(s) : o.rsuActivity ?? ALL_RSUS_ACTIVE;
  const perceptionSpec: PerceptionSpec = {
    scenario: s, seed: o.seed, rsuPhaseMs: o.rsuPhaseMs ?? 20, strategy: o.strategy, roiAheadM: o.roiAheadM, roiLateralM: o.roiLateralM,
    rsuActivity: activityParams,
  };
  const activity = new RsuActivity(s, perceptionSpec.rsuPhaseMs, activityParams);
  const perception: PerceptionFeed = o.perceptionWorker ? workerPerception(perceptionSpec) : inlinePerception(perceptionSpec, truth);
  const handles = s.rsus.map((rsu, i) => {
    const impairedRsuSide = new ImpairedTransport(bus.connect(rsu.id), {
      model: parseNetworkSpec(o.network, { runStartNs }), scheduler, clock, rng: root.fork(RNG_STREAM.uplink(i)), context: egoNow,
    });
    const rsuSide: Transport = rec ? new RecordingTransport(impairedRsuSide, rec, { rx: false, tx: true }) : impairedRsuSide;
    const tracked$ = sensorStream(s, rsu.sensor, perceptionSpec.rsuPhaseMs, periodMs, durationMs, scheduler,
      (k) => perception.next(i, k), (k) => activity.isActive(i, k));
    const frameEncoder = perception.frameEncoder(i);
    return startRoadside({ ...simRoadsideOptions(s, i), ...(frameEncoder ? { frameEncoder } : {}) }, tracked$, [rsuSide], clock, log);
  });

  const sensed$ = sensorStream(s, s.ego.sensor, 0, periodMs, durationMs, scheduler, () => perception.nextOwn());
  // Recorded at arrival; the vehicle fuses the batch decoded from the recorded bytes (what a replay will feed).
  const own$ = rec ? sensed$.pipe(map((b) => rec.own(setup.vehicleId, setup.mapFrame, b))) : sensed$;
  const links = setup.rsus.map((rsu) => new RsuLink(
    { rsuId: rsu.id, region: SIM_REGION, vehicleId: setup.vehicleId, ...setup.link },
    [vehicleSide], clock, log, scheduler,
  ));
  const core = new VehicleCore(simVehicleCoreOptions(s, o.strategy, o.netmap ?? null));

  const scorer = new TruthScorer({
    scenario: s, originNs: runStartNs, truth, ...(o.roiAheadM !== undefined ? { roiAheadM: o.roiAheadM } : {}),
    ...(o.roiLateralM !== undefined ? { roiLateralM: o.roiLateralM } : {}),
    ...(o.matchRadiusM !== undefined ? { matchRadiusM: o.matchRadiusM } : {}),
    ...(o.collectSeries !== undefined ? { collectSeries: o.collectSeries } : {}),
    ahead: (captureTimeNs) => perception.truthFrame(captureTimeNs),
  });
  const rsuRelevance = rsuRelevanceFor(setup.rsus, setup.rsuRelevance);
  // The audit: frames and advisories the vehicle took (past the relevance check) that come from captures the
  // audited activity leaves out (an advisory is issued at the capture time of the tracks it was computed from).
  let outside: { frames: number; advisories: number } | undefined;
  if (o.rsuActivity === null) {
    const audited = new RsuActivity(s, perceptionSpec.rsuPhaseMs, o.auditRsuActivity ?? defaultRsuActivity(s));
    const count = outside = { frames: 0, advisories: 0 };
    const dormant = (i: number, captureTimeNs: number): boolean =>
      !audited.isActive(i, captureIndex(s, perceptionSpec.rsuPhaseMs, (captureTimeNs - SIM_EPOCH_NS) / 1e6));
    links.forEach((link, i) => {
      link.frames$.subscribe((a) => {
        if (dormant(i, a.frame.captureTimeNs)) count.frames++;
      });
      link.advisories$.subscribe((a) => {
        if (dormant(i, a.advisory.issueTimeNs)) count.advisories++;
      });
    });
  }
  const vehicle = startVehicle(
    {
      vehicleId: setup.vehicleId, mapFrame: setup.mapFrame, framePeriodMs: setup.framePeriodMs, intraWaitMs: setup.intraWaitMs, scheduler,
      ...(rsuRelevance ? { rsuRelevance } : {}),
    },
    own$, links, null, core, clock, log, (own, result, outputTimeNs) => {
      scorer.add(own, result, outputTimeNs, core);
      rec?.output(setup.vehicleId, result.output, outputTimeNs);
    });

  try {
    scheduler.flush();
  } finally {
    perception.close();
  }
  void vehicle.stop();
  handles.forEach((h) => void h.stop());

  const framesSent = handles.reduce((n, h) => n + h.counters.framesPublished, 0);
  const captures = activity.counts();
  const result = runResult(scorer.summary(), scorer.series, s, o, linkCounts(framesSent, vehicle.counters, links));
  return {
    ...result,
    engine: {
      perceptionWorker: o.perceptionWorker ?? false, warmWorker: perception.warmWorker,
      framesEncodedAhead: perception.encodedAhead, framesEncodedHere: perception.encodedHere,
      truthFramesAhead: scorer.truthAhead, truthFramesHere: scorer.truthHere,
      rsuCapturesSimulated: captures.active, rsuCapturesDormant: captures.dormant,
      ...(outside ? { framesDecodedOutsideActivity: outside.frames, advisoriesTakenOutsideActivity: outside.advisories } : {}),
    },
  };
}

/** What crossed the simulated link, as details counts (shared with replays, which count the same way). */
export function linkCounts(
  framesSent: number, vehicle: VehicleCounters, links: readonly RsuLink[],
): Omit<SimRunResult['details'], keyof MetricsSummary['counts']> {
  const outOfRange = links.reduce((n, l) => n + l.counters.outOfRange, 0);
  return {
    roadsideFramesSent: framesSent, roadsideFramesLost: Math.max(0, framesSent - vehicle.roadsideFrames - outOfRange),
    roadsideFramesOutOfRange: outOfRange, advisories: vehicle.advisories, intents: vehicle.intentsSent,
  };
}

/** A run's result from its scores (shared with replays, so both write the same metrics.json). */
export function runResult(
  summary: MetricsSummary, series: SimRunResult['series'], s: Scenario,
  run: { network: string; strategy: string; seed: number },
  counts: Omit<SimRunResult['details'], keyof MetricsSummary['counts']>,
): SimRunResult {
  const runMetrics: RunMetrics = {
    scenario: s.name, network: run.network, strategy: run.strategy, seed: run.seed, durationS: s.durationS,
    fusion_miss_ratio: summary.fusion_miss_ratio, recall: summary.recall, false_object_ratio: summary.false_object_ratio,
    position_error_m: summary.position_error_m, planning_displacement_error_m: summary.planning_displacement_error_m,
    mode_residency: summary.mode_residency, mode_switches: summary.mode_switches, e2e_latency_ms: summary.e2e_latency_ms,
    gospa: summary.gospa, stale_objects: summary.stale_objects, by_network: summary.by_network, capture_time: summary.capture_time,
  };
  return { metrics: runMetrics, series, scene: sceneGeometry(s), details: { ...summary.counts, ...counts } };
}

/**
 * Capture k at phase + k * period (captureMs), delivered after the sensor's latency, until the scenario ends; only
 * the captures `active` keeps (a dormant RSU's are skipped). batchOf gets the capture index k.
 */
function sensorStream(
  s: Scenario, sensor: SensorSpec, phaseMs: number, periodMs: number, durationMs: number, scheduler: VirtualTimeScheduler,
  batchOf: (captureK: number) => DetectionBatch, active: (captureK: number) => boolean = () => true,
): Observable<DetectionBatch> {
  return timer(phaseMs + sensor.latencyMs, periodMs, scheduler).pipe(
    takeWhile((k) => captureMs(s, phaseMs, k) < durationMs),
    filter(active),
    map(batchOf),
  );
}
