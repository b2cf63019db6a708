// How a virtual-time run configures its processes: the RSUs' roadside pipelines, the vehicle (as a replay must
// rebuild it) and the random streams of the run's parts. One place, so that the main thread and the perception
// worker (which computes part of a run ahead) build exactly the same things.
import type { RoadsideOptions } from '../../roadside/pipeline.js';
import type { NetworkMap } from '../../shared/netmap/network-map.js';
import { DEFAULT_ANSWER_WITHIN_M, DEFAULT_RSU_RELEVANCE } from '../../shared/link/relevance.js';
import type { StrategyName, VehicleCoreOptions } from '../../vehicle/core.js';
import type { VehicleReplaySetup } from '../../shared/record/metadata.js';
import { scenarioRoute } from '../metrics/scoring.js';
import type { Scenario } from '../world/scenario.js';

/** The simulated vehicle's id. */
export const SIM_VEHICLE_ID = 'ego';
/** The topic region of a simulated run's RSUs. */
export const SIM_REGION = 'sim';

/** Forks of a run's root random generator (sim/world/rng.ts), one per random part of the run. */
export const RNG_STREAM = {
  egoSensor: 1,
  downlink: 2,
  uplink: (i: number) => 3 + i,
  rsuSensor: (i: number) => 100 + i,
} as const;

/** How runVirtual builds the vehicle, as a replay must rebuild it (recorded in the file's metadata). */
export function virtualVehicleSetup(s: Scenario): VehicleReplaySetup {
  return {
    vehicleId: SIM_VEHICLE_ID, mapFrame: s.mapFrame, framePeriodMs: 1000 / s.frameRateHz, intraWaitMs: 100,
    link: { staleAfterMs: 1000, latencyWindowMs: 2000, syncIntervalMs: 1000 },
    // A vehicle listens to the RSUs near it (shared/link/relevance.ts), as on a real road.
    rsus: s.rsus.map((r) => ({ id: r.id, paths: ['memory'], position: { xM: r.pose.xM, yM: r.pose.yM } })),
    rsuRelevance: { ...DEFAULT_RSU_RELEVANCE },
    route: scenarioRoute(s).points.map((p) => ({ xM: p.xM, yM: p.yM })),
  };
}

/** The vehicle core of a run. */
export function simVehicleCoreOptions(s: Scenario, strategy: StrategyName, netmap: NetworkMap | null): VehicleCoreOptions {
  const setup = virtualVehicleSetup(s);
  return {
    vehicleId: setup.vehicleId, mapFrame: setup.mapFrame, strategy, route: setup.route, netmap,
    fusion: { vehicleFramePeriodMs: setup.framePeriodMs },
  };
}

/** RSU i's roadside pipeline in a run: publishes its perception's tracked batches, answers intents. */
export function simRoadsideOptions(s: Scenario, i: number): RoadsideOptions {
  const rsu = s.rsus[i]!;
  return {
    rsuId: rsu.id, region: SIM_REGION, mapFrame: s.mapFrame, sensorPose: { ...rsu.pose, pitchRad: 0, rollRad: 0 },
    rateHz: s.frameRateHz, frameValidityMs: 1000, tracking: { enabled: false },
    advisories: { enabled: true, params: { maxHorizonS: 12 }, answerWithinM: DEFAULT_ANSWER_WITHIN_M },
  };
}
