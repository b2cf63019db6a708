// The frame scorer (sim/metrics/accumulator.ts) on hand-built frames: GOSPA over the ROI and its occluded part,
// miss, false and stale counts, the per-network breakdown and the planning displacement error at output time.
// Every expected value is worked out by hand in the comments (c = 2 m, p = 2: a miss or a false object costs 2 m²).
import assert from 'node:assert/strict';
import {
  MetricsAccumulator, planDisplacementM, scoreSets, type FrameScoreInput, type FrameTruthActor, type ScoredObject,
} from '../../sim/metrics/accumulator.js';

const close = (a: number | null | undefined, b: number, what: string): void =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

const actor = (id: number, xM: number, yM: number, flags: Partial<FrameTruthActor> = {}): FrameTruthActor => ({
  id, xM, yM, inRoi: true, rsuVisible: true, egoVisible: true, ...flags,
});
const object = (xM: number, yM: number, over: Partial<ScoredObject> = {}): ScoredObject => ({
  xM, yM, inRoi: true, ownSensor: true, actor: null, tooOld: false, ...over,
});

// Frame 1 (good network, intra). Actors: A1 (0, 0) occluded (RSU-visible, not ego-visible); A2 (10, 0) seen by
// the ego; A3 (100, 0) outside the ROI. Objects:
//   o1 (0.5, 0) roadside only, from A1            -> assigned to A1, d = 0.5: 0.25 m²
//   o2 (10, 1) own sensor, from A2                -> assigned to A2, d = 1: 1 m²
//   o3 (20, 0) own sensor, from A2 (10 m away)    -> false (2 m²); stale: displaced
//   o4 (30, 0) roadside only, from no actor, too old -> false (2 m²); stale: too old
//   o5 (100, 0.5) outside the ROI, from A3        -> not in the ROI sets; not false (A3 within 2 m)
// ROI: GOSPA² = 0.25 + 1 + 2 + 2 = 5.25. Occluded part: X = {A1}; Y = {o1 (A1's), o4 (unassigned, roadside only)}
// (o3 is unassigned but the ego saw it: not in the occluded part): GOSPA² = 0.25 + 2 = 2.25, GOSPA = 1.5.
// false_object_ratio: o3 and o4 have no actor within 2 m: 2 of 5. Stale: o3 and o4: 2 of 5.
const frame1: FrameScoreInput = {
  truth: [actor(1, 0, 0, { egoVisible: false }), actor(2, 10, 0), actor(3, 100, 0, { inRoi: false, rsuVisible: false, egoVisible: false })],
  objects: [
    object(0.5, 0, { ownSensor: false, actor: { xM: 0, yM: 0 } }),
    object(10, 1, { actor: { xM: 10, yM: 0 } }),
    object(20, 0, { actor: { xM: 10, yM: 0 } }),
    object(30, 0, { ownSensor: false, tooOld: true }),
    object(100, 0.5, { inRoi: false, actor: { xM: 100, yM: 0 } }),
  ],
  method: 'intra', e2eLatencyMs: 50, plan: null, truthPlan: null, condition: 'good',
};
// Frame 2 (outage, vehicle-only: a switch). A1 occluded, nothing output: missed, GOSPA² = 2, GOSPA = √2.
const frame2: FrameScoreInput = {
  truth: [actor(1, 0, 0, { egoVisible: false })], objects: [],
  method: 'vehicle-only', e2eLatencyMs: 150, plan: null, truthPlan: null, condition: 'outage',
};

describe('metrics accumulator', () => {
  it('scores one frame\'s sets: ROI and occluded GOSPA, found and missed actors', () => {
    const s = scoreSets(frame1.objects, frame1.truth);
    close(s.roi.distanceM, Math.sqrt(5.25), 'ROI GOSPA');
    assert.deepEqual([s.roi.localisation, s.roi.missed, s.roi.false], [1.25, 0, 4]);
    close(s.occluded.distanceM, 1.5, 'occluded GOSPA');
    assert.deepEqual([s.occluded.localisation, s.occluded.missed, s.occluded.false], [0.25, 0, 2]);
    assert.deepEqual([s.roiPairs, s.roiFound, s.occludedPairs, s.missedPairs, s.positionErrors], [2, 2, 1, 0, [0.5, 1]]);
  });

  it('sums frames into the run summary and splits them by network condition', () => {
    const acc = new MetricsAccumulator();
    assert.equal(acc.add(frame1), 0);
    assert.equal(acc.add(frame2), 1);
    const m = acc.summary();
    // Occluded pairs: A1 in both frames, missed in frame 2: 1/2. ROI pairs 3, found 2.
    assert.equal(m.fusion_miss_ratio, 0.5);
    close(m.recall, 2 / 3, 'recall');
    assert.equal(m.false_object_ratio, 2 / 5);
    // Per-frame GOSPA: √5.25 and √2; parts per frame (1.25, 0, 4) and (0, 2, 0).
    const roi = m.gospa!.roi;
    close(roi.mean_m, (Math.sqrt(5.25) + Math.SQRT2) / 2, 'ROI GOSPA mean');
    assert.deepEqual(roi.mean_m2, { localisation: 0.625, missed: 1, false: 2 });
    assert.deepEqual(roi.total_m2, { localisation: 1.25, missed: 2, false: 4 });
    assert.deepEqual([roi.assigned, roi.missed, roi.false], [2, 1, 2]);
    // Occluded: 1.5 and √2; parts (0.25, 0, 2) and (0, 2, 0).
    close(m.gospa!.occluded.mean_m, (1.5 + Math.SQRT2) / 2, 'occluded GOSPA mean');
    assert.deepEqual(m.gospa!.occluded.total_m2, { localisation: 0.25, missed: 2, false: 2 });
    assert.deepEqual(m.stale_objects, { count: 2, ratio: 2 / 5, too_old: 1, displaced: 1 });
    assert.deepEqual(m.counts, { frames: 2, occludedPairs: 2, missedPairs: 1, roiPairs: 3, fusedObjects: 5, falseObjects: 2, staleObjects: 2 });
    assert.equal(m.mode_switches, 1);
    // Per network condition: frame 1 alone is good, frame 2 alone is an outage, nothing degraded.
    const { good, degraded, outage } = m.by_network;
    assert.deepEqual([good.frames, degraded.frames, outage.frames], [1, 0, 1]);
    assert.equal(good.fusion_miss_ratio, 0);
    close(good.gospa!.roi.mean_m, Math.sqrt(5.25), 'good GOSPA');
    assert.deepEqual(good.stale_objects, { count: 2, ratio: 2 / 5, too_old: 1, displaced: 1 });
    assert.equal(outage.fusion_miss_ratio, 1);
    close(outage.gospa!.roi.mean_m, Math.SQRT2, 'outage GOSPA');
    assert.equal(outage.stale_objects!.ratio, null);
    // The switch happened on the outage frame.
    assert.deepEqual([good.mode_switches, outage.mode_switches], [0, 1]);
    assert.deepEqual(outage.mode_residency, { intra: 0, inter: 0, planning: 0, 'vehicle-only': 1 });
    assert.deepEqual(degraded.gospa!.roi.mean_m, null);
  });

  it('compares plans over the same absolute times from the output instant on', () => {
    // The vehicle's plan, made at t = 0: x = 10 t at t = 0, 0.5, 1 s. The truth plan, made at the output instant
    // t = 0.25 s: x = 2, 6, 9 at t = 0.25, 0.75, 1.25 s. Shared instants: 0.25 (vehicle 2.5: 0.5 off) and 0.75
    // (vehicle 7.5: 1.5 off); 1.25 is past the vehicle's plan. Mean: 1.
    const plan = { timeNs: 0, points: [{ tS: 0, xM: 0, yM: 0 }, { tS: 0.5, xM: 5, yM: 0 }, { tS: 1, xM: 10, yM: 0 }] };
    const truth = { timeNs: 0.25e9, points: [{ tS: 0, xM: 2, yM: 0 }, { tS: 0.5, xM: 6, yM: 0 }, { tS: 1, xM: 9, yM: 0 }] };
    close(planDisplacementM(plan, truth), 1, 'output-time PDE');
    // Made at the same instant, point by point: |0 - 2|, |5 - 6|, |10 - 9|: mean 4/3.
    close(planDisplacementM(plan, { ...truth, timeNs: 0 }), 4 / 3, 'same-instant PDE');
    // Through the accumulator, beside the capture-time figure.
    const acc = new MetricsAccumulator();
    acc.add({ ...frame2, plan, truthPlan: truth, captureTime: { objects: [], truth: frame2.truth, truthPlan: { ...truth, timeNs: 0 } } });
    const m = acc.summary();
    close(m.planning_displacement_error_m.mean, 1, 'PDE mean');
    close(m.capture_time.planning_displacement_error_m.mean, 4 / 3, 'capture-time PDE mean');
  });
});
