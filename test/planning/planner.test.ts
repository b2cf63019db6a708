import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DetectedObject } from '../../shared/model/types.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import {
  DEFAULT_PLANNER_PARAMS,
  isStationary,
  planSpeedProfile,
  type Plan,
  type PlannerInput,
  type PlannerParams,
  type PlannerZone,
} from '../../shared/planning/planner.js';
import { close } from '../support/close.js';
import { detectedObject } from '../support/objects.js';

const T0_NS = 1_700_000_000_000_000_000;
const P: PlannerParams = { ...DEFAULT_PLANNER_PARAMS, cruiseSpeedMps: 10 };
const HALF_EGO_M = P.egoLengthM / 2;
const sec = (s: number): number => T0_NS + s * 1e9;

const object = (over: Partial<DetectedObject> = {}): DetectedObject => detectedObject({ zM: 0.8, existenceProbability: 0.95, ...over });

function input(over: Partial<PlannerInput> = {}): PlannerInput {
  return {
    timeNs: T0_NS,
    path: [{ xM: 0, yM: 0 }, { xM: 300, yM: 0 }],
    egoSM: 0,
    egoSpeedMps: 10,
    objects: [],
    zones: [],
    ...over,
  };
}

const zone = (over: Partial<PlannerZone> = {}): PlannerZone => ({ startSM: 30, endSM: 32, tStartNs: sec(1), tEndNs: sec(4), confidence: 0.9, ...over });

/** The plan's motion and limits without its per-object decisions; asserts every decision is a pass. */
function passingAll(plan: Plan): Omit<Plan, 'decisions'> {
  const { decisions, ...rest } = plan;
  for (const d of decisions) assert.equal(d.yielded, false, `object ${d.objectIndex} yielded`);
  return rest;
}

/** Kinematic sanity every plan must satisfy. */
function checkKinematics(plan: Plan, p: PlannerParams = P): void {
  assert.equal(plan.points.length, Math.round(p.horizonS / p.stepS) + 1);
  plan.points.forEach((pt, k) => {
    close(pt.tS, k * p.stepS, 1e-12);
    assert.ok(pt.vMps >= 0 && pt.vMps <= p.cruiseSpeedMps + 1e-12, `speed ${pt.vMps} at ${k}`);
    assert.ok(pt.aMps2 <= p.maxAccelMps2 + 1e-12 && pt.aMps2 >= -p.maxDecelMps2 - 1e-12, `accel ${pt.aMps2} at ${k}`);
    if (!plan.emergency) assert.ok(pt.aMps2 >= -p.comfortDecelMps2 - 1e-12, `comfort ${pt.aMps2} at ${k}`);
    if (k > 0) assert.ok(pt.sM >= plan.points[k - 1]!.sM, 'never reverses');
  });
}

describe('vehicle/planner', () => {
  it('keeps cruise speed exactly with nothing ahead', () => {
    const plan = planSpeedProfile(input(), P);
    checkKinematics(plan);
    assert.equal(plan.limitedBy, 'cruise');
    assert.equal(plan.emergency, false);
    assert.equal(plan.stopSM, undefined);
    assert.equal(plan.timeNs, T0_NS);
    plan.points.forEach((pt, k) => {
      assert.equal(pt.vMps, 10);
      assert.equal(pt.aMps2, 0);
      assert.equal(pt.sM, k); // 10 m/s x 0.1 s = 1 m, exactly
      close(pt.xM, k, 1e-12); // interpolated along the segment
      assert.equal(pt.yM, 0);
    });
  });

  it('accelerates at maxAccel toward cruise, then holds it', () => {
    const plan = planSpeedProfile(input({ egoSpeedMps: 6 }), P);
    checkKinematics(plan);
    plan.points.forEach((pt) => close(pt.vMps, Math.min(10, 6 + 1.5 * pt.tS), 1e-9, `v at ${pt.tS}`));
    assert.equal(plan.points[plan.points.length - 1]!.vMps, 10);
    assert.equal(plan.limitedBy, 'cruise');
  });

  it('stops behind a stationary object in its lane with the standstill gap', () => {
    // A car 40 m ahead: its rear at 37.75 m, so the ego's centre stops at 37.75 - 2.5 - 2.3 = 32.95 m.
    const plan = planSpeedProfile(input({ objects: [object({ xM: 40 })] }), P);
    checkKinematics(plan);
    const last = plan.points[plan.points.length - 1]!;
    const stopM = 40 - 2.25 - P.standstillGapM - HALF_EGO_M;
    assert.equal(last.vMps, 0);
    close(last.sM, stopM, 1e-6, 'stop position');
    close(plan.stopSM!, stopM, 1e-6, 'stopSM');
    assert.equal(plan.limitedBy, 'object');
    assert.equal(plan.emergency, false);
    for (const pt of plan.points) assert.ok(pt.sM <= stopM + 1e-9);
    // Cruises until the last moment, then brakes at the comfort deceleration.
    assert.equal(plan.points[15]!.vMps, 10);
    assert.equal(plan.points[30]!.aMps2, -P.comfortDecelMps2);
  });

  it('ignores objects outside the corridor and behind the ego', () => {
    const free = planSpeedProfile(input(), P);
    const beside = object({ xM: 40, yM: 3.5 }); // the next lane: 3.5 - 0.9 > 1.8
    const behind = object({ xM: -20, vxMps: 12 }); // catching up from behind: not the planner's to brake for
    assert.deepEqual(passingAll(planSpeedProfile(input({ objects: [beside, behind] }), P)), passingAll(free));
  });

  it('predicts an object standing still when its velocity is within the noise of its covariance', () => {
    const free = planSpeedProfile(input(), P);
    // A parked car beside the lane (its side 1.9 m from the path, corridor 1.8 m), its track drifting toward the
    // lane at 0.15 m/s: at face value it would be in the corridor within a second.
    const cov = diagonalCovariance(0.3, 0.3);
    const parked = object({ xM: 40, yM: 2.8, vyMps: -0.15, covariance: cov });
    assert.deepEqual(planSpeedProfile(input({ objects: [parked] }), P), free);
    const faceValue = planSpeedProfile(input({ objects: [parked] }), { ...P, stationaryGateProbability: 0 });
    assert.equal(faceValue.limitedBy, 'object');
    assert.equal(planSpeedProfile(input({ objects: [{ ...parked, covariance: null }] }), P).limitedBy, 'object');
    // A pedestrian walking into the lane at 1.4 m/s is far outside that noise (d² = 22 > 9.21): still yielded to.
    const walker = object({ objectClass: 'pedestrian', xM: 30, yM: 4, vyMps: -1.4, lengthM: 0.6, widthM: 0.6, covariance: cov });
    assert.equal(isStationary(walker, 0.99, 0.5), false);
    assert.equal(planSpeedProfile(input({ objects: [walker] }), P).limitedBy, 'object');
    // With a loose velocity covariance (σ 0.5 m/s: d² = 7.8) zero is not rejected, but 1.4 m/s is above the
    // stationary speed bound: still moving.
    const loose = { ...walker, covariance: diagonalCovariance(0.3, 0.5) };
    assert.equal(isStationary(loose, 0.99), true);
    assert.equal(isStationary(loose, 0.99, P.stationaryMaxSpeedMps), false);
    assert.equal(planSpeedProfile(input({ objects: [loose] }), P).limitedBy, 'object');
  });

  it('stationarity test: chi-square gate on the velocity with its full 2x2 covariance', () => {
    const cov = (vxx: number, vxy: number, vyy: number) => [0.1, 0, 0, 0, 0.1, 0, 0, vxx, vxy, vyy] as const;
    assert.equal(isStationary(object({ vxMps: 0.9, covariance: cov(0.1, 0, 0.1) }), 0.99), true); // d² 8.1
    assert.equal(isStationary(object({ vxMps: 1.0, covariance: cov(0.1, 0, 0.1) }), 0.99), false); // d² 10
    // Correlated: along the long axis of the ellipse a larger velocity is still noise.
    assert.equal(isStationary(object({ vxMps: 0.9, vyMps: 0.9, covariance: cov(0.1, 0.09, 0.1) }), 0.99), true); // d² 8.5
    assert.equal(isStationary(object({ vxMps: 0.9, vyMps: 0.9, covariance: cov(0.1, 0, 0.1) }), 0.99), false); // d² 16.2
    assert.equal(isStationary(object({ vxMps: 0.9, vyMps: -0.9, covariance: cov(0.1, 0.09, 0.1) }), 0.99), false);
    assert.equal(isStationary(object({ vxMps: 0.1, covariance: null }), 0.99), false);
    assert.equal(isStationary(object({ vxMps: 0.1, covariance: cov(0, 0, 0) }), 0.99), false);
    assert.equal(isStationary(object({ vxMps: 0.1, covariance: cov(0.1, 0, 0.1) }), 0), false);
  });

  it('slows for a zone it cannot pass before it starts: never inside [startSM, endSM] during the window', () => {
    const z = zone(); // [30, 32] m blocked during [1, 4] s; the ego would be there at ~3 s
    const plan = planSpeedProfile(input({ zones: [z] }), P);
    checkKinematics(plan);
    assert.equal(plan.limitedBy, 'zone');
    assert.equal(plan.emergency, false);
    for (const pt of plan.points) {
      if (pt.tS >= 1 - 1e-9 && pt.tS <= 4 + 1e-9) {
        assert.ok(pt.sM + HALF_EGO_M <= z.startSM - P.standstillGapM + 1e-9, `front ${pt.sM + HALF_EGO_M} at ${pt.tS}`);
      }
    }
    assert.ok(Math.min(...plan.points.map((p) => p.vMps)) < 5);
    // Once the window is over it accelerates again.
    const after = plan.points.filter((p) => p.tS > 4 + 1e-9);
    assert.ok(after.every((p) => p.aMps2 === P.maxAccelMps2));
  });

  it('does not slow for a zone it clears (with the time gap) before it starts', () => {
    // Blocked during [4.5, 5] s: the ego's rear is past 32 m at 3.43 s, before 4.5 - 1 s.
    const plan = planSpeedProfile(input({ zones: [zone({ tStartNs: sec(4.5), tEndNs: sec(5) })] }), P);
    assert.deepEqual(plan, planSpeedProfile(input(), P));
    // With a window from 4.4 s it would have to be clear by 3.4 s: it is not, so it yields.
    const tight = planSpeedProfile(input({ zones: [zone({ tStartNs: sec(4.4), tEndNs: sec(5) })] }), P);
    assert.equal(tight.limitedBy, 'zone');
    for (const pt of tight.points) if (pt.tS >= 4.4) assert.ok(pt.sM + HALF_EGO_M <= 30);
  });

  it('ignores low-confidence, expired and beyond-horizon zones', () => {
    const free = planSpeedProfile(input(), P);
    assert.deepEqual(planSpeedProfile(input({ zones: [zone({ confidence: 0.2 })] }), P), free);
    assert.deepEqual(planSpeedProfile(input({ zones: [zone({ tStartNs: sec(-3), tEndNs: sec(-0.5) })] }), P), free);
    assert.deepEqual(planSpeedProfile(input({ zones: [zone({ tStartNs: sec(6), tEndNs: sec(9) })] }), P), free);
    // At the threshold it counts.
    assert.equal(planSpeedProfile(input({ zones: [zone({ confidence: P.minZoneConfidence })] }), P).limitedBy, 'zone');
  });

  it('stops before a zone that lasts beyond the horizon', () => {
    const plan = planSpeedProfile(input({ zones: [zone({ startSM: 35, endSM: 45, tStartNs: sec(0), tEndNs: sec(20) })] }), P);
    checkKinematics(plan);
    const stopM = 35 - P.standstillGapM - HALF_EGO_M;
    assert.equal(plan.points[plan.points.length - 1]!.vMps, 0);
    close(plan.stopSM!, stopM, 1e-6);
  });

  it('follows a slower lead car at the standstill gap plus the time gap', () => {
    const lead = object({ xM: 30, vxMps: 5 });
    const plan = planSpeedProfile(input({ objects: [lead] }), P);
    checkKinematics(plan);
    assert.equal(plan.limitedBy, 'object');
    for (const pt of plan.points) {
      const leadRearM = 30 + 5 * pt.tS - 2.25;
      assert.ok(leadRearM - (pt.sM + HALF_EGO_M) >= P.standstillGapM + P.timeGapS * 5 - 1e-6, `gap at ${pt.tS}`);
    }
    // At the horizon's end it can still stop before the lead's own stopping point (lead braking at maxDecel).
    const last = plan.points[plan.points.length - 1]!;
    const leadStopM = 30 + 25 - 2.25 + (5 * 5) / (2 * P.maxDecelMps2);
    assert.ok(last.sM + HALF_EGO_M + (last.vMps ** 2) / (2 * P.comfortDecelMps2) <= leadStopM - P.standstillGapM - P.timeGapS * 5 + 1e-6);
  });

  it('yields to a crossing pedestrian: never within the standstill gap of it while it is in the corridor', () => {
    const ped = object({ objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, xM: 20, yM: -5, vyMps: 1.4, headingRad: Math.PI / 2 });
    const plan = planSpeedProfile(input({ egoSpeedMps: 8, objects: [ped] }), { ...P, cruiseSpeedMps: 8 });
    checkKinematics(plan, { ...P, cruiseSpeedMps: 8 });
    assert.equal(plan.limitedBy, 'object');
    assert.equal(plan.emergency, false);
    const halfM = P.corridorHalfWidthM + 0.3;
    for (const pt of plan.points) {
      const y = -5 + 1.4 * pt.tS;
      if (Math.abs(y) <= halfM) assert.ok(pt.sM + HALF_EGO_M <= 20 - 0.3 - P.standstillGapM + 1e-9, `front at ${pt.tS}`);
    }
  });

  it('passes a pedestrian it clears well before the pedestrian reaches the corridor', () => {
    // Enters the corridor (|y| <= 2.1) at (8 - 2.1) / 1.4 = 4.2 s; the ego's rear is past 15.3 m at 1.8 s.
    const ped = object({ objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, xM: 15, yM: -8, vyMps: 1.4, headingRad: Math.PI / 2 });
    const plan = planSpeedProfile(input({ objects: [ped] }), P);
    assert.deepEqual(plan.decisions, [{ objectIndex: 0, yielded: false }]);
    assert.deepEqual(passingAll(plan), passingAll(planSpeedProfile(input(), P)));
  });

  it('does not brake for a faster car cutting in behind it', () => {
    // From the next lane 8 m back at 14 m/s, drifting in: it enters the corridor behind the ego's rear.
    const cutIn = object({ xM: -8, yM: -3.5, vxMps: 14, vyMps: 1, headingRad: Math.atan2(1, 14) });
    assert.deepEqual(passingAll(planSpeedProfile(input({ objects: [cutIn] }), P)), passingAll(planSpeedProfile(input(), P)));
    // The same car cutting in ahead of the ego is yielded to (the ego drops back).
    const ahead = object({ xM: 8, yM: -3.5, vxMps: 8, vyMps: 1, headingRad: Math.atan2(1, 8) });
    const plan = planSpeedProfile(input({ objects: [ahead] }), P);
    assert.equal(plan.limitedBy, 'object');
    assert.ok(plan.points[plan.points.length - 1]!.vMps < 10);
  });

  it('brakes harder than comfort only when it must, and flags it', () => {
    const plan = planSpeedProfile(input({ objects: [object({ xM: 22 })] }), P); // needs 16.7 m at comfort, has 12.9 m
    checkKinematics(plan);
    assert.equal(plan.emergency, true);
    assert.ok(plan.points.some((p) => p.aMps2 < -P.comfortDecelMps2));
    assert.equal(plan.points[plan.points.length - 1]!.vMps, 0);
    close(plan.stopSM!, 22 - 2.25 - P.standstillGapM - HALF_EGO_M, 1e-6); // 6 m/s² is enough here
  });

  it('stays stopped (no creeping) behind a stationary object', () => {
    const stopM = 40 - 2.25 - P.standstillGapM - HALF_EGO_M;
    const plan = planSpeedProfile(input({ egoSM: stopM, egoSpeedMps: 0, objects: [object({ xM: 40 })] }), P);
    for (const pt of plan.points) {
      assert.equal(pt.vMps, 0);
      assert.equal(pt.sM, stopM);
      assert.equal(pt.aMps2, 0);
    }
    assert.equal(plan.stopSM, stopM);
  });

  it('places the points on a curved path', () => {
    const path = [{ xM: 0, yM: 0 }, { xM: 20, yM: 0 }, { xM: 20, yM: 100 }];
    const plan = planSpeedProfile(input({ path }), P);
    const p30 = plan.points[30]!; // s = 30: 10 m up the second leg
    assert.equal(p30.sM, 30);
    assert.deepEqual([p30.xM, p30.yM], [20, 10]);
  });

  it('property: without emergency, every zone is either cleared in time or never entered during its window', () => {
    const zoneArb = fc.record({
      startSM: fc.double({ min: 10, max: 60, noNaN: true }),
      lengthM: fc.double({ min: 0.5, max: 10, noNaN: true }),
      t0S: fc.double({ min: -1, max: 4, noNaN: true }),
      durS: fc.double({ min: 0.2, max: 6, noNaN: true }),
    });
    // These ranges make about half the plans zone-limited and a quarter emergencies (whose bounds may be violated).
    fc.assert(
      fc.property(fc.array(zoneArb, { minLength: 1, maxLength: 4 }), fc.double({ min: 4, max: 14, noNaN: true }), (zs, v0) => {
        const zones = zs.map((z) => zone({ startSM: z.startSM, endSM: z.startSM + z.lengthM, tStartNs: sec(z.t0S), tEndNs: sec(z.t0S + z.durS) }));
        const p = { ...P, cruiseSpeedMps: 14 };
        const plan = planSpeedProfile(input({ egoSpeedMps: v0, zones }), p);
        checkKinematics(plan, p);
        if (plan.emergency) return;
        for (const z of zones) {
          const t0 = (z.tStartNs - T0_NS) / 1e9;
          const t1 = (z.tEndNs - T0_NS) / 1e9;
          const passAt = Math.max(0, Math.floor((t0 - p.timeGapS) / p.stepS + 1e-9));
          if (plan.points[passAt]!.sM - HALF_EGO_M >= z.endSM) continue; // cleared timeGap before it starts
          for (const pt of plan.points) {
            if (pt.tS >= t0 - 1e-9 && pt.tS <= t1 + 1e-9) {
              assert.ok(pt.sM + HALF_EGO_M <= z.startSM - p.standstillGapM + 1e-6, `front ${pt.sM + HALF_EGO_M} in [${z.startSM}, ${z.endSM}] at ${pt.tS}`);
            }
          }
        }
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it('property: without emergency, never within the standstill gap of a stationary object in the corridor', () => {
    const objArb = fc.record({ xM: fc.double({ min: 8, max: 80, noNaN: true }), yM: fc.double({ min: -3.5, max: 3.5, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(objArb, { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 14, noNaN: true }), (os, v0) => {
        const p = { ...P, cruiseSpeedMps: 14 };
        const plan = planSpeedProfile(input({ egoSpeedMps: v0, objects: os.map((o, i) => object({ trackId: i, ...o })) }), p);
        checkKinematics(plan, p);
        if (plan.emergency) return;
        for (const o of os) {
          if (Math.abs(o.yM) > p.corridorHalfWidthM + 0.9) continue;
          for (const pt of plan.points) assert.ok(pt.sM + HALF_EGO_M <= o.xM - 2.25 - p.standstillGapM + 1e-6);
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('is deterministic and does not mutate its input', () => {
    const objects = [object({ xM: 45, vxMps: 3 }), object({ trackId: 2, objectClass: 'pedestrian', xM: 25, yM: -6, vyMps: 1.2, lengthM: 0.6, widthM: 0.6 })];
    const inp = input({ objects, zones: [zone(), zone({ startSM: 60, endSM: 62, confidence: 0.5 })] });
    const frozen = structuredClone(inp);
    const a = planSpeedProfile(inp, P);
    const b = planSpeedProfile(structuredClone(inp), P);
    assert.deepEqual(a, b);
    assert.deepEqual(inp, frozen);
  });

  it('rejects invalid parameters and inputs', () => {
    assert.throws(() => planSpeedProfile(input(), { ...P, stepS: 0 }), RangeError);
    assert.throws(() => planSpeedProfile(input(), { ...P, maxDecelMps2: 2 }), RangeError);
    assert.throws(() => planSpeedProfile(input(), { ...P, stationaryGateProbability: 1 }), RangeError);
    assert.throws(() => planSpeedProfile(input(), { ...P, stationaryMaxSpeedMps: -1 }), RangeError);
    assert.throws(() => planSpeedProfile(input({ path: [{ xM: 0, yM: 0 }] }), P), RangeError);
    assert.throws(() => planSpeedProfile(input({ egoSpeedMps: Number.NaN }), P), RangeError);
  });
});
