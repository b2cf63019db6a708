// One frame stamped an hour in the future used to disable intra and inter fusion with its RSU for the rest of
// the run (the core dropped every later frame as older than the one it held) while the link monitor reported
// the link fresh. Now the RSU link rejects it (counted as 'future') before the monitor sees it, and the core
// no longer lets a future-stamped held frame block the frames after it.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MemoryBus } from '../../shared/transport/memory.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { encodeEnvelope } from '../../shared/wire/codec.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import { RsuLink, type RoadsideArrival } from '../../vehicle/rsu-link.js';
import { VehicleCore } from '../../vehicle/core.js';
import { obj } from './harness.js';

const T0 = 4_000_000_000_000_000;
const at = (tS: number): number => T0 + Math.round(tS * 1e9);
const POSE = { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 };
const frame = (sourceId: string, tS: number, objects: DetectedObject[], sequence = 0): PerceptionFrame => ({
  sourceId, sourceKind: sourceId === 'ego' ? 'vehicle' : 'rsu', sequence, captureTimeNs: at(tS), publishTimeNs: at(tS),
  mapFrame: 'm', sensorPose: POSE, objects,
});
const HOUR_S = 3600;

describe('a future-stamped frame cannot freeze a link', () => {
  it('the core: a held frame stamped an hour ahead does not block the frames after it', () => {
    const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'inter', route: [{ xM: -50, yM: 0 }, { xM: 400, yM: 0 }] });
    const ego = { pose: POSE, speedMps: 0 };
    core.onRoadsideFrame(frame('rsu-1', 0.5 + HOUR_S, [obj(9, 30, 5)]), 0, at(0.5));
    core.onRoadsideFrame(frame('rsu-1', 0.95, [obj(7, 40, 5)]), 0, at(0.96));
    const step = core.step(frame('ego', 1, [obj(1, 20, 0)]), ego, [], at(1));
    assert.equal(step.method, 'inter');
    assert.ok(step.objects.some((o) => o.sources.some((s) => s.sourceId === 'rsu-1' && s.trackId === 7)), 'the fresh roadside object is fused');
    // An ordinary late copy of an older frame is still ignored.
    core.onRoadsideFrame(frame('rsu-1', 0.9, [obj(8, 40, 5)]), 0, at(1.01));
    const next = core.step(frame('ego', 1.05, [obj(1, 20, 0)]), ego, [], at(1.05));
    assert.ok(!next.objects.some((o) => o.sources.some((s) => s.trackId === 8)));
  });

  it('the RSU link: rejects it as future, counted, the monitor unaffected, later frames flow', () => {
    let nowNs = at(0);
    const clock = { nowNs: () => nowNs };
    const bus = new MemoryBus({ delivery: 'sync', clock });
    const rsu = bus.connect('rsu');
    const link = new RsuLink({ rsuId: 'rsu-1', region: 'r', vehicleId: 'ego', staleAfterMs: 500, latencyWindowMs: 2000, syncIntervalMs: 1000 },
      [bus.connect('veh')], clock, pino({ level: 'silent' }));
    const got: RoadsideArrival[] = [];
    const sub = link.frames$.subscribe((a) => got.push(a));
    const send = (f: PerceptionFrame): void => {
      void rsu.publish(frameTopic('r', 'rsu-1'), encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: f } }));
    };
    send(frame('rsu-1', HOUR_S, [obj(9, 30, 5)], 0));
    for (let i = 1; i <= 5; i++) {
      nowNs = at(i * 0.1 + 0.01);
      send(frame('rsu-1', i * 0.1, [obj(7, 40, 5)], i));
    }
    sub.unsubscribe();
    assert.deepEqual(got.map((a) => a.frame.sequence), [1, 2, 3, 4, 5]);
    assert.deepEqual(link.counters.rejected, { future: 1 });
    assert.equal(link.monitor.snapshot(nowNs).merged.received, 5);
  });

  it('the RSU link: drops oversized messages undecoded and implausible objects, counting each reason', () => {
    const clock = { nowNs: () => at(1) };
    const bus = new MemoryBus({ delivery: 'sync', clock });
    const rsu = bus.connect('rsu');
    const link = new RsuLink({ rsuId: 'rsu-1', region: 'r', vehicleId: 'ego', staleAfterMs: 500, latencyWindowMs: 2000, syncIntervalMs: 1000,
      wireLimits: { maxMessageBytes: 10_000 } }, [bus.connect('veh')], clock, pino({ level: 'silent' }));
    const got: RoadsideArrival[] = [];
    const sub = link.frames$.subscribe((a) => got.push(a));
    const topic = frameTopic('r', 'rsu-1');
    void rsu.publish(topic, new Uint8Array(10_001));
    void rsu.publish(topic, new Uint8Array([1, 2, 3]));
    const bad = { ...obj(8, 1e300, 5) };
    const negCov = { ...obj(6, 10, 5), covariance: [-4, 0, 0, 0, 1, 0, 0, 1, 0, 1] as unknown as DetectedObject['covariance'] };
    void rsu.publish(topic, encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: frame('rsu-1', 0.95, [obj(7, 40, 5), bad, negCov], 1) } }));
    sub.unsubscribe();
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.frame.objects.map((o) => [o.trackId, o.covariance === null]), [[7, false], [6, true]]);
    assert.deepEqual(link.counters.rejected, { tooLarge: 1, undecodable: 1, implausible: 1, covarianceRepaired: 1 });
    assert.equal(link.counters.decodeErrors, 1);
  });
});
