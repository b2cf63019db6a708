// The vehicle's own sensor in a run: the ego's sensor model sampled at its capture instants, with the ego's pose
// and speed. Like the RSUs' perception it gets nothing back from the run, so it can run ahead on the perception
// worker (perception-feed.ts) and gives the same batches inline.
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Scenario } from '../world/scenario.js';
import { sense } from '../sensors/sensor-model.js';
import { Rng } from '../world/rng.js';
import { egoAt, EGO_ID, type TruthTimeline } from '../world/truth.js';
import { captureMs, simTimeNs } from './sim-clock.js';
import { RNG_STREAM } from './run-config.js';

export class EgoSensing {
  private readonly rng: Rng;
  private k = 0;

  constructor(private readonly s: Scenario, seed: number, private readonly truth: TruthTimeline) {
    this.rng = new Rng(seed).fork(RNG_STREAM.egoSensor);
  }

  /** The next capture (phase 0), in order. */
  next(): DetectionBatch {
    const s = this.s;
    const tMs = captureMs(s, 0, this.k++);
    const tS = tMs / 1000;
    const e = egoAt(s, tS);
    return {
      captureTimeNs: simTimeNs(tMs),
      objects: sense(s.ego.sensor, { xM: e.xM, yM: e.yM, yawRad: e.headingRad }, this.truth.at(tS), this.rng, EGO_ID),
      ego: { pose: { xM: e.xM, yM: e.yM, zM: 0, yawRad: e.headingRad, pitchRad: 0, rollRad: 0 }, speedMps: Math.hypot(e.vxMps, e.vyMps) },
    };
  }
}
