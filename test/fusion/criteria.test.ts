import assert from 'node:assert/strict';
import {
  DEFAULT_CRITERIA_PARAMS,
  MethodSelector,
  aheadCriteria,
  badStretchAhead,
  bestAvailableMethod,
  evaluatePreconditions,
  interPrecondition,
  intraWaitDecision,
  intraPrecondition,
  isBadCell,
  lookAheadDistanceM,
  stretchHorizonS,
  planningPrecondition,
  predictionCostM,
  resolveCriteria,
  resolveCriteriaParams,
  rsuLinkCriteria,
  type AheadCriteria,
  type CriteriaInputs,
  type IntraWaitInputs,
  type IntraWaitRsu,
  type RsuCriteriaInput,
} from '../../shared/fusion/criteria.js';
import { DEFAULT_FUSION_PARAMS } from '../../shared/fusion/methods.js';
import type { FusionMethod } from '../../shared/fusion/types.js';
import { LinkMonitor } from '../../shared/link/link-monitor.js';
import { NetworkMap } from '../../shared/netmap/network-map.js';

const T0 = 4_000_000_000_000_000;

const rsu = (over: Partial<Omit<RsuCriteriaInput, 'link'>> & { link?: Partial<RsuCriteriaInput['link']> } = {}): RsuCriteriaInput => ({
  rsuId: over.rsuId ?? 'rsu-1',
  freshestCaptureAgeMs: over.freshestCaptureAgeMs === undefined ? 10 : over.freshestCaptureAgeMs,
  link: { latencyP90Ms: 40, jitterMs: 3, windowLossRatio: 0, stale: false, ...over.link },
});

const inputs = (rsus: readonly RsuCriteriaInput[], advisoryValidForMs: number | null = 2000, ahead: AheadCriteria | null = null): CriteriaInputs => ({
  ownCaptureTimeNs: T0, rsus, advisoryValidForMs, ahead,
});

// Link conditions of the scripted runs (advisory valid for 2 s throughout).
const INTRA_OK = inputs([rsu({ freshestCaptureAgeMs: 10 })]);
const INTER_OK = inputs([rsu({ freshestCaptureAgeMs: 200, link: { latencyP90Ms: 150, windowLossRatio: 0.05 } })]);
const BAD = inputs([rsu({ freshestCaptureAgeMs: 700, link: { latencyP90Ms: 450, windowLossRatio: 0.4 } })]);
const BAD_AHEAD: AheadCriteria = { p90LatencyMs: 450, outageRate: 0.3, distanceM: 120 };

describe('fusion/criteria', () => {
  describe('preconditions', () => {
    const table: Array<[string, CriteriaInputs, FusionMethod]> = [
      ['same-instant frame, fresh link', inputs([rsu({ freshestCaptureAgeMs: 10 })]), 'intra'],
      ['frame 30 ms in the future (clock offset): still the same instant', inputs([rsu({ freshestCaptureAgeMs: -30 })]), 'intra'],
      ['frame exactly half a period old', inputs([rsu({ freshestCaptureAgeMs: 50 })]), 'intra'],
      ['frame 80 ms old', inputs([rsu({ freshestCaptureAgeMs: 80 })]), 'inter'],
      ['frame 350 ms old, p90 200 ms', inputs([rsu({ freshestCaptureAgeMs: 350, link: { latencyP90Ms: 200 } })]), 'inter'],
      ['frame 900 ms old: the fusion\'s horizon 1000 − one period', inputs([rsu({ freshestCaptureAgeMs: 900 })]), 'inter'],
      ['frame 950 ms old: inside the horizon but not the margin', inputs([rsu({ freshestCaptureAgeMs: 950 })]), 'planning'],
      ['frame 70 ms in the future', inputs([rsu({ freshestCaptureAgeMs: -70 })]), 'planning'],
      ['latency p90 800 ms (at the threshold)', inputs([rsu({ freshestCaptureAgeMs: 200, link: { latencyP90Ms: 800 } })]), 'inter'],
      ['latency p90 850 ms', inputs([rsu({ freshestCaptureAgeMs: 200, link: { latencyP90Ms: 850 } })]), 'planning'],
      ['no latency samples', inputs([rsu({ freshestCaptureAgeMs: 200, link: { latencyP90Ms: null } })]), 'planning'],
      ['window loss 0.3 (at the threshold)', inputs([rsu({ freshestCaptureAgeMs: 200, link: { windowLossRatio: 0.3 } })]), 'inter'],
      ['window loss 0.35', inputs([rsu({ freshestCaptureAgeMs: 200, link: { windowLossRatio: 0.35 } })]), 'planning'],
      ['same-instant frame but the link is stale', inputs([rsu({ freshestCaptureAgeMs: 10, link: { stale: true } })]), 'planning'],
      ['no RSU frame yet', inputs([rsu({ freshestCaptureAgeMs: null })]), 'planning'],
      ['bad link, no advisory', inputs([rsu({ freshestCaptureAgeMs: 1100 })], null), 'vehicle-only'],
      ['bad link, advisory valid 499 ms', inputs([rsu({ freshestCaptureAgeMs: 1100 })], 499), 'vehicle-only'],
      ['bad link, advisory valid 500 ms', inputs([rsu({ freshestCaptureAgeMs: 1100 })], 500), 'planning'],
      ['no RSU at all, no advisory', inputs([], null), 'vehicle-only'],
      ['rsu-1 stale, rsu-2 same instant', inputs([rsu({ link: { stale: true } }), rsu({ rsuId: 'rsu-2', freshestCaptureAgeMs: 20 })]), 'intra'],
      ['rsu-1 lossy, rsu-2 late but healthy', inputs([
        rsu({ freshestCaptureAgeMs: 100, link: { windowLossRatio: 0.6 } }),
        rsu({ rsuId: 'rsu-2', freshestCaptureAgeMs: 250 }),
      ]), 'inter'],
    ];
    for (const [name, input, expected] of table) {
      it(`${name} -> ${expected}`, () => assert.equal(bestAvailableMethod(input), expected));
    }

    it('reasons name the RSU and the failing criterion', () => {
      assert.equal(
        intraPrecondition(inputs([rsu({ link: { stale: true } }), rsu({ rsuId: 'rsu-2', freshestCaptureAgeMs: 20 })])).reason,
        'intra: rsu-2 frame age 20 ms within ±50 ms, link fresh',
      );
      assert.equal(
        interPrecondition(inputs([rsu({ freshestCaptureAgeMs: 200, link: { latencyP90Ms: 850 } }), rsu({ rsuId: 'rsu-2', freshestCaptureAgeMs: 1100 })])).reason,
        'inter: no RSU link fit for prediction (rsu-1: latency p90 850 > 800 ms; rsu-2: age 1100 ms not in [0, 900])',
      );
      assert.equal(
        interPrecondition(inputs([rsu({ freshestCaptureAgeMs: 200, link: { windowLossRatio: 0.35 } })])).reason,
        'inter: no RSU link fit for prediction (rsu-1: loss 35 % > 30 %)',
      );
      assert.equal(planningPrecondition(inputs([], 499)).reason, 'planning: advisory valid for 499 ms < 500 ms');
      assert.equal(planningPrecondition(inputs([], null)).reason, 'planning: no valid advisory');
      assert.equal(intraPrecondition(inputs([])).reason, 'intra: no RSU frame within ±50 ms on a fresh link (no RSU)');
      const all = evaluatePreconditions(INTER_OK);
      assert.deepEqual(Object.fromEntries(Object.entries(all).map(([m, p]) => [m, p.holds])),
        { intra: false, inter: true, planning: true, 'vehicle-only': true });
    });

    it('take the vehicle period and the horizon from the fusion params, so the choice follows the fusion', () => {
      // A fixed 500 ms link (occluded-crossing fixed:500): frames 540-640 ms old at the vehicle's capture. The
      // fusion's default horizon (1000 ms, usefulPredictionAgeMs) fuses them, so inter is the method.
      const late = inputs([rsu({ freshestCaptureAgeMs: 640, link: { latencyP90Ms: 500 } })]);
      assert.equal(DEFAULT_FUSION_PARAMS.maxPredictionHorizonMs, 1000);
      assert.equal(bestAvailableMethod(late), 'inter');
      const sel = new MethodSelector({ fusion: DEFAULT_FUSION_PARAMS });
      assert.deepEqual([1, 2, 3].map(() => sel.select(late).method), ['vehicle-only', 'vehicle-only', 'inter']);
      // A fusion configured with a 500 ms horizon would drop those frames: the criteria do not choose inter then.
      const short = { maxPredictionHorizonMs: 500 };
      assert.equal(bestAvailableMethod(late, {}, short), 'planning');
      assert.equal(new MethodSelector({ fusion: short }).params.interMaxAgeMs, 400);
      // Derived: one period of margin on the age, one more on the latency (the wait for the next vehicle frame).
      const fast = { vehicleFramePeriodMs: 50, maxPredictionHorizonMs: 600 };
      const r = resolveCriteria({}, fast);
      assert.deepEqual([r.vehicleFramePeriodMs, r.maxPredictionHorizonMs, r.interMaxAgeMs, r.interMaxLatencyP90Ms], [50, 600, 550, 500]);
      assert.equal(interPrecondition(inputs([rsu({ freshestCaptureAgeMs: 550, link: { latencyP90Ms: 500 } })]), {}, fast).holds, true);
      assert.equal(interPrecondition(inputs([rsu({ freshestCaptureAgeMs: 551 })]), {}, fast).holds, false);
      assert.equal(isBadCell({ outageRate: 0, p90LatencyMs: 500 }, {}, fast), true);
      // Intra's window is half the fusion's period: 25 ms at 20 Hz.
      assert.equal(intraPrecondition(inputs([rsu({ freshestCaptureAgeMs: 30 })]), {}, fast).holds, false);
    });

    it('defaults and validation', () => {
      assert.deepEqual({ ...DEFAULT_CRITERIA_PARAMS }, {
        maxInterWindowLossRatio: 0.3, minAdvisoryValidityMs: 500, upgradeAfterFrames: 3, intraUpgradeAfterFrames: 1,
        badAheadOutageRate: 0.2, lookAheadTimeS: 3, minLookAheadM: 50, objectSpeedMps: 1.5, missingRoadsideCostM: 2,
      });
      assert.throws(() => resolveCriteriaParams({ upgradeAfterFrames: 0 }), /upgradeAfterFrames/);
      assert.throws(() => resolveCriteriaParams({ intraUpgradeAfterFrames: 1.5 }), /intraUpgradeAfterFrames/);
      assert.throws(() => resolveCriteriaParams({ maxInterWindowLossRatio: 2 }), /maxInterWindowLossRatio/);
      assert.throws(() => resolveCriteria({}, { vehicleFramePeriodMs: -1 }), /vehicleFramePeriodMs/);
      assert.throws(() => new MethodSelector({ fusion: { maxPredictionHorizonMs: Number.NaN } }), /maxPredictionHorizonMs/);
      assert.throws(() => new MethodSelector({ params: { minAdvisoryValidityMs: Number.NaN } }), /minAdvisoryValidityMs/);
    });
  });

  describe('MethodSelector hysteresis', () => {
    it('a 12-frame run: degrade at once, upgrade to inter after 3 consecutive frames, to intra at once', () => {
      const script: Array<[CriteriaInputs, FusionMethod, boolean]> = [
        [INTRA_OK, 'intra', true], //         1: start-up: a same-instant frame is used as soon as it is there
        [INTRA_OK, 'intra', false], //        2
        [INTRA_OK, 'intra', false], //        3
        [INTER_OK, 'inter', true], //         4: frames arrive late: degrade at once
        [BAD, 'planning', true], //           5: link fails: degrade at once
        [BAD, 'planning', false], //          6
        [INTER_OK, 'planning', false], //     7: recovering, inter held 1/3
        [INTER_OK, 'planning', false], //     8: 2/3
        [INTER_OK, 'inter', true], //         9: 3/3: upgrade
        [INTRA_OK, 'intra', true], //        10: same-instant frame: upgrade at once
        [INTRA_OK, 'intra', false], //       11
        [INTRA_OK, 'intra', false], //       12
      ];
      const selector = new MethodSelector();
      const got = script.map(([input]) => selector.select(input));
      assert.deepEqual(got.map((s) => s.method), script.map(([, m]) => m));
      assert.deepEqual(got.map((s) => s.switched), script.map(([, , sw]) => sw));
      assert.ok(got.every((s) => !s.wantAdvisoriesEarly));
      assert.equal(got[3]!.reason, 'degrade intra -> inter: intra: no RSU frame within ±50 ms on a fresh link (rsu-1: age 200 ms); '
        + 'inter: rsu-1 frame age 200 ms ≤ 900 ms, latency p90 150 ms, loss 5 %, jitter 3 ms');
      assert.equal(got[7]!.reason, 'planning: advisory valid for 2000 ms; inter held 2/3 frames');
      assert.match(got[8]!.reason, /^upgrade planning -> inter after 3 frames: inter: rsu-1/);
      assert.match(got[9]!.reason, /^upgrade inter -> intra after 1 frames: intra: rsu-1/);
    });

    it('intraUpgradeAfterFrames: 3 makes intra wait like the other upgrades', () => {
      const selector = new MethodSelector({ params: { intraUpgradeAfterFrames: 3 } });
      const methods = [INTRA_OK, INTRA_OK, INTRA_OK, INTER_OK, INTRA_OK, INTRA_OK, INTRA_OK].map((i) => selector.select(i).method);
      assert.deepEqual(methods, ['vehicle-only', 'vehicle-only', 'intra', 'inter', 'inter', 'inter', 'intra']);
    });

    it('one bad frame restarts the count', () => {
      const selector = new MethodSelector({ initialMethod: 'planning' });
      const run = [INTER_OK, INTER_OK, BAD, INTER_OK, INTER_OK, INTER_OK].map((i) => selector.select(i).method);
      assert.deepEqual(run, ['planning', 'planning', 'planning', 'planning', 'planning', 'inter']);
      assert.equal(selector.heldFrames('inter'), 3);
    });

    it('degrades several levels at once when needed', () => {
      const selector = new MethodSelector({ initialMethod: 'intra' });
      const s = selector.select(inputs([rsu({ freshestCaptureAgeMs: 900, link: { stale: true } })], null));
      assert.deepEqual([s.method, s.switched], ['vehicle-only', true]);
      assert.equal(selector.method, 'vehicle-only');
    });

    it('reset() returns to the initial method and clears the counts', () => {
      const selector = new MethodSelector({ params: { upgradeAfterFrames: 2, intraUpgradeAfterFrames: 2 } });
      selector.select(INTRA_OK);
      assert.equal(selector.select(INTRA_OK).method, 'intra');
      selector.reset();
      assert.equal(selector.method, 'vehicle-only');
      assert.equal(selector.heldFrames('intra'), 0);
      assert.equal(selector.select(INTRA_OK).method, 'vehicle-only');
    });
  });

  describe('spatial criteria (network map ahead)', () => {
    const withAhead = (i: CriteriaInputs, ahead: AheadCriteria | null): CriteriaInputs => ({ ...i, ahead });

    it('a bad stretch ahead asks for advisories early but never holds back an upgrade the link has earned', () => {
      const frames = [1, 2, 3, 4, 5].map(() => withAhead(INTER_OK, BAD_AHEAD));
      const spatial = new MethodSelector({ spatial: true, initialMethod: 'planning' });
      const plain = new MethodSelector({ initialMethod: 'planning' });
      const s = frames.map((f) => spatial.select(f));
      const p = frames.map((f) => plain.select(f));
      // Same methods on the same evidence: the map is a prior about the road ahead, not about these frames.
      assert.deepEqual(s.map((x) => x.method), ['planning', 'planning', 'inter', 'inter', 'inter']);
      assert.deepEqual(p.map((x) => x.method), s.map((x) => x.method));
      assert.ok(s.every((x) => x.wantAdvisoriesEarly));
      assert.ok(p.every((x) => !x.wantAdvisoriesEarly));
      assert.equal(s[1]!.reason, 'planning: advisory valid for 2000 ms; inter held 2/3 frames; '
        + 'ahead: bad stretch in 120 m (outage 30 %, p90 450 ms)');
      assert.match(s[2]!.reason, /^upgrade planning -> inter after 3 frames: .*; ahead: bad stretch in 120 m/);
      // Past the stretch: no more early advisories.
      const after = spatial.select(withAhead(INTER_OK, null));
      assert.deepEqual([after.method, after.switched, after.wantAdvisoriesEarly], ['inter', false, false]);
    });

    it('inside a bad stretch, same-instant frames that keep arriving are fused (intra), not replaced by the advisory', () => {
      const spatial = new MethodSelector({ spatial: true, initialMethod: 'planning' });
      const inStretch = withAhead(INTRA_OK, { ...BAD_AHEAD, distanceM: 0 });
      assert.deepEqual([1, 2, 3].map(() => spatial.select(inStretch).method), ['intra', 'intra', 'intra']);
      // When the link then fails there, the degrade lands on the advisory asked for early.
      assert.equal(spatial.select(withAhead(BAD, { ...BAD_AHEAD, distanceM: 0 })).method, 'planning');
    });

    it('without a valid advisory a failing link leaves the vehicle on its own objects', () => {
      const spatial = new MethodSelector({ spatial: true, initialMethod: 'inter' });
      const noAdvisory = withAhead(inputs(BAD.rsus, null), BAD_AHEAD);
      assert.deepEqual([1, 2].map(() => spatial.select(noAdvisory).method), ['vehicle-only', 'vehicle-only']);
    });

    it('never delays a degrade, and does not force one: a working intra/inter carries on until its precondition fails', () => {
      const spatial = new MethodSelector({ spatial: true, initialMethod: 'intra' });
      assert.equal(spatial.select(withAhead(INTRA_OK, BAD_AHEAD)).method, 'intra');
      assert.equal(spatial.select(withAhead(INTER_OK, BAD_AHEAD)).method, 'inter');
      assert.equal(spatial.select(withAhead(BAD, BAD_AHEAD)).method, 'planning');
    });

    it('bad stretch: outage rate ≥ 0.2 or p90 ≥ the inter threshold', () => {
      assert.equal(badStretchAhead({ p90LatencyMs: 100, outageRate: 0.1, distanceM: 40 }).holds, false);
      assert.equal(badStretchAhead({ p90LatencyMs: 100, outageRate: 0.2, distanceM: 40 }).holds, true);
      assert.equal(badStretchAhead({ p90LatencyMs: 800, outageRate: 0, distanceM: 40 }).holds, true);
      assert.equal(badStretchAhead({ p90LatencyMs: null, outageRate: 1, distanceM: 0 }).holds, true);
      assert.equal(badStretchAhead(null).holds, false);
      const mild = new MethodSelector({ spatial: true, initialMethod: 'planning' });
      const ok = withAhead(INTER_OK, { p90LatencyMs: 100, outageRate: 0.1, distanceM: 40 });
      assert.deepEqual([1, 2, 3].map(() => mild.select(ok).method), ['planning', 'planning', 'inter']);
      assert.equal(mild.select(ok).wantAdvisoriesEarly, false);
    });

    it('from a NetworkMap look-ahead to the criteria', () => {
      const map = new NetworkMap({ cellSizeM: 25 });
      for (let k = 0; k < 10; k++) map.add(60, 0, 20);
      for (let k = 0; k < 10; k++) map.add(110, 0, k < 5 ? null : 20); // cell [100, 125): half lost
      const path = [{ xM: 0, yM: 0 }, { xM: 300, yM: 0 }];
      const fromSM = 50;
      const cell = map.lookAhead(path, fromSM, lookAheadDistanceM(20)); // 20 m/s: 60 m
      const ahead = aheadCriteria(cell, fromSM)!;
      assert.deepEqual({ ...ahead, distanceM: Math.round(ahead.distanceM * 1e6) / 1e6 }, { p90LatencyMs: 20, outageRate: 0.5, distanceM: 50 });
      assert.equal(badStretchAhead(ahead).holds, true);
      assert.equal(aheadCriteria(map.lookAhead(path, 0, 50), 0)!.outageRate, 0); // only the good cell in reach
      assert.equal(aheadCriteria(null, 0), null);
    });

    it('a bad cell: outages at 20 % or a p90 at the inter limit; the horizon to ask for covers the stretch', () => {
      assert.equal(isBadCell({ outageRate: 0.2, p90LatencyMs: 20 }), true);
      assert.equal(isBadCell({ outageRate: 0.19, p90LatencyMs: 299 }), false);
      assert.equal(isBadCell({ outageRate: 0, p90LatencyMs: 800 }), true);
      assert.equal(isBadCell({ outageRate: 1, p90LatencyMs: null }), true); // everything lost
      const h = (fromSM: number, stretchEndSM: number, speedMps: number): number =>
        stretchHorizonS({ fromSM, stretchEndSM, speedMps, baseHorizonS: 5, maxHorizonS: 12, minCrossingSpeedMps: 1 });
      assert.equal(h(0, 40, 10), 9); // 4 s to the stretch's end + the planner's 5 s
      assert.equal(h(100, 130, 3), 12); // south's crawl: 10 s + 5, capped
      assert.equal(h(0, 3, 0), 8); // standing: crossing time at walking pace
      assert.equal(h(50, 40, 10), 5); // already past it: the base horizon
      assert.equal(h(0, 40, Number.NaN), 12); // unknown speed: walking pace, then the cap
    });

    it('look-ahead distance: lookAheadTimeS of driving, at least minLookAheadM', () => {
      assert.equal(lookAheadDistanceM(0), 50);
      assert.equal(lookAheadDistanceM(10), 50);
      assert.equal(lookAheadDistanceM(30), 90);
      assert.equal(lookAheadDistanceM(30, { lookAheadTimeS: 5 }), 150);
    });
  });

  it('rsuLinkCriteria reads the merged stream of a LinkMonitor snapshot', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1' });
    const MS = 1_000_000;
    for (let seq = 0; seq < 10; seq++) {
      if (seq === 4) continue; // one lost frame
      const captureTimeNs = T0 + seq * 100 * MS;
      m.onFrame({ sourceId: 'rsu-1', sequence: seq, captureTimeNs, publishTimeNs: captureTimeNs + 10 * MS, receivedAtNs: captureTimeNs + 40 * MS, transport: 'mqtt' });
    }
    const link = rsuLinkCriteria(m.snapshot(T0 + 950 * MS));
    assert.deepEqual(link, { latencyP90Ms: 30, jitterMs: 0, windowLossRatio: 0.1, stale: false });
  });

  describe('the same-instant wait (intraWaitDecision)', () => {
    // An RSU in phase with the vehicle (10 Hz both), its freshest frame one period old, 10 ms of RSU processing.
    const waitRsu = (over: Partial<Omit<IntraWaitRsu, 'link'>> & { link?: Partial<IntraWaitRsu['link']> } = {}): IntraWaitRsu => ({
      rsuId: over.rsuId ?? 'rsu-1',
      freshestCaptureAgeMs: over.freshestCaptureAgeMs === undefined ? 100 : over.freshestCaptureAgeMs,
      rsuPeriodMs: over.rsuPeriodMs === undefined ? 100 : over.rsuPeriodMs,
      processingMs: over.processingMs ?? 10,
      link: { latencyP90Ms: 20, jitterMs: 2, windowLossRatio: 0, stale: false, ...over.link },
    });
    const waitInputs = (rsus: IntraWaitRsu[], over: Partial<IntraWaitInputs> = {}): IntraWaitInputs => ({
      elapsedMs: 0, rsus, egoSpeedMps: 0, maxWaitMs: 100, roadsideVelocityStdMps: 1, accelStdMps2: 2, ...over,
    });
    const verdicts = (i: IntraWaitInputs) => intraWaitDecision(i).perRsu.map((d) => d.verdict);

    it('prediction cost: velocity error times age plus half the unmodelled acceleration', () => {
      assert.equal(predictionCostM(0, 1, 2), 0);
      assert.ok(Math.abs(predictionCostM(100, 1, 2) - 0.11) < 1e-12); // 0.1 + 0.5·2·0.01
      assert.ok(Math.abs(predictionCostM(-300, 1, 2) - 0.39) < 1e-12); // the sign of the age does not matter
    });

    it('a standing ego waits for a fast link\'s frame until its p90 arrival, and not longer', () => {
      // Arrives at 0 (slot) + 10 (processing) + 20 (p90) = 30 ms after the capture; 5 ms are spent already.
      // Gain 0.11 m (inter across 100 ms) > cost 1.5 m/s × 25 ms = 0.0375 m / 0.9.
      const d = intraWaitDecision(waitInputs([waitRsu()], { elapsedMs: 5 }));
      assert.equal(d.waitMs, 25);
      assert.deepEqual(d.rsuIds, ['rsu-1']);
      assert.equal(d.perRsu[0]!.arrivalP90Ms, 30);
      assert.match(d.reason, /^wait 25 ms: rsu-1: wait \(p90 arrival 30 ms after capture, gain 0\.11 m, cost 0\.04 m\)$/);
    });

    it('a moving ego does not wait: the delay costs more than intra gains over inter', () => {
      // 10 m/s: cost (10 + 1.5) × 30 ms = 0.345 m > 0.9 × 0.11 m.
      const d = intraWaitDecision(waitInputs([waitRsu()], { egoSpeedMps: 10 }));
      assert.equal(d.waitMs, 0);
      assert.deepEqual(verdicts(waitInputs([waitRsu()], { egoSpeedMps: 10 })), ['not-worth']);
      // ... unless the frame at hand is beyond inter's horizon: then the roadside is missing, which is worth 2 m.
      const afterOutage = waitInputs([waitRsu({ freshestCaptureAgeMs: 1200 })], { egoSpeedMps: 10 });
      assert.equal(intraWaitDecision(afterOutage).waitMs, 30);
    });

    it('when inter would not fuse the frame at hand, the wait is worth the roadside objects themselves', () => {
      const moving = waitInputs([waitRsu()], { egoSpeedMps: 10, interWithoutWait: false });
      assert.equal(intraWaitDecision(moving).waitMs, 30);
      assert.equal(intraWaitDecision(moving).perRsu[0]!.gainM, 2);
      // What the selector says: inter's precondition holds but its upgrade is not earned from vehicle-only ...
      const sel = new MethodSelector();
      assert.equal(sel.wouldUseInter(INTER_OK), false);
      sel.select(INTER_OK);
      assert.equal(sel.wouldUseInter(INTER_OK), false);
      sel.select(INTER_OK);
      assert.equal(sel.wouldUseInter(INTER_OK), true); // the third frame earns it
      assert.equal(sel.method, 'vehicle-only'); // asking changed nothing (planning is not earned either)
      // ... a degrade from intra is taken at once; a link unfit for prediction never qualifies.
      const fromIntra = new MethodSelector();
      fromIntra.select(INTRA_OK);
      assert.equal(fromIntra.wouldUseInter(INTER_OK), true);
      assert.equal(fromIntra.wouldUseInter(BAD), false);
    });

    it('the measured p90 says the frame cannot come within the longest wait: no wait (fixed 100 and 200 ms delays)', () => {
      // 50 ms of RSU processing, 30 ms of the vehicle's own: due at 50 + 100 = 150 ms, 120 ms from now.
      for (const latencyP90Ms of [100, 200]) {
        const i = waitInputs([waitRsu({ freshestCaptureAgeMs: 1200, processingMs: 50, link: { latencyP90Ms } })], { elapsedMs: 30 });
        const d = intraWaitDecision(i);
        assert.equal(d.waitMs, 0, `p90 ${latencyP90Ms}`);
        assert.deepEqual(verdicts(i), ['too-late']);
      }
      // At 70 ms it can (50 + 70 − 30 = 90 ms to go), and after an outage it is worth it.
      const at70 = waitInputs([waitRsu({ freshestCaptureAgeMs: 1200, processingMs: 50, link: { latencyP90Ms: 70 } })], { elapsedMs: 30 });
      assert.equal(intraWaitDecision(at70).waitMs, 90);
    });

    it('no wait when the frame is at hand, overdue, out of phase, or the link says nothing', () => {
      const i = waitInputs([
        waitRsu({ rsuId: 'a', freshestCaptureAgeMs: 20 }),
        waitRsu({ rsuId: 'b', freshestCaptureAgeMs: 200 }), // its capture of our instant was due 30 ms after it: lost or late
        waitRsu({ rsuId: 'c', freshestCaptureAgeMs: 150 }), // out of phase by half a period: next capture 50 ms after ours
        waitRsu({ rsuId: 'd', freshestCaptureAgeMs: 130, rsuPeriodMs: 200 }), // next capture 70 ms after ours: another slot
        waitRsu({ rsuId: 'e', link: { latencyP90Ms: null } }),
        waitRsu({ rsuId: 'f', link: { stale: true } }),
        waitRsu({ rsuId: 'g', freshestCaptureAgeMs: null }),
      ], { elapsedMs: 40 });
      assert.deepEqual(verdicts(i), ['at-hand', 'overdue', 'wait', 'no-slot', 'no-latency', 'stale', 'no-frame']);
      // c's frame, captured 50 ms after ours, is due at 50 + 10 + 20 = 80 ms: 40 ms to go.
      const d = intraWaitDecision(i);
      assert.equal(d.waitMs, 40);
      assert.deepEqual(d.rsuIds, ['c']);
    });

    it('waits for the slowest RSU worth it, only for those', () => {
      const d = intraWaitDecision(waitInputs([
        waitRsu({ rsuId: 'near', link: { latencyP90Ms: 15 } }),
        waitRsu({ rsuId: 'far', link: { latencyP90Ms: 45 } }),
        waitRsu({ rsuId: 'late', link: { latencyP90Ms: 150 } }),
      ]));
      assert.equal(d.waitMs, 55);
      assert.deepEqual(d.rsuIds, ['near', 'far']);
    });

    it('reads a LinkMonitor\'s measured p90', () => {
      const m = new LinkMonitor({ sourceId: 'rsu-1' });
      const MS = 1_000_000;
      for (let seq = 0; seq < 20; seq++) {
        const captureTimeNs = T0 + seq * 100 * MS;
        // One-way latency 20 ms, and 120 ms on every fifth frame: p90 is then 120 ms.
        const latencyMs = seq % 5 === 4 ? 120 : 20;
        m.onFrame({ sourceId: 'rsu-1', sequence: seq, captureTimeNs, publishTimeNs: captureTimeNs + 10 * MS,
          receivedAtNs: captureTimeNs + (10 + latencyMs) * MS, transport: 'mqtt' });
      }
      const nowNs = T0 + 2000 * MS;
      const link = rsuLinkCriteria(m.snapshot(nowNs));
      assert.equal(link.latencyP90Ms, 120);
      // Due at 10 + 120 = 130 ms after the capture: beyond the 100 ms wait; with 1 frame in 5 that late, intra
      // would wait the full 100 ms a fifth of the time for nothing.
      const d = intraWaitDecision(waitInputs([waitRsu({ link })]));
      assert.equal(d.waitMs, 0);
      assert.equal(d.perRsu[0]!.verdict, 'too-late');
    });
  });
});
