// Object distance is checked against where the vehicle has the RSU configured (rsus[].position), not against
// the sensor pose each frame reports, which any sender chooses: a frame claiming a pose far from the configured
// position is rejected whole (poseMismatch), and objects far from the configured position are dropped (tooFar).
// The last test runs real roadside and vehicle processes to show the config reaches the link.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateConfig } from '../../shared/config/load.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { encodeEnvelope } from '../../shared/wire/codec.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import { rsuWireLimits, vehicleConfigSchema } from '../../vehicle/config.js';
import { RsuLink, type RoadsideArrival, type RsuLinkOptions } from '../../vehicle/rsu-link.js';
import { obj } from './harness.js';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { freePort } from '../support/net.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import { GIVE_UP_MS, linkOf, start, statsShow, stop, writeConfigs } from './rogue-support.js';

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

describe('vehicle process: rsus[].position from the config reaches the link', function () {
  this.timeout(2 * GIVE_UP_MS);

  it('an RSU whose frames report a sensor pose 192 m from its configured position is rejected (poseMismatch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-rsu-position-'));
    const broker = await startEmbeddedBroker({ port: 0 });
    const ep = {
      mqttUrl: broker.url, pub: `tcp://127.0.0.1:${await freePort()}`, pull: `tcp://127.0.0.1:${await freePort()}`,
      out: `tcp://127.0.0.1:${await freePort()}`,
    };
    const files = writeConfigs(dir, ep);
    // The roadside reports its sensor at (8, 8); the vehicle has it configured at (8, 200): near enough to the ego
    // to be listened to (rsuRelevance 250 m), too far from the reported pose (maxPoseOffsetM 100 m).
    const vehicle = JSON.parse(readFileSync(files.vehicle, 'utf8')) as { rsus: Array<Record<string, unknown>> };
    vehicle.rsus[0]!.position = { xM: 8, yM: 200 };
    writeFileSync(files.vehicle, JSON.stringify(vehicle, null, 2));
    const rsu = start('roadside', files.roadside, join(dir, 'roadside.log'));
    const veh = start('vehicle', files.vehicle, join(dir, 'vehicle.log'));
    const where = `(logs in ${dir})`;
    try {
      await statsShow(veh, 'frames rejected as poseMismatch', (st) => (linkOf(st).counters.rejected?.poseMismatch ?? 0) >= 10);
      const { code, summary } = await stop<VehicleSummary>(veh);
      assert.equal(code, 0, where);
      const link = summary!.links[0]!;
      assert.equal(link.state.merged.received, 0, `frames taken from a mismatched RSU ${where}`);
      assert.ok((link.counters.rejected?.poseMismatch ?? 0) >= 10, JSON.stringify(link.counters.rejected));
    } finally {
      veh.child.stop('SIGKILL');
      rsu.child.stop('SIGKILL');
      await broker.close();
    }
  });
});
