// The RSUs' perception stacks in a run: each RSU's sensor model sampled at its capture instants and its tracker
// run on the detections, giving the tracked batches its roadside pipeline publishes. Nothing here depends on the
// vehicle (no message flows back into an RSU's perception), so the whole stream is a function of the scenario and
// the seed: it can run ahead on a worker thread (perception-feed.ts) while the main thread simulates the network,
// the roadside pipelines and the vehicle, and it gives the same bytes inline.
import { frameEnvelope } from '../../roadside/frames.js';
import type { RoadsideOptions } from '../../roadside/pipeline.js';
import { RoadsideTracker } from '../../roadside/tracking.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { StrategyName } from '../../vehicle/core.js';
import type { Scenario } from '../world/scenario.js';
import { sense } from '../sensors/sensor-model.js';
import { Rng } from '../world/rng.js';
import { TruthTimeline } from '../world/truth.js';
import { captureMs, simTimeNs } from './sim-clock.js';
import type { RsuActivityParams } from './rsu-activity.js';
import { RNG_STREAM, simRoadsideOptions } from './run-config.js';

/** What fixes a run's roadside perception (plain data: it crosses to a worker thread). */
export interface PerceptionSpec {
  scenario: Scenario;
  seed: number;
  /** RSU sensor phase relative to the vehicle's, ms. */
  rsuPhaseMs: number;
  /** The run's strategy and scoring region (for the truth side of scoring, computed ahead on a worker). */
  strategy: StrategyName;
  roiAheadM?: number | undefined;
  roiLateralM?: number | undefined;
  /** Which RSU captures are simulated (rsu-activity.ts); both threads build the same RsuActivity from it. */
  rsuActivity: RsuActivityParams;
}

/** A frame's bytes encoded ahead, with what they assumed: valid only for the frame with these fields. */
export interface EncodedFrame {
  sequence: number;
  publishTimeNs: number;
  bytes: Uint8Array;
}

export interface PerceivedCapture {
  batch: DetectionBatch;
  encoded?: EncodedFrame;
}

export class RoadsidePerception {
  private readonly rngs: Rng[];
  private readonly trackers: RoadsideTracker[];
  /** Per RSU, frames published so far (the next frame's sequence) and the last capture sensed. */
  private readonly nextK: number[];
  private readonly lastK: number[];
  /** Virtual time of each RSU's next delivery, ms, accumulated as the virtual-time scheduler repeats a timer. */
  private readonly deliveryMs: number[];
  private readonly options: RoadsideOptions[];
  /**
   * Each RSU's sensor pose as sense() reads it, in the ego sensor's literal shape ({ xM, yM, yawRad }): with the
   * scenario's pose objects sense() saw two pose maps and was recompiled for the second.
   */
  private readonly poses: { xM: number; yM: number; yawRad: number }[] = [];

  constructor(
    private readonly spec: PerceptionSpec, private readonly truth = new TruthTimeline(spec.scenario),
    /** Also encode each capture as the frame its pipeline will publish, if it publishes every capture on arrival. */
    private readonly encodeFrames = false,
  ) {
    const root = new Rng(spec.seed);
    this.rngs = spec.scenario.rsus.map((_, i) => root.fork(RNG_STREAM.rsuSensor(i)));
    this.trackers = spec.scenario.rsus.map(() => new RoadsideTracker());
    this.nextK = spec.scenario.rsus.map(() => 0);
    this.lastK = spec.scenario.rsus.map(() => -1);
    this.deliveryMs = spec.scenario.rsus.map((r) => spec.rsuPhaseMs + r.sensor.latencyMs);
    this.options = spec.scenario.rsus.map((_, i) => simRoadsideOptions(spec.scenario, i));
    for (const r of spec.scenario.rsus) this.poses.push({ xM: r.pose.xM, yM: r.pose.yM, yawRad: r.pose.yawRad });
  }

  /**
   * RSU i's capture k, tracked: each RSU's captures in increasing k, RSUs in any order. Captures left out (a dormant
   * RSU: rsu-activity.ts) are never sensed; the frames are numbered in the order the RSU publishes them.
   */
  next(i: number, captureK: number): PerceivedCapture {
    const s = this.spec.scenario;
    const rsu = s.rsus[i]!;
    if (!(captureK >= this.lastK[i]! + 1)) throw new RangeError(`RSU ${i}: capture ${captureK} after ${this.lastK[i]}`);
    const skipped = captureK - this.lastK[i]! - 1;
    this.lastK[i] = captureK;
    const k = this.nextK[i]!++;
    const tMs = captureMs(s, this.spec.rsuPhaseMs, captureK);
    const detections = sense(rsu.sensor, this.poses[i]!, this.truth.at(tMs / 1000), this.rngs[i]!);
    const captureTimeNs = simTimeNs(tMs);
    const batch = { captureTimeNs, objects: this.trackers[i]!.update({ captureTimeNs, objects: detections }) };
    // One period added per capture, skipped ones too, as the scheduler's repeating timer does (same rounding).
    for (let j = 0; j < skipped; j++) this.deliveryMs[i] = this.deliveryMs[i]! + 1000 / s.frameRateHz;
    const deliveredMs = this.deliveryMs[i]!;
    this.deliveryMs[i] = deliveredMs + 1000 / s.frameRateHz;
    if (!this.encodeFrames) return { batch };
    // The frame the pipeline builds from this batch if it publishes it on arrival as its k-th frame.
    const o = this.options[i]!;
    const frame: PerceptionFrame = {
      sourceId: o.rsuId, sourceKind: 'rsu', sequence: k, captureTimeNs, publishTimeNs: simTimeNs(deliveredMs),
      mapFrame: o.mapFrame, sensorPose: o.sensorPose, objects: batch.objects,
    };
    return { batch, encoded: { sequence: k, publishTimeNs: frame.publishTimeNs, bytes: frameEnvelope(o.rsuId, o.frameValidityMs, frame) } };
  }
}
