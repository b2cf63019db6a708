// The vehicle listens only to nearby RSUs (vehicle/pipeline.ts with shared/link/relevance.ts): two real roadside
// pipelines a kilometre apart, the vehicle driving from one to the other, in virtual time over the in-memory bus.
import assert from 'node:assert/strict';
import { asyncScheduler, map, takeWhile, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { pino } from 'pino';
import { startRoadside } from '../../roadside/pipeline.js';
import { startVehicle, type VehicleCounters } from '../../vehicle/pipeline.js';
import { RsuLink } from '../../vehicle/rsu-link.js';
import { VehicleCore } from '../../vehicle/core.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { DEFAULT_ANSWER_WITHIN_M, DEFAULT_RSU_RELEVANCE, RsuRelevance } from '../../shared/link/relevance.js';
import { roadsideConfigSchema } from '../../roadside/config.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Clock } from '../../shared/time/clock.js';
import { EPOCH_NS, obj } from './harness.js';
import { vehicleConfigSchema } from '../../vehicle/config.js';
import { validateConfig } from '../../shared/config/load.js';

interface Step { tS: number; sources: string[] }

function drive(withRelevance: boolean): { steps: Step[]; links: RsuLink[]; counters: VehicleCounters; heldAtEnd: string[] } {
  const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
  const out = { steps: [] as Step[], links: [] as RsuLink[], counters: undefined as unknown as VehicleCounters, heldAtEnd: [] as string[] };
  ts.run(({ flush }) => {
    const durationS = 20;
    ts.maxFrames = durationS * 1000 + 1000;
    const scheduler = asyncScheduler;
    const clock: Clock = { nowNs: () => EPOCH_NS + Math.round(scheduler.now() * 1e6) };
    const log = pino({ level: 'silent' });
    const bus = new MemoryBus({ delivery: 'sync', clock });
    const stream = (latencyMs: number, f: (tS: number) => Omit<DetectionBatch, 'captureTimeNs'>) => timer(latencyMs, 100, scheduler).pipe(
      map((k) => k * 100), takeWhile((tMs) => tMs < durationS * 1000),
      map((tMs): DetectionBatch => ({ captureTimeNs: EPOCH_NS + tMs * 1e6, ...f(tMs / 1000) })),
    );
    // RSU a at x = 0 and RSU b at x = 1000, each seeing a parked car beside it; the ego drives 0 -> 1000 m in 20 s.
    const rsus = [{ id: 'a', xM: 0 }, { id: 'b', xM: 1000 }].map((r, i) => startRoadside(
      { rsuId: r.id, region: 'r', mapFrame: 'm', sensorPose: { xM: r.xM, yM: 10, zM: 6, yawRad: 0, pitchRad: 0, rollRad: 0 },
        rateHz: 10, frameValidityMs: 1000, tracking: { enabled: false }, advisories: { enabled: false } },
      stream(20, () => ({ objects: [obj(100 + i, r.xM + 10, 5)] })), [bus.connect(r.id)], clock, log,
    ));
    const vehicleSide = bus.connect('ego');
    out.links = ['a', 'b'].map((id) => new RsuLink(
      { rsuId: id, region: 'r', vehicleId: 'ego', staleAfterMs: 1000, latencyWindowMs: 2000, syncIntervalMs: 1000 },
      [vehicleSide], clock, log, scheduler,
    ));
    const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'inter' });
    const relevance = new RsuRelevance([{ rsuId: 'a', xM: 0, yM: 10 }, { rsuId: 'b', xM: 1000, yM: 10 }], { subscribeWithinM: 250, releaseBeyondM: 300 });
    const ego = (tS: number) => ({ pose: { xM: 50 * tS, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, speedMps: 50 });
    const veh = startVehicle(
      { vehicleId: 'ego', mapFrame: 'm', scheduler, ...(withRelevance ? { rsuRelevance: relevance } : {}) },
      stream(20, (tS) => ({ objects: [], ego: ego(tS) })), out.links, null, core, clock, log,
      (own, result) => out.steps.push({
        tS: (own.captureTimeNs - EPOCH_NS) / 1e9, sources: [...new Set(result.objects.flatMap((o) => o.sources.map((s) => s.sourceId)))].sort(),
      }),
    );
    flush();
    out.counters = veh.counters;
    out.heldAtEnd = [...core.roadside.keys()].sort();
    void veh.stop();
    rsus.forEach((r) => void r.stop());
  });
  return out;
}

describe('the vehicle listens only to nearby RSUs (rsuRelevance)', function () {
  this.timeout(30_000);

  it('fuses an RSU while within range, drops its frames undecoded when far, and forgets what it held', () => {
    const { steps, links, counters, heldAtEnd } = drive(true);
    const at = (t: number) => steps.find((s) => Math.abs(s.tS - t) < 1e-6)!.sources;
    // a: the ego is within 250 m until 5 s and let go beyond 300 m (6 s); b: taken in within 250 m (15 s).
    for (const t of [1, 3, 5]) assert.deepEqual(at(t), ['a'], `t=${t}`);
    for (const t of [6.5, 10, 14.5]) assert.deepEqual(at(t), [], `t=${t}`);
    for (const t of [15.5, 18, 19.9]) assert.deepEqual(at(t), ['b'], `t=${t}`);
    const [a, b] = links;
    assert.ok(a!.counters.outOfRange > 100 && b!.counters.outOfRange > 100, `${a!.counters.outOfRange}, ${b!.counters.outOfRange}`);
    assert.equal(a!.counters.decodeErrors + b!.counters.decodeErrors, 0);
    // Only frames listened to were fused: about 6 s of a and 5 s of b at 10 Hz, not 2 x 20 s.
    assert.ok(counters.roadsideFrames > 100 && counters.roadsideFrames < 130, String(counters.roadsideFrames));
    assert.deepEqual(heldAtEnd, ['b']);
  });

  it('without it every link is listened to, near or far', () => {
    const { steps, links, counters } = drive(false);
    const mid = steps.find((s) => Math.abs(s.tS - 10) < 1e-6)!;
    assert.deepEqual(mid.sources, ['a', 'b']);
    assert.equal(links[0]!.counters.outOfRange + links[1]!.counters.outOfRange, 0);
    assert.ok(counters.roadsideFrames > 380, String(counters.roadsideFrames));
  });
});

describe('vehicle config: RSU positions and rsuRelevance', () => {
  const base = {
    vehicle: { id: 'veh-1', mapFrame: 'm' }, source: { type: 'trace', path: 'v.jsonl' }, output: { endpoint: 'tcp://127.0.0.1:5570' },
    rsus: [{ id: 'rsu-1', mqtt: false, zmq: { pubEndpoint: 'tcp://127.0.0.1:5560', pullEndpoint: 'tcp://127.0.0.1:5561' }, position: { xM: 10, yM: -3 } }],
  };

  it('takes a position per RSU and the two distances', () => {
    const c = validateConfig(vehicleConfigSchema, { ...base, rsuRelevance: { subscribeWithinM: 200, releaseBeyondM: 260 } }, 'test');
    assert.deepEqual(c.rsus[0]!.position, { xM: 10, yM: -3 });
    assert.deepEqual(c.rsuRelevance, { subscribeWithinM: 200, releaseBeyondM: 260 });
    assert.equal(validateConfig(vehicleConfigSchema, base, 'test').rsuRelevance, undefined);
  });

  it('rejects a release distance below the subscribe distance, and a malformed position, saying where', () => {
    assert.throws(() => validateConfig(vehicleConfigSchema, { ...base, rsuRelevance: { subscribeWithinM: 300, releaseBeyondM: 200 } }, 'test'),
      /rsuRelevance.*releaseBeyondM must be >= subscribeWithinM/s);
    assert.throws(() => validateConfig(vehicleConfigSchema, { ...base, rsus: [{ ...base.rsus[0], position: { xM: 1 } }] }, 'test'),
      /rsus\.0\.position\.yM/);
  });
});

describe('roadside config: advisories.answerWithinM', () => {
  const base = {
    rsu: { id: 'rsu-1', region: 'r', mapFrame: 'm', sensorPose: { xM: 0, yM: 0, zM: 5, yawRad: 0, pitchRad: 0, rollRad: 0 } },
    source: { type: 'trace', path: 'r.jsonl' }, transports: { zmq: { pubEndpoint: 'tcp://127.0.0.1:5560', pullEndpoint: 'tcp://127.0.0.1:5561' } },
  };

  it('defaults to 400 m, beyond the vehicle\'s default release distance, and takes another distance', () => {
    const c = validateConfig(roadsideConfigSchema, base, 'test');
    assert.equal(c.advisories.answerWithinM, DEFAULT_ANSWER_WITHIN_M);
    assert.ok(DEFAULT_ANSWER_WITHIN_M > DEFAULT_RSU_RELEVANCE.releaseBeyondM);
    assert.equal(validateConfig(roadsideConfigSchema, { ...base, advisories: { answerWithinM: 1000 } }, 'test').advisories.answerWithinM, 1000);
  });

  it('rejects a distance that is not positive, saying where', () => {
    assert.throws(() => validateConfig(roadsideConfigSchema, { ...base, advisories: { answerWithinM: 0 } }, 'test'), /advisories\.answerWithinM/);
  });
});
