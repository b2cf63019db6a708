// A vehicle + RSU pair in virtual time for scenario tests: the real roadside pipeline, RSU link and vehicle
// pipeline over the in-memory bus, with a scripted network between them. Runs inside TestScheduler.run.
import { asyncScheduler, map, takeWhile, timer } from 'rxjs';
import { pino } from 'pino';
import { startRoadside, type RoadsideCounters } from '../../roadside/pipeline.js';
import { startVehicle } from '../../vehicle/pipeline.js';
import { RsuLink } from '../../vehicle/rsu-link.js';
import { VehicleCore, type StrategyName, type VehicleStepResult } from '../../vehicle/core.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { ImpairedTransport } from '../../sim/network/impaired-transport.js';
import type { NetworkModel, NetworkSample } from '../../sim/network/models.js';
import { Rng } from '../../sim/world/rng.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Clock } from '../../shared/time/clock.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import { detectedObject } from '../support/objects.js';

export const EPOCH_NS = 1_000_000_000_000_000;

/** One-way delay by send time (s since start): a number = delivered after that many ms, null = lost. */
export class ScriptedNetwork implements NetworkModel {
  constructor(private readonly delayAt: (tS: number) => number | null) {}
  sample(sendTimeNs: number): NetworkSample {
    const d = this.delayAt((sendTimeNs - EPOCH_NS) / 1e9);
    return d === null ? { delivered: false, delayMs: Infinity } : { delivered: true, delayMs: d };
  }
  describe(): string {
    return 'scripted';
  }
}

export const obj = (trackId: number, xM: number, yM: number, vxMps = 0, vyMps = 0, objectClass: DetectedObject['objectClass'] = 'car'): DetectedObject =>
  detectedObject({
    trackId, objectClass, xM, yM, vxMps, vyMps, headingRad: vxMps || vyMps ? Math.atan2(vyMps, vxMps) : 0,
    covariance: diagonalCovariance(0.3, 0.5), existenceProbability: 0.95, ageS: 1,
  });

export interface StepRecord {
  index: number;
  tS: number;
  result: VehicleStepResult;
  own: PerceptionFrame;
}

export interface PairScript {
  strategy: StrategyName;
  durationS: number;
  /** What the RSU's tracker reports at capture time t (map frame), already tracked (tracking off). */
  rsuObjects: (tS: number) => DetectedObject[];
  /** What the vehicle sees itself at t. */
  ownObjects: (tS: number) => DetectedObject[];
  /** Ego at t: along +x at speedMps from x0. */
  ego?: { x0M: number; yM: number; speedMps: number };
  route?: Array<{ xM: number; yM: number }>;
  downlink: (tS: number) => number | null;
  uplink?: (tS: number) => number | null;
  rsuLatencyMs?: number;
  ownLatencyMs?: number;
  rsuPhaseMs?: number;
  /** The RSU's advisories.answerWithinM (default: answers every intent). */
  answerWithinM?: number;
}

/** Starts everything on the (virtual) asyncScheduler; call inside TestScheduler.run, then flush. */
export function startPair(p: PairScript): { steps: StepRecord[]; rsu: RoadsideCounters; stop: () => void } {
  const scheduler = asyncScheduler;
  const clock: Clock = { nowNs: () => EPOCH_NS + Math.round(scheduler.now() * 1e6) };
  const log = pino({ level: 'silent' });
  const bus = new MemoryBus({ delivery: 'sync', clock });
  const vehicleSide = new ImpairedTransport(bus.connect('veh'), { model: new ScriptedNetwork(p.downlink), scheduler, clock, rng: new Rng(1) });
  const rsuSide = new ImpairedTransport(bus.connect('rsu'), { model: new ScriptedNetwork(p.uplink ?? p.downlink), scheduler, clock, rng: new Rng(2) });
  const durationMs = p.durationS * 1000;
  const stream = (phaseMs: number, latencyMs: number, f: (tS: number) => Omit<DetectionBatch, 'captureTimeNs'>) =>
    timer(phaseMs + latencyMs, 100, scheduler).pipe(
      map((k) => phaseMs + k * 100),
      takeWhile((tMs) => tMs < durationMs),
      map((tMs): DetectionBatch => ({ captureTimeNs: EPOCH_NS + tMs * 1e6, ...f(tMs / 1000) })),
    );
  const ego = p.ego ?? { x0M: 0, yM: 0, speedMps: 10 };
  const egoAt = (tS: number) => ({ pose: { xM: ego.x0M + ego.speedMps * tS, yM: ego.yM, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, speedMps: ego.speedMps });
  const rsu = startRoadside(
    { rsuId: 'rsu-1', region: 'r', mapFrame: 'm', sensorPose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 },
      rateHz: 10, frameValidityMs: 1000, tracking: { enabled: false }, advisories: { enabled: true, params: { maxHorizonS: 12 },
        ...(p.answerWithinM !== undefined ? { answerWithinM: p.answerWithinM } : {}) } },
    stream(p.rsuPhaseMs ?? 0, p.rsuLatencyMs ?? 20, (t) => ({ objects: p.rsuObjects(t) })), [rsuSide], clock, log,
  );
  const link = new RsuLink({ rsuId: 'rsu-1', region: 'r', vehicleId: 'ego', staleAfterMs: 1000, latencyWindowMs: 2000, syncIntervalMs: 1000 },
    [vehicleSide], clock, log, scheduler);
  const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: p.strategy, ...(p.route ? { route: p.route } : {}) });
  const steps: StepRecord[] = [];
  const veh = startVehicle({ vehicleId: 'ego', mapFrame: 'm', scheduler }, stream(0, p.ownLatencyMs ?? 20,
    (t) => ({ objects: p.ownObjects(t), ego: egoAt(t) })), [link], null, core, clock, log,
  (own, result) => steps.push({ index: steps.length, tS: (own.captureTimeNs - EPOCH_NS) / 1e9, result, own }));
  return { steps, rsu: rsu.counters, stop: () => { void veh.stop(); void rsu.stop(); } };
}
