// Which RSU captures a virtual-time run simulates. A vehicle listens only to the RSUs near it
// (shared/link/relevance.ts) and drops the others' frames undecoded, so an RSU far from the ego for a while changes
// nothing in the run but costs its sensor model, tracker and frame encoding at every capture: along a corridor of
// RSUs that is most of a run's perception. A capture is simulated when the ego comes within reachM of the RSU at
// some instant from lingerS before it to warmupS after it: warmupS of tracking before the vehicle can take the RSU
// in (its tracks are then established, as on a real road), lingerS for frames still in flight after it let the
// RSU go. Outside that the RSU is dormant: no capture, no tracking, no frame (its pipeline still answers clock sync
// and, within answerWithinM, intents, from its last tracks: nothing a vehicle out of range decodes). Pure: a
// function of the scenario, the same on the main thread and on the perception worker.
import type { Scenario } from '../world/scenario.js';
import { egoAt } from '../world/truth.js';
import { DEFAULT_RSU_RELEVANCE } from '../../shared/link/relevance.js';
import { captureCount, captureMs } from './sim-clock.js';
import { virtualVehicleSetup } from './run-config.js';

export interface RsuActivityParams {
  /** The vehicle's release distance plus a margin, m: beyond it the vehicle drops an RSU's frames undecoded. */
  reachM: number;
  /** Simulated time before the ego first comes within reachM, s: the RSU's tracker warm-up. */
  warmupS: number;
  /** Simulated time after the ego was last within reachM, s: at least a frame's validity plus the ego's period. */
  lingerS: number;
}

/** Margin over the release distance, m: the ego moves at most ~4 m between two samples at 40 m/s. */
export const RSU_REACH_MARGIN_M = 50;
export const DEFAULT_RSU_ACTIVITY_TIMING = Object.freeze({ warmupS: 15, lingerS: 3 });

export class RsuActivity {
  /** Per RSU, per capture k: 1 if simulated. */
  private readonly active: Uint8Array[];

  constructor(s: Scenario, phaseMs: number, params: RsuActivityParams) {
    if (!(params.reachM > 0) || !(params.warmupS >= 0) || !(params.lingerS >= 0)) {
      throw new RangeError(`RSU activity needs reachM > 0 and non-negative windows, got ${JSON.stringify(params)}`);
    }
    const n = captureCount(s, phaseMs);
    const periodS = 1 / s.frameRateHz;
    const ahead = Math.ceil(params.warmupS / periodS);
    const behind = Math.ceil(params.lingerS / periodS);
    const ego: Array<{ xM: number; yM: number }> = [];
    for (let k = 0; k < n; k++) ego.push(egoAt(s, captureMs(s, phaseMs, k) / 1000));
    const reach2 = params.reachM * params.reachM;
    this.active = s.rsus.map((rsu) => {
      const near = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        const dx = ego[k]!.xM - rsu.pose.xM;
        const dy = ego[k]!.yM - rsu.pose.yM;
        near[k] = dx * dx + dy * dy <= reach2 ? 1 : 0;
      }
      // Active at k when some near sample lies in [k - behind, k + ahead] (prefix sums over near).
      const sum = new Int32Array(n + 1);
      for (let k = 0; k < n; k++) sum[k + 1] = sum[k]! + near[k]!;
      const active = new Uint8Array(n);
      for (let k = 0; k < n; k++) active[k] = sum[Math.min(n, k + ahead + 1)]! - sum[Math.max(0, k - behind)]! > 0 ? 1 : 0;
      return active;
    });
  }

  /** Whether RSU i's capture k is simulated. */
  isActive(i: number, k: number): boolean {
    return this.active[i]![k] === 1;
  }

  /** Simulated captures over all RSUs, and dormant ones. */
  counts(): { active: number; dormant: number } {
    let active = 0;
    let total = 0;
    for (const a of this.active) {
      total += a.length;
      for (const v of a) active += v;
    }
    return { active, dormant: total - active };
  }
}

/** A run's default RSU activity: reach from the simulated vehicle's release distance (run-config.ts). */
export function defaultRsuActivity(s: Scenario): RsuActivityParams {
  const relevance = virtualVehicleSetup(s).rsuRelevance ?? DEFAULT_RSU_RELEVANCE;
  return { reachM: relevance.releaseBeyondM + RSU_REACH_MARGIN_M, ...DEFAULT_RSU_ACTIVITY_TIMING };
}

/** Every capture simulated (null params): what the activity leaves out is then only audited (virtual-run.ts). */
export const ALL_RSUS_ACTIVE: Readonly<RsuActivityParams> = Object.freeze({ reachM: Infinity, warmupS: 0, lingerS: 0 });
