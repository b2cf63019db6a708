// Object distance is checked against where the vehicle has the RSU configured (rsus[].position), not against
// the sensor pose each frame reports, which any sender chooses: a frame claiming a pose far from the configured
// position is rejected whole (poseMismatch), and objects far from the configured position are dropped (tooFar).
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { validateConfig } from '../../shared/config/load.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { encodeEnvelope } from '../../shared/wire/codec.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import { rsuWireLimits, vehicleConfigSchema } from '../../vehicle/config.js';
import { RsuLink, type RoadsideArrival, type RsuLinkOptions } from '../../vehicle/rsu-link.js';
import { obj } from './harness.js';

const T0 = 4_000_000_000_000_000;
const RSU_AT = { xM: 1000, yM: 2000 };
const pose = (xM: number, yM: number) => ({ xM, yM, zM: 6, yawRad: 0, pitchRad: 0, rollRad: 0 });
const frame = (sequence: number, sensorPose: PerceptionFrame['sensorPose'], objects: DetectedObject[]): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence, captureTimeNs: T0 + sequence * 1e8, publishTimeNs: T0 + sequence * 1e8,
  mapFrame: 'm', sensorPose, objects,
});

/** Sends the frames through a link configured with `extra` and returns what came out and the counters. */
function run(extra: Partial<RsuLinkOptions>, frames: PerceptionFrame[]): { got: RoadsideArrival[]; rejected: Record<string, number> } {
  let nowNs = T0;
  const clock = { nowNs: () => nowNs };
  const bus = new MemoryBus({ delivery: 'sync', clock });
  const rsu = bus.connect('rsu');
  const link = new RsuLink({ rsuId: 'rsu-1', region: 'r', vehicleId: 'ego', staleAfterMs: 500, latencyWindowMs: 2000, syncIntervalMs: 1000, ...extra },
    [bus.connect('veh')], clock, pino({ level: 'silent' }));
  const got: RoadsideArrival[] = [];
  const sub = link.frames$.subscribe((a) => got.push(a));
  for (const f of frames) {
    nowNs = f.captureTimeNs + 10e6;
    void rsu.publish(frameTopic('r', 'rsu-1'), encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: f } }));
  }
  sub.unsubscribe();
  return { got, rejected: link.counters.rejected ?? {} };
}

describe('the RSU link checks frames against the configured RSU position', () => {
  // A frame at the RSU; a frame claiming to be 3 km away with its objects beside that claimed pose; a frame at the
  // RSU with one object 4.5 km from the RSU and another 6 km away.
  const frames = [
    frame(1, pose(RSU_AT.xM + 5, RSU_AT.yM), [obj(1, RSU_AT.xM + 20, RSU_AT.yM)]),
    frame(2, pose(RSU_AT.xM + 3000, RSU_AT.yM), [obj(2, RSU_AT.xM + 3010, RSU_AT.yM)]),
    frame(3, pose(RSU_AT.xM, RSU_AT.yM), [obj(3, RSU_AT.xM + 4500, RSU_AT.yM), obj(4, RSU_AT.xM - 6000, RSU_AT.yM)]),
  ];

  it('with a position: a frame with a far sensor pose is rejected whole, far objects dropped, each counted', () => {
    const r = run({ rsuPosition: RSU_AT }, frames);
    assert.deepEqual(r.got.map((a) => [a.frame.sequence, a.frame.objects.map((o) => o.trackId)]), [[1, [1]], [3, [3]]]);
    assert.deepEqual(r.rejected, { poseMismatch: 1, tooFar: 1 });
  });

  it('without a position: the self-reported pose is the reference, as before', () => {
    const r = run({}, frames);
    assert.deepEqual(r.got.map((a) => [a.frame.sequence, a.frame.objects.map((o) => o.trackId)]), [[1, [1]], [2, [2]], [3, [3]]]);
    assert.deepEqual(r.rejected, { tooFar: 1 });
  });

  it('the config sets both distances per RSU; the link applies them', () => {
    const base = { vehicle: { id: 'ego', mapFrame: 'm' }, source: { type: 'trace', path: 'v.jsonl' }, output: { endpoint: 'tcp://127.0.0.1:5570' } };
    const c = validateConfig(vehicleConfigSchema, {
      ...base,
      rsus: [{ id: 'rsu-1', mqtt: false, zmq: { pubEndpoint: 'tcp://127.0.0.1:5560', pullEndpoint: 'tcp://127.0.0.1:5561' },
        position: RSU_AT, maxObjectDistanceM: 1000, maxPoseOffsetM: 2 }],
    }, 'test');
    const r0 = c.rsus[0]!;
    assert.deepEqual(rsuWireLimits(r0), { maxDistanceM: 1000, maxPoseOffsetM: 2 });
    const r = run({ rsuPosition: r0.position, wireLimits: rsuWireLimits(r0) }, frames);
    // Frame 1's pose is 5 m off (beyond 2 m); frame 3's object 3 is 4.5 km away (beyond 1 km).
    assert.deepEqual(r.got.map((a) => [a.frame.sequence, a.frame.objects.map((o) => o.trackId)]), [[3, []]]);
    assert.deepEqual(r.rejected, { poseMismatch: 2, tooFar: 2 });
    assert.throws(() => validateConfig(vehicleConfigSchema, { ...base, rsus: [{ ...c.rsus[0], maxObjectDistanceM: -1 }] }, 'test'),
      /rsus\.0\.maxObjectDistanceM/);
  });
});
