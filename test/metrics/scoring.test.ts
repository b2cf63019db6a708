// Output-time scoring (sim/metrics/scoring.ts, TruthScorer) on a hand-built world with a known latency: the same
// output scores differently at its capture and at its publication, roadside tracks are traced to their actors, and
// stale roadside data is counted. c = 2 m, p = 2: a miss or a false object costs 2 m² of GOSPA².
import assert from 'node:assert/strict';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import type { FusedObject } from '../../shared/fusion/types.js';
import { VehicleCore, type VehicleStepResult } from '../../vehicle/core.js';
import { TruthScorer } from '../../sim/metrics/scoring.js';
import type { Scenario, SensorSpec } from '../../sim/world/scenario.js';

const MS = 1e6;
const sensor = (rangeM: number): SensorSpec => ({
  rangeM, fovRad: 2 * Math.PI, occlusion: false, posNoiseStdM: 0, velNoiseStdMps: 0, missProbability: 0, falsePositivesPerCycle: 0, latencyMs: 0,
});

// The ego drives along y = 0 at 1 m/s; a pedestrian runs along y = 0 at 10 m/s, 20 m ahead at t = 0 (so 29 m ahead
// of the ego at t = 1 s: in the ROI). One RSU sees everything; the ego's sensor reaches 5 m, so the pedestrian is
// occluded (RSU-visible, not ego-visible) throughout.
const scenario: Scenario = {
  name: 'known-latency', description: 'hand-built', mapFrame: 'local', durationS: 10, frameRateHz: 10, lanes: [],
  ego: { route: [{ tS: 0, xM: 0, yM: 0 }, { tS: 100, xM: 100, yM: 0 }], sensor: sensor(5), lengthM: 4.5, widthM: 1.8 },
  rsus: [{ id: 'rsu-1', pose: { xM: 30, yM: 20, zM: 6, yawRad: 0 }, sensor: sensor(200) }],
  actors: [{ id: 1, objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.7, trajectory: [{ tS: 0, xM: 20, yM: 0 }, { tS: 10, xM: 120, yM: 0 }] }],
};

const track = (trackId: number, xM: number, yM: number): DetectedObject => ({
  trackId, objectClass: 'pedestrian', classConfidence: 0.9, xM, yM, zM: 0.85, vxMps: 10, vyMps: 0, headingRad: 0, yawRateRadps: 0,
  lengthM: 0.6, widthM: 0.6, heightM: 1.7, covariance: diagonalCovariance(0.3, 0.5), existenceProbability: 0.95, ageS: 1,
});
const rsuFrame = (captureMs: number, objects: DetectedObject[]): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 0, captureTimeNs: captureMs * MS, publishTimeNs: captureMs * MS, mapFrame: 'local',
  sensorPose: { xM: 30, yM: 20, zM: 6, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects,
});
const ownFrame = (captureMs: number): PerceptionFrame => ({
  sourceId: 'ego', sourceKind: 'vehicle', sequence: 0, captureTimeNs: captureMs * MS, publishTimeNs: captureMs * MS, mapFrame: 'local',
  sensorPose: { xM: captureMs / 1000, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects: [],
});
/** An output object the RSU alone contributed (its track `t`), where that track says. */
const fromRsu = (t: DetectedObject): FusedObject => ({ ...t, sources: [{ sourceId: 'rsu-1', trackId: t.trackId }], method: 'intra' });
const step = (own: PerceptionFrame, objects: FusedObject[]): VehicleStepResult => ({
  method: 'intra', reason: 'test', switched: false, objects, output: { ...own, objects }, plan: null, intent: null, routeSM: null,
});

/** Scores one output of the frame captured at captureMs, holding the RSU frame `rsu` received at receivedMs. */
function scoreOne(rsu: PerceptionFrame, receivedMs: number, captureMs: number, outputMs: number, objects: FusedObject[]) {
  const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'local', strategy: 'intra' });
  core.onRoadsideFrame(rsu, 0, receivedMs * MS);
  const scorer = new TruthScorer({ scenario, originNs: 0, collectSeries: false });
  const own = ownFrame(captureMs);
  scorer.add(own, step(own, objects), outputMs * MS, core);
  return scorer.summary();
}

describe('output-time scoring (TruthScorer)', () => {
  it('prices a known latency: the actor has moved on by the time the output is published', () => {
    // Captured at t = 1.0 s, published at 1.1 s (100 ms end to end). The RSU's frame of 1.0 s puts track 7 on the
    // pedestrian, (30, 0), and track 8 on nothing, (40, 5) (in the ROI: 39 m ahead, 5 m aside).
    const t7 = track(7, 30, 0);
    const t8 = track(8, 40, 5);
    const m = scoreOne(rsuFrame(1000, [t7, t8]), 1050, 1000, 1100, [fromRsu(t7), fromRsu(t8)]);
    // At 1.1 s the pedestrian is at (31, 0): track 7 is 1 m off (assigned: 1 m²), track 8 false (2 m²).
    // GOSPA² = 3 over the ROI, and the same over its occluded part (track 8 is roadside-only).
    assert.ok(Math.abs(m.gospa!.roi.mean_m! - Math.sqrt(3)) < 1e-9, `${m.gospa!.roi.mean_m}`);
    const { localisation, missed, false: falseM2 } = m.gospa!.roi.total_m2;
    assert.ok(Math.abs(localisation - 1) < 1e-9, `${localisation}`);
    assert.deepEqual([missed, falseM2], [0, 2]);
    assert.ok(Math.abs(m.gospa!.occluded.mean_m! - Math.sqrt(3)) < 1e-9);
    assert.equal(m.fusion_miss_ratio, 0);
    assert.ok(Math.abs(m.position_error_m.mean! - 1) < 1e-9);
    // Scored at the capture, track 7 was exact: GOSPA² = 0 + 2 (track 8).
    assert.ok(Math.abs(m.capture_time.gospa_roi_mean_m! - Math.SQRT2) < 1e-9);
    // 1 m off its own actor, from a frame 100 ms old: not stale. Track 8 is from no actor: false, not stale.
    assert.deepEqual(m.stale_objects, { count: 0, ratio: 0, too_old: 0, displaced: 0 });
    assert.equal(m.false_object_ratio, 0.5);
    assert.equal(m.e2e_latency_ms.p50, 100);
    // The freshest roadside frame took 50 ms: a good network.
    assert.deepEqual([m.by_network.good.frames, m.by_network.degraded.frames, m.by_network.outage.frames], [1, 0, 0]);
  });

  it('counts an object from roadside data older than the prediction horizon, displaced from its actor, as stale', () => {
    // The RSU's latest frame was captured at 0 s (pedestrian at (20, 0)) and arrived at 1.05 s; the frame
    // captured at 1.0 s is published at 1.1 s carrying track 7 where that frame put it. At 1.1 s: 1100 ms old
    // (> 1000 ms, the fusion's horizon) and 11 m from the pedestrian, now at (31, 0): stale by both rules, once.
    const t7 = track(7, 20, 0);
    const m = scoreOne(rsuFrame(0, [t7]), 1050, 1000, 1100, [fromRsu(t7)]);
    assert.deepEqual(m.stale_objects, { count: 1, ratio: 1, too_old: 1, displaced: 1 });
    // Too far to be assigned: the pedestrian missed (2 m²) and the object false (2 m²): GOSPA = 2.
    assert.equal(m.gospa!.roi.mean_m, 2);
    assert.equal(m.fusion_miss_ratio, 1);
    // The freshest roadside frame took 1050 ms (published at 0 s, received at 1.05 s): an outage.
    assert.equal(m.by_network.outage.frames, 1);
  });
});
