import assert from 'node:assert/strict';
import type { DetectedObject } from '../../shared/model/types.js';
import {
  DEFAULT_DECISION_MEMORY_PARAMS, emptyDecisionMemory, objectRefs, planRemembering, type DecisionMemory,
} from '../../shared/planning/decision-memory.js';
import { DEFAULT_PLANNER_PARAMS, planSpeedProfile, type PlannerInput, type PlannerParams } from '../../shared/planning/planner.js';
import { detectedObject } from '../support/objects.js';

const T0_NS = 1_700_000_000_000_000_000;
const P: PlannerParams = { ...DEFAULT_PLANNER_PARAMS, cruiseSpeedMps: 10 };
const CYCLE_NS = 100_000_000;
/** Holding on, whatever the default. */
const HOLD = { ...DEFAULT_DECISION_MEMORY_PARAMS, holdYields: true };

/**
 * A pedestrian (track 7) crossing at x = 15 m at 1.4 m/s, entering the corridor (|y| <= 1.8 + 0.3) at tEnterS. The
 * ego at 10 m/s has its rear past 15.3 m at 1.76 s, so it passes when tEnter - timeGap >= 1.76 s: at tEnter 3.0 s
 * by 0.24 s (less than the 0.5 s release margin), at 4.2 s by 1.44 s.
 */
function pedestrian(tEnterS: number, over: Partial<DetectedObject> = {}): DetectedObject {
  return detectedObject({
    trackId: 7, objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, zM: 0.8, existenceProbability: 0.95,
    xM: 15, yM: -(2.1 + 1.4 * tEnterS), vyMps: 1.4, headingRad: Math.PI / 2, ...over,
  });
}

function input(objects: DetectedObject[], timeNs = T0_NS): PlannerInput {
  return { timeNs, path: [{ xM: 0, yM: 0 }, { xM: 300, yM: 0 }], egoSM: 0, egoSpeedMps: 10, objects, zones: [] };
}

/** The memory of a previous cycle one planning period earlier that yielded to (or passed) track 7. */
function remembered(yielded: boolean, lastNs = T0_NS - CYCLE_NS): DecisionMemory {
  return { lastNs, decisions: [{ refs: ['#7'], yielded, sinceNs: lastNs - CYCLE_NS }], flips: 3 };
}

describe('planning/decision-memory', () => {
  it('plans as the stateless planner without memory, and remembers each object\'s decision', () => {
    const ped = pedestrian(3.0);
    const { plan, memory } = planRemembering(input([ped]), emptyDecisionMemory(), P, HOLD);
    assert.deepEqual(plan, planSpeedProfile(input([ped]), P));
    assert.deepEqual(plan.decisions, [{ objectIndex: 0, yielded: false }]);
    assert.equal(plan.points[plan.points.length - 1]!.vMps, 10, 'passes at cruise');
    assert.deepEqual(memory, { lastNs: T0_NS, decisions: [{ refs: ['#7'], yielded: false, sinceNs: T0_NS }], flips: 0 });
    // Objects not in the way are remembered too (as not yielded to).
    const aside = pedestrian(0, { trackId: 8, yM: 10, vyMps: 0 });
    assert.deepEqual(planRemembering(input([aside]), emptyDecisionMemory(), P, HOLD).memory.decisions, [{ refs: ['#8'], yielded: false, sinceNs: T0_NS }]);
  });

  it('keeps a yield while the pass is feasible by less than the release margin', () => {
    const ped = pedestrian(3.0);
    const { plan, memory } = planRemembering(input([ped]), remembered(true), P, HOLD);
    assert.deepEqual(plan.decisions, [{ objectIndex: 0, yielded: true }]);
    assert.equal(plan.limitedBy, 'object');
    assert.ok(plan.points[plan.points.length - 1]!.vMps < 10, 'slows for the pedestrian');
    // The pedestrian's front edge: the ego's front stays the standstill gap behind it while it is in the corridor.
    for (const pt of plan.points) {
      const y = ped.yM + 1.4 * pt.tS;
      if (Math.abs(y) <= P.corridorHalfWidthM + 0.3) assert.ok(pt.sM + P.egoLengthM / 2 <= 15 - 0.3 - P.standstillGapM + 1e-9);
    }
    assert.equal(memory.flips, 3, 'no flip');
    assert.equal(memory.decisions[0]!.sinceNs, T0_NS - 2 * CYCLE_NS, 'the decision dates from when it was taken');
  });

  it('releases a yield once the pass is clear by the margin, and counts the flip', () => {
    const ped = pedestrian(4.2);
    const { plan, memory } = planRemembering(input([ped]), remembered(true), P, HOLD);
    assert.deepEqual(plan, planSpeedProfile(input([ped]), P));
    assert.deepEqual(plan.decisions, [{ objectIndex: 0, yielded: false }]);
    assert.equal(memory.flips, 4);
    assert.equal(memory.decisions[0]!.sinceNs, T0_NS);
  });

  it('releases a yield to an object that has left the corridor, and counts the flip', () => {
    const gone = pedestrian(3.0, { yM: 6, vyMps: 1.4 }); // already across, walking away
    const { plan, memory } = planRemembering(input([gone]), remembered(true), P, HOLD);
    assert.deepEqual(plan.decisions, []);
    assert.equal(plan.points[plan.points.length - 1]!.vMps, 10);
    assert.deepEqual(memory.decisions, [{ refs: ['#7'], yielded: false, sinceNs: T0_NS }]);
    assert.equal(memory.flips, 4);
  });

  it('with a lateral margin, keeps yielding to an object on the corridor edge until it is that far out', () => {
    const M = { ...HOLD, releaseLateralMarginM: 0.5 };
    // Standing 20 m ahead, its near side 0.3 m outside the corridor (|y| - 0.3 > 1.8): not in the way, unless held.
    const edge = pedestrian(0, { xM: 20, yM: P.corridorHalfWidthM + 0.3 + 0.3, vyMps: 0 });
    assert.deepEqual(planSpeedProfile(input([edge]), P).decisions, []);
    assert.deepEqual(planRemembering(input([edge]), remembered(true), P, HOLD).plan.decisions, [], 'not without a lateral margin');
    const held = planRemembering(input([edge]), remembered(true), P, M);
    assert.deepEqual(held.plan.decisions, [{ objectIndex: 0, yielded: true }]);
    assert.ok(held.plan.points[held.plan.points.length - 1]!.sM + P.egoLengthM / 2 <= 20 - 0.3 - P.standstillGapM + 1e-9, 'stops before it');
    assert.equal(held.memory.flips, 3);
    // Beyond corridor + releaseLateralMarginM: released.
    const out = pedestrian(0, { xM: 20, yM: P.corridorHalfWidthM + 0.3 + M.releaseLateralMarginM + 0.1, vyMps: 0 });
    assert.deepEqual(planRemembering(input([out]), remembered(true), P, M).plan.decisions, []);
  });

  it('takes a new yield at once, whatever the memory says', () => {
    // Passed before, but now entering in 1 s: a yield at once.
    const { plan, memory } = planRemembering(input([pedestrian(1.0)]), remembered(false), P, HOLD);
    assert.deepEqual(plan.decisions, [{ objectIndex: 0, yielded: true }]);
    assert.equal(memory.flips, 4);
  });

  it('does not hold a stale memory, a memory from the future, or with holdYields off', () => {
    const ped = pedestrian(3.0);
    const stateless = planSpeedProfile(input([ped]), P);
    const staleNs = T0_NS - (DEFAULT_DECISION_MEMORY_PARAMS.maxGapS * 1e9 + CYCLE_NS);
    assert.deepEqual(planRemembering(input([ped]), remembered(true, staleNs), P, HOLD).plan, stateless);
    assert.deepEqual(planRemembering(input([ped]), remembered(true, T0_NS + CYCLE_NS), P, HOLD).plan, stateless);
    const off = planRemembering(input([ped]), remembered(true), P, { ...HOLD, holdYields: false });
    assert.deepEqual(off.plan, stateless);
    assert.equal(off.memory.flips, 4, 'flips are still counted');
  });

  it('identifies a fused object by any of its source tracks', () => {
    const fused = { ...pedestrian(3.0, { trackId: 99 }), sources: [{ sourceId: 'veh', trackId: 3 }, { sourceId: 'rsu-1', trackId: 12 }] };
    assert.deepEqual(objectRefs(fused), ['veh#3', 'rsu-1#12']);
    assert.deepEqual(objectRefs(pedestrian(3.0)), ['#7']);
    // The fused id changed and the vehicle's own track was lost; the RSU track carries the held yield.
    const memory: DecisionMemory = { lastNs: T0_NS - CYCLE_NS, decisions: [{ refs: ['veh#3', 'rsu-1#12'], yielded: true, sinceNs: 0 }], flips: 0 };
    const renumbered = { ...pedestrian(3.0, { trackId: 5 }), sources: [{ sourceId: 'rsu-1', trackId: 12 }] };
    assert.deepEqual(planRemembering(input([renumbered]), memory, P, HOLD).plan.decisions, [{ objectIndex: 0, yielded: true }]);
  });

  it('rejects invalid parameters', () => {
    assert.throws(() => planRemembering(input([]), emptyDecisionMemory(), P, { ...HOLD, releaseMarginS: -1 }), RangeError);
  });
});
