import assert from 'node:assert/strict';
import type { DetectedObject, PerceptionFrame, PlanningAdvisory } from '../../shared/model/types.js';
import type { EgoState } from '../../shared/sources/detections.js';
import { VehicleCore } from '../../vehicle/core.js';
import { obj } from './harness.js';

const T0 = 1_000_000_000_000_000;
const at = (tS: number): number => T0 + Math.round(tS * 1e9);
const ROUTE = [{ xM: -50, yM: 0 }, { xM: 400, yM: 0 }];

/** The ego stands at x = 0 until 1 s, then drives along +x at 10 m/s: dead reckoning from its current speed and
 * heading puts it 5 m behind its true position of 2.5 s before. */
const egoAt = (tS: number): EgoState => ({
  pose: { xM: Math.max(0, tS - 1) * 10, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 },
  speedMps: tS < 1 ? 0 : 10,
});

const ownFrame = (tS: number, objects: DetectedObject[] = []): PerceptionFrame => ({
  sourceId: 'ego', sourceKind: 'vehicle', sequence: Math.round(tS * 10), captureTimeNs: at(tS), publishTimeNs: at(tS),
  mapFrame: 'm', sensorPose: egoAt(tS).pose, objects,
});

describe('vehicle/core', () => {
  it('refuses an unknown strategy instead of running some other one', () => {
    assert.throws(() => new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'adaptive-xt' as 'adaptive' }),
      /unknown strategy "adaptive-xt"; one of vehicle-only, intra/);
  });

  it('planning fusion drops the RSU track of the ego from advisories, by where the ego really was at issue time', () => {
    const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'planning', route: ROUTE });
    // Own frames every 100 ms up to 3 s; the first step sends intent 0.
    let intentSequence: number | null = null;
    for (let k = 0; k < 30; k++) {
      const r = core.step(ownFrame(k / 10), egoAt(k / 10), [], at(k / 10));
      if (r.intent && intentSequence === null) intentSequence = r.intent.sequence;
    }
    assert.equal(intentSequence, 0);
    const egoTrack = { ...obj(7, 0.4, 0.2), vxMps: 0 }; // the ego as the RSU tracked it at 0.5 s (standing)
    const other = obj(8, 60, 0); // a real stopped car ahead
    const advisory: PlanningAdvisory = {
      rsuId: 'rsu-1', vehicleId: 'ego', sequence: 0, intentSequence: 0, issueTimeNs: at(0.5), validUntilNs: at(3.5),
      mapFrame: 'm', zones: [], contextObjects: [egoTrack, other],
    };
    core.onAdvisory(advisory, 0);
    const r = core.step(ownFrame(3), egoAt(3), [], at(3));
    assert.equal(r.method, 'planning');
    assert.deepEqual(r.objects.map((o) => o.sources.map((s) => `${s.sourceId}#${s.trackId}`)), [['rsu-1#8']]);
    // The other car stops the plan; nothing stands where the ego was.
    assert.equal(r.plan?.limitedBy, 'object');
  });

  it('roadside frames: the ego is removed by its recorded position at the roadside capture', () => {
    const core = new VehicleCore({ vehicleId: 'ego', mapFrame: 'm', strategy: 'latest', route: ROUTE });
    for (let k = 0; k <= 10; k++) core.step(ownFrame(k / 10), egoAt(k / 10), [], at(k / 10));
    for (let k = 11; k <= 14; k++) core.step(ownFrame(k / 10), egoAt(k / 10), [], at(k / 10));
    // A 1 s old frame (latest fuses it as is): captured at 0.5 s, when the ego stood at x = 0; dead reckoning back
    // from 1.5 s at 10 m/s would look for it at x = -5.
    core.onRoadsideFrame({
      sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 1, captureTimeNs: at(0.5), publishTimeNs: at(0.5), mapFrame: 'm',
      sensorPose: { xM: 0, yM: 8, zM: 6, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects: [obj(1, 0, 0), obj(2, 80, 0)],
    }, 0, at(1.45));
    const r = core.step(ownFrame(1.5), egoAt(1.5), [], at(1.5));
    assert.deepEqual(r.objects.map((o) => o.sources.map((s) => s.trackId)), [[2]]);
  });
});
