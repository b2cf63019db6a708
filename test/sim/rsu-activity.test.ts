// RSUs far from the ego are not simulated (sim/engine/rsu-activity.ts). What must hold: the window is where the
// parameters put it, a run with dormant RSUs is the same computed inline or on the perception worker, and no frame
// the vehicle decodes in a fully simulated run comes from a capture the activity leaves out (audited).
import assert from 'node:assert/strict';
import { captureMs } from '../../sim/engine/sim-clock.js';
import { defaultRsuActivity, RsuActivity } from '../../sim/engine/rsu-activity.js';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { metricsJson } from '../../sim/metrics/metrics-json.js';
import { benchCorridor } from '../../sim/scenarios/bench-corridor.js';

describe('RSU activity window (sim/engine/rsu-activity.ts)', () => {
  it('starts warmupS before the ego comes within reachM and ends lingerS after it leaves', () => {
    // Ego at 9 m/s along y = -1.75 from x = 0; rsu-7 at (900, 9): within 350 m for x in [550.17, 1249.83] m,
    // i.e. t in [61.13, 138.87] s; captures at 20 ms + k * 100 ms.
    const s = benchCorridor(5, 180);
    const i = s.rsus.findIndex((r) => r.pose.xM === 900);
    const a = new RsuActivity(s, 20, { reachM: 350, warmupS: 15, lingerS: 3 });
    const activeS: number[] = [];
    for (let k = 0; captureMs(s, 20, k) < 180_000; k++) if (a.isActive(i, k)) activeS.push(captureMs(s, 20, k) / 1000);
    const first = activeS[0]!;
    const last = activeS[activeS.length - 1]!;
    assert.ok(first >= 61.13 - 15 && first < 61.13 - 15 + 0.1, `first active capture at ${first} s`);
    assert.ok(last > 138.87 + 3 - 0.1 && last <= 138.87 + 3, `last active capture at ${last} s`);
    assert.equal(activeS.length, Math.round((last - first) * 10) + 1, 'one contiguous window');
    // rsu-1 at x = 0 is near at the start: active from the first capture.
    assert.ok(a.isActive(0, 0));
    assert.ok(!a.isActive(0, 1700));
  });

  it('rejects parameters that cannot describe a window', () => {
    const s = benchCorridor(5, 20);
    assert.throws(() => new RsuActivity(s, 20, { reachM: 0, warmupS: 1, lingerS: 1 }), RangeError);
    assert.throws(() => new RsuActivity(s, 20, { reachM: 100, warmupS: -1, lingerS: 1 }), RangeError);
  });
});

describe('runs with dormant RSUs', function () {
  this.timeout(180_000);
  const scenario = benchCorridor(30, 90);
  const base = { scenario, network: 'jitter:25,8,10@gamma+ge:0.02,0.3,0,0.5', strategy: 'adaptive-st' as const, seed: 2 };

  it('leave out a corridor\'s far RSU captures and give the same outputs inline and on the perception worker', () => {
    const inline = runVirtual({ ...base, collectSeries: true });
    const worker = runVirtual({ ...base, collectSeries: true, perceptionWorker: true });
    assert.equal(metricsJson(worker), metricsJson(inline));
    assert.deepEqual(worker.series, inline.series);
    const e = inline.engine!;
    assert.ok(e.rsuCapturesDormant > 0.25 * (e.rsuCapturesDormant + e.rsuCapturesSimulated), JSON.stringify(e));
    // Each simulated capture is published once, from the bytes the worker encoded ahead.
    assert.equal(inline.details.roadsideFramesSent, e.rsuCapturesSimulated);
    assert.equal(worker.engine!.framesEncodedAhead, e.rsuCapturesSimulated);
    assert.equal(worker.engine!.framesEncodedHere, 0);
  });

  it('leave out no frame or advisory the vehicle takes when every RSU is simulated (audit), and the audit can fail', () => {
    const all = runVirtual({ ...base, rsuActivity: null });
    assert.equal(all.engine!.rsuCapturesDormant, 0);
    assert.ok(all.details.roadsideFramesSent > 0 && all.details.roadsideFramesOutOfRange > 0);
    assert.equal(all.engine!.framesDecodedOutsideActivity, 0);
    assert.equal(all.engine!.advisoriesTakenOutsideActivity, 0);
    assert.ok(all.details.advisories > 0);
    // Negative control: a reach inside the vehicle's release distance leaves out frames it decodes.
    const tight = runVirtual({ ...base, rsuActivity: null, auditRsuActivity: { ...defaultRsuActivity(scenario), reachM: 150, warmupS: 0 } });
    assert.ok((tight.engine!.framesDecodedOutsideActivity ?? 0) > 0, JSON.stringify(tight.engine));
    assert.ok((tight.engine!.advisoriesTakenOutsideActivity ?? 0) > 0, JSON.stringify(tight.engine));
  });
});
