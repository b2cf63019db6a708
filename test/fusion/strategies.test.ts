// The strategy table (shared/fusion/strategies.ts): a strategy registered with one call runs in the vehicle core
// and the simulator, and every place that takes a strategy name knows it; unknown names are refused with the list.
import assert from 'node:assert/strict';
import { roadsideDtMs, type FrameInputs } from '../../shared/fusion/methods.js';
import { INTER_FRAME } from '../../shared/fusion/inter-frame.js';
import { INTRA_FRAME } from '../../shared/fusion/intra-frame.js';
import { VEHICLE_ONLY } from '../../shared/fusion/vehicle-only.js';
import {
  isThreadLocalStrategy, parseStrategy, registerStrategy, strategyDef, strategyHelp, strategyNames, type MethodChoice,
  type StrategyDef,
} from '../../shared/fusion/strategies.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { runJobs } from '../../sim/engine/run-pool.js';
import { describeRecording } from '../../sim/replay/metadata.js';
import type { RunMetrics } from '../../sim/report/types.js';
import { builtinScenario } from '../../sim/scenarios/index.js';
import { vehicleConfigSchema } from '../../vehicle/config.js';
import { VehicleCore } from '../../vehicle/core.js';
import { obj } from '../vehicle/harness.js';

const BUILT_IN = ['vehicle-only', 'intra', 'inter', 'planning', 'adaptive', 'adaptive-st', 'latest', 'linear-compensation'];

/** Inter-frame fusion only while the freshest roadside frame is under 100 ms old, else vehicle-only. */
const freshInter = (name: string): StrategyDef => ({
  name, description: 'inter-frame fusion while the freshest roadside frame is under 100 ms old, else vehicle-only',
  usesAdvisories: false, needsNetmap: false,
  pick: {
    kind: 'custom',
    choose: (x: FrameInputs): MethodChoice => {
      const ageMs = Math.min(...x.frames.map((f) => roadsideDtMs(x.own, f)));
      return ageMs < 100 ? { method: 'inter', reason: `freshest frame ${ageMs} ms old` } : { method: 'vehicle-only', reason: 'no fresh frame' };
    },
  },
  methods: { inter: INTER_FRAME, 'vehicle-only': VEHICLE_ONLY },
});

/** Below 2^53 ns: every stamp here is an exact integer. */
const T0 = 4_000_000_000_000_000;
const at = (tS: number): number => T0 + Math.round(tS * 1e9);
const frame = (sourceId: string, tS: number, objects: DetectedObject[]): PerceptionFrame => ({
  sourceId, sourceKind: sourceId === 'ego' ? 'vehicle' : 'rsu', sequence: Math.round(tS * 10), captureTimeNs: at(tS),
  publishTimeNs: at(tS), mapFrame: 'm', sensorPose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects,
});

describe('fusion/strategies: the strategy table', () => {
  it('lists the built-in strategies in their order, each with a one-line description', () => {
    assert.deepEqual(strategyNames(), BUILT_IN);
    const help = strategyHelp().split('\n');
    assert.equal(help.length, BUILT_IN.length + 1);
    for (const [i, name] of BUILT_IN.entries()) assert.match(help[i + 1]!, new RegExp(`^  ${name} +\\S`));
    assert.deepEqual(BUILT_IN.filter((n) => strategyDef(n).needsNetmap), ['adaptive-st']);
    assert.deepEqual(BUILT_IN.filter((n) => strategyDef(n).usesAdvisories), ['planning', 'adaptive', 'adaptive-st']);
  });

  it('refuses an unknown name everywhere, naming the field and listing the known ones', () => {
    const list = /unknown strategy "nope"; one of vehicle-only, intra, inter, planning, adaptive, adaptive-st, latest, linear-compensation$/;
    assert.throws(() => parseStrategy('nope', '--strategy'), (e: Error) => e.message.startsWith('--strategy: ') && list.test(e.message));
    assert.throws(() => new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'nope' }), list);
    assert.throws(() => describeRecording({ strategy: 'nope' }), (e: Error) => e.message.startsWith('recording metadata "strategy": ') && list.test(e.message));
    const config = vehicleConfigSchema.safeParse({
      vehicle: { id: 'ego', mapFrame: 'm' }, source: { type: 'zmq-pull', endpoint: 'tcp://127.0.0.1:5000' },
      output: { endpoint: 'tcp://127.0.0.1:5001' }, strategy: 'nope',
    });
    assert.equal(config.success, false);
    assert.deepEqual(config.error?.issues.map((i) => [i.path.join('.'), list.test(i.message)]), [['strategy', true]]);
  });

  it('refuses a duplicate name and an entry that could not run', () => {
    assert.throws(() => registerStrategy({ ...freshInter('x'), name: 'inter' }), /strategy "inter": already registered/);
    assert.throws(() => registerStrategy({ ...freshInter('a,b') }), /strategy "a,b": a name is/);
    assert.throws(() => registerStrategy({ ...freshInter('x'), pick: { kind: 'fixed', method: 'intra' } }), /may choose intra, which methods lacks/);
    assert.throws(() => registerStrategy({ ...freshInter('x'), pick: { kind: 'adaptive', spatial: false } }), /may choose intra/);
    assert.throws(() => registerStrategy({
      ...freshInter('x'), usesAdvisories: true, needsNetmap: false, pick: { kind: 'adaptive', spatial: true },
      methods: { ...strategyDef('adaptive').methods },
    }), /spatial look-ahead needs the network map/);
    assert.deepEqual(strategyNames(), BUILT_IN);
  });

  describe('a strategy registered with one call', () => {
    let unregister: () => void = () => undefined;
    before(() => {
      unregister = registerStrategy(freshInter('fresh-inter'));
    });
    after(() => unregister());

    it('is known to every name check, and is listed last', () => {
      assert.deepEqual(strategyNames(), [...BUILT_IN, 'fresh-inter']);
      assert.equal(parseStrategy('fresh-inter', '--strategy'), 'fresh-inter');
      assert.equal(describeRecording({ strategy: 'fresh-inter' }).strategy, 'fresh-inter');
      assert.match(strategyHelp(), /\n {2}fresh-inter +inter-frame fusion while/);
      assert.ok(isThreadLocalStrategy('fresh-inter'));
      assert.ok(!isThreadLocalStrategy('inter'));
      const config = vehicleConfigSchema.parse({
        vehicle: { id: 'ego', mapFrame: 'm' }, source: { type: 'zmq-pull', endpoint: 'tcp://127.0.0.1:5000' },
        output: { endpoint: 'tcp://127.0.0.1:5001' }, strategy: 'fresh-inter',
      });
      assert.equal(config.strategy, 'fresh-inter');
    });

    it('runs in the vehicle core: inter with a fresh frame, vehicle-only with a stale one; no intents, no intra wait', () => {
      const route = [{ xM: -50, yM: 0 }, { xM: 400, yM: 0 }];
      const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'fresh-inter', route });
      const ego = { pose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, speedMps: 0 };
      assert.equal(core.mayUseIntra(), false);
      const step = (tS: number) => core.step(frame('ego', tS, [obj(1, 20, 0)]), ego, [], at(tS));
      core.onRoadsideFrame(frame('rsu-1', 0.95, [obj(7, 40, 5)]), 0, at(0.96));
      const fresh = step(1); // 50 ms old
      assert.equal(fresh.method, 'inter');
      assert.equal(fresh.reason, 'freshest frame 50 ms old');
      assert.deepEqual(fresh.objects.map((o) => [o.method, o.sources.map((s) => `${s.sourceId}#${s.trackId}`)]),
        [['inter', ['ego#1']], ['inter', ['rsu-1#7']]]);
      assert.equal(fresh.intent, null);
      const stale = step(1.1); // 150 ms old: inter would still use it
      assert.equal(stale.method, 'vehicle-only');
      assert.equal(stale.switched, true);
      assert.deepEqual(stale.objects.map((o) => o.sources.map((s) => s.sourceId)), [['ego']]);
      const inter = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'inter', route });
      inter.onRoadsideFrame(frame('rsu-1', 0.95, [obj(7, 40, 5)]), 0, at(0.96));
      assert.equal(inter.step(frame('ego', 1.1, []), ego, [], at(1.1)).method, 'inter');
    });

    it('runs in the simulator: inter only part of the time, between the inter and vehicle-only strategies', function () {
      this.timeout(120_000);
      // 60 ± 30 ms one way: the freshest frame is under 100 ms old about two frames in three.
      const run = (strategy: string) => runVirtual({ scenario: builtinScenario('occluded-crossing'), network: 'jitter:60,30', strategy, seed: 1 }).metrics;
      const [fresh, inter, own] = ['fresh-inter', 'inter', 'vehicle-only'].map(run) as [RunMetrics, RunMetrics, RunMetrics];
      const share = (m: RunMetrics, method: string): number => m.mode_residency[method] ?? 0;
      assert.equal(fresh.strategy, 'fresh-inter');
      assert.ok(share(fresh, 'inter') > 0.3 && share(fresh, 'inter') < share(inter, 'inter') - 0.1,
        `inter residency ${share(fresh, 'inter')} vs inter's ${share(inter, 'inter')}`);
      assert.ok(share(fresh, 'vehicle-only') > share(inter, 'vehicle-only'));
      assert.ok(share(fresh, 'vehicle-only') < share(own, 'vehicle-only'));
      assert.equal(share(fresh, 'intra') + share(fresh, 'planning'), 0);
      assert.ok(fresh.fusion_miss_ratio! > inter.fusion_miss_ratio! && fresh.fusion_miss_ratio! < own.fusion_miss_ratio!);
    });

    it('runs in a parallel comparison: registered here only, its jobs stay on this thread', async function () {
      this.timeout(120_000);
      const args = { scenario: 'occluded-crossing', network: 'jitter:60,30' };
      const jobs = [{ strategy: 'fresh-inter', seed: 1, collectSeries: false }, { strategy: 'inter', seed: 1, collectSeries: false }];
      const [fresh, inter] = await runJobs(args, jobs, 2);
      assert.equal(fresh!.metrics.strategy, 'fresh-inter');
      assert.ok((fresh!.metrics.mode_residency.inter ?? 0) < (inter!.metrics.mode_residency.inter ?? 0));
    });
  });

  it('a strategy taken out again is unknown', () => {
    const unregister = registerStrategy({ ...freshInter('short-lived'), pick: { kind: 'fixed', method: 'intra' }, methods: { intra: INTRA_FRAME, 'vehicle-only': VEHICLE_ONLY } });
    assert.ok(new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'short-lived' }).mayUseIntra());
    unregister();
    assert.throws(() => parseStrategy('short-lived', 'x'), /unknown strategy "short-lived"/);
    assert.deepEqual(strategyNames(), BUILT_IN);
  });
});
