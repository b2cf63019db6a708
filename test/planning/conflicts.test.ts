import assert from 'node:assert/strict';
import type { DetectedObject, VehicleIntent } from '../../shared/model/types.js';
import { DEFAULT_ADVISORY_PARAMS, advisoryValidityS, computeAdvisory, type AdvisoryParams } from '../../shared/planning/conflicts.js';
import { close } from '../support/close.js';
import { detectedObject } from '../support/objects.js';

// A realistic epoch: ns since 1970 are ~1.7e18, where a JS number resolves 256 ns.
const NOW_NS = 1_700_000_000_000_000_000;
const IDS = { rsuId: 'rsu-1', sequence: 42 };
const P: AdvisoryParams = { ...DEFAULT_ADVISORY_PARAMS };

const object = (over: Partial<DetectedObject> = {}): DetectedObject => detectedObject({
  objectClass: 'pedestrian', classConfidence: 0.8, zM: 0.9, lengthM: 0.6, widthM: 0.6, heightM: 1.75, ageS: 3, ...over,
});

const pedestrianNorth = (xM: number, over: Partial<DetectedObject> = {}): DetectedObject =>
  object({ xM, yM: -5, vyMps: 1.4, headingRad: Math.PI / 2, ...over });

function intent(over: Partial<VehicleIntent> = {}): VehicleIntent {
  return {
    vehicleId: 'veh-7',
    sequence: 9,
    timeNs: NOW_NS - 100_000_000,
    pose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 },
    speedMps: 10,
    mapFrame: 'enu:site-a',
    // Straight, east-going along y = 0.
    path: [{ xM: 0, yM: 0 }, { xM: 150, yM: 0 }],
    horizonS: 5,
    ...over,
  };
}

describe('planning/conflicts', () => {
  it('a pedestrian crossing the path gives one zone whose window is the closed-form corridor crossing', () => {
    const adv = computeAdvisory([pedestrianNorth(20, { trackId: 7 })], intent(), NOW_NS, P, IDS);
    assert.equal(adv.zones.length, 1);
    const z = adv.zones[0]!;
    // Corridor half-width = ego half width + pedestrian half width + margin; the box is 0.6 x 0.6 either way.
    const halfWidthM = P.egoHalfWidthM + 0.3 + P.marginM;
    close(z.startSM, 20 - 0.3 - P.marginM, 1e-9, 'start');
    close(z.endSM, 20 + 0.3 + P.marginM, 1e-9, 'end');
    // Enters when y = -5 + 1.4 t reaches -halfWidth, leaves when it passes +halfWidth (interpolation is exact for
    // CV on a straight path; 256 ns is the number resolution at this epoch).
    close(z.tStartNs - NOW_NS, ((5 - halfWidthM) / 1.4) * 1e9, 1000, 'tStart');
    close(z.tEndNs - NOW_NS, ((5 + halfWidthM) / 1.4) * 1e9, 1000, 'tEnd');
    assert.equal(z.objectClass, 'pedestrian');
    assert.equal(z.trackId, 7);
    assert.equal(z.confidence, 0.9); // the existence probability; class confidence not applied by default
  });

  it('attaches the track (as given, at issue time) to each zone unless told not to', () => {
    const ped = pedestrianNorth(20, { trackId: 7 });
    const [z] = computeAdvisory([ped], intent(), NOW_NS, P, IDS).zones;
    assert.deepEqual(z!.object, ped);
    assert.notEqual(z!.object, ped); // a copy, not an alias of the input
    assert.equal(computeAdvisory([ped], intent(), NOW_NS, { ...P, includeObjects: false }, IDS).zones[0]!.object, null);
  });

  it('fills in the advisory header: ids, intent sequence, map frame, validity', () => {
    const adv = computeAdvisory([], intent(), NOW_NS, P, IDS);
    assert.deepEqual(adv, {
      rsuId: 'rsu-1',
      vehicleId: 'veh-7',
      sequence: 42,
      intentSequence: 9,
      contextObjects: [],
      issueTimeNs: NOW_NS,
      validUntilNs: NOW_NS + 3_000_000_000,
      mapFrame: 'enu:site-a',
      zones: [],
    });
    assert.equal(computeAdvisory([], intent(), NOW_NS, { ...P, validityS: 1.5 }, IDS).validUntilNs, NOW_NS + 1_500_000_000);
  });

  it('an intent asking beyond the base horizon gets a validity to match, capped; zones span horizon + validity', () => {
    const validS = (horizonS: number, over: Partial<AdvisoryParams> = {}): number =>
      (computeAdvisory([], intent({ horizonS }), NOW_NS, { ...P, maxHorizonS: 12, ...over }, IDS).validUntilNs - NOW_NS) / 1e9;
    assert.equal(validS(5), 3); // the usual intent: unchanged
    assert.equal(validS(3), 3); // shorter never shortens it
    assert.equal(validS(9), 7); // 4 s beyond the base horizon: 4 s longer
    assert.equal(validS(12), 10); // the cap
    assert.equal(validS(20), 10); // granted 12 (maxHorizonS), capped at 10
    assert.equal(validS(12, { maxValidityS: 2 }), 3); // a cap below validityS never shortens it
    assert.equal(advisoryValidityS(8, P), 6);
    // A pedestrian standing 40 m ahead and 5 m beside, starting across at 0.5 m/s: reaches the corridor after
    // (5 - 1.75) / 0.5 = 6.5 s, past an 8 s span (5 + 3) only when the span grew to 9 + 7 = 16 s.
    const slow = pedestrianNorth(40, { vyMps: 0.5 });
    assert.equal(computeAdvisory([slow], intent({ horizonS: 3 }), NOW_NS, { ...P, maxHorizonS: 12 }, IDS).zones.length, 0);
    const [z] = computeAdvisory([slow], intent({ horizonS: 9 }), NOW_NS, { ...P, maxHorizonS: 12 }, IDS).zones;
    close(z!.tStartNs - NOW_NS, ((5 - (P.egoHalfWidthM + 0.3 + P.marginM)) / 0.5) * 1e9, 1000, 'tStart');
    assert.throws(() => computeAdvisory([], intent(), NOW_NS, { ...P, maxValidityS: 0 }, IDS), /maxValidityS must be > 0/);
  });

  it('an object moving parallel to the path outside the corridor gives no zone', () => {
    const parallel = object({ xM: 10, yM: 3, vxMps: 5, headingRad: 0 });
    assert.deepEqual(computeAdvisory([parallel], intent(), NOW_NS, P, IDS).zones, []);
    // ... and just inside the corridor it does (|y| - half width 0.3 <= ego half width + margin).
    const inside = object({ xM: 10, yM: 1.7, vxMps: 5, headingRad: 0 });
    assert.equal(computeAdvisory([inside], intent(), NOW_NS, P, IDS).zones.length, 1);
  });

  it('a lead car on the path occupies the stretch it drives over, for the whole prediction span', () => {
    const lead = object({ objectClass: 'car', xM: 30, vxMps: 8, lengthM: 4.5, widthM: 1.8, trackId: 3 });
    const [z, ...rest] = computeAdvisory([lead], intent(), NOW_NS, P, IDS).zones;
    assert.equal(rest.length, 0);
    // Span = horizon 5 s + validity 3 s, so a vehicle using the advisory late still sees its full horizon.
    close(z!.startSM, 30 - 2.25 - 0.5, 1e-9);
    close(z!.endSM, 30 + 8 * 8 + 2.25 + 0.5, 1e-9);
    assert.equal(z!.tStartNs, NOW_NS);
    assert.equal(z!.tEndNs, NOW_NS + 8_000_000_000);
  });

  it('sorts zones by start s and keeps the nearest maxZones', () => {
    const tracks = [pedestrianNorth(60, { trackId: 1 }), pedestrianNorth(15, { trackId: 2 }), pedestrianNorth(40, { trackId: 3 })];
    const adv = computeAdvisory(tracks, intent(), NOW_NS, P, IDS);
    assert.deepEqual(adv.zones.map((z) => z.trackId), [2, 3, 1]);
    const two = computeAdvisory(tracks, intent(), NOW_NS, { ...P, maxZones: 2 }, IDS);
    assert.deepEqual(two.zones.map((z) => z.trackId), [2, 3]);
    for (let i = 1; i < adv.zones.length; i++) assert.ok(adv.zones[i - 1]!.startSM <= adv.zones[i]!.startSM);
  });

  it('skips objects behind the path start and behind the ego', () => {
    assert.deepEqual(computeAdvisory([pedestrianNorth(-10)], intent(), NOW_NS, P, IDS).zones, []);
    // The ego is 30 m along the path: a crossing at 20 m is behind it, one at 40 m is not.
    const ego = intent({ pose: { xM: 30, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 } });
    const adv = computeAdvisory([pedestrianNorth(20, { trackId: 1 }), pedestrianNorth(40, { trackId: 2 })], ego, NOW_NS, P, IDS);
    assert.deepEqual(adv.zones.map((z) => z.trackId), [2]);
  });

  it('drops the track that is the ego vehicle itself', () => {
    // The intent is 0.1 s old at 10 m/s: the ego is now at x = 1.
    const egoTrack = object({ objectClass: 'car', xM: 1.2, yM: 0.1, vxMps: 9.5, lengthM: 4.6, widthM: 1.9, trackId: 5 });
    assert.deepEqual(computeAdvisory([egoTrack], intent(), NOW_NS, P, IDS).zones, []);
    assert.equal(computeAdvisory([egoTrack], intent(), NOW_NS, { ...P, egoMatchRadiusM: 0 }, IDS).zones.length, 1);
    // A pedestrian at the same spot is never taken for the ego.
    const ped = object({ xM: 1.2, yM: 0.1, trackId: 6 });
    assert.equal(computeAdvisory([ped], intent(), NOW_NS, P, IDS).zones.length, 1);
  });

  it('splits an occupancy that is not contiguous in time into several zones', () => {
    // U-shaped path: east along y = 0, north along x = 30, west along y = 10. A cyclist riding north along x = 15
    // crosses the first leg, then the last one.
    const path = [{ xM: 0, yM: 0 }, { xM: 30, yM: 0 }, { xM: 30, yM: 10 }, { xM: 0, yM: 10 }];
    const cyclist = object({ objectClass: 'cyclist', xM: 15, yM: -5, vyMps: 4, headingRad: Math.PI / 2, lengthM: 1.8, widthM: 0.6 });
    const adv = computeAdvisory([cyclist], intent({ path }), NOW_NS, P, IDS);
    assert.equal(adv.zones.length, 2);
    // Crossing the path, the cyclist's length lies across it: corridor half-width = 0.95 + 0.9 + 0.5.
    const h = P.egoHalfWidthM + 0.9 + P.marginM;
    const [a, b] = adv.zones as [(typeof adv.zones)[0], (typeof adv.zones)[0]];
    close(a.startSM, 15 - 0.3 - 0.5, 1e-9);
    close(a.endSM, 15 + 0.3 + 0.5, 1e-9);
    close(a.tStartNs - NOW_NS, ((5 - h) / 4) * 1e9, 1000);
    close(a.tEndNs - NOW_NS, ((5 + h) / 4) * 1e9, 1000);
    close(b.startSM, 55 - 0.3 - 0.5, 1e-9); // 30 + 10 + 15 along the path
    close(b.tStartNs - NOW_NS, ((15 - h) / 4) * 1e9, 1000);
    close(b.tEndNs - NOW_NS, ((15 + h) / 4) * 1e9, 1000);
    assert.equal(a.trackId, b.trackId);
  });

  it('interpolates between samples: a crossing that falls entirely between two samples is not missed', () => {
    // With a 5 s step the samples are at y = -5 (t = 0), 2.0 (t = 5), 6.2 (t = 8): none inside the corridor.
    const adv = computeAdvisory([pedestrianNorth(20)], intent(), NOW_NS, { ...P, stepS: 5 }, IDS);
    assert.equal(adv.zones.length, 1);
    const h = P.egoHalfWidthM + 0.3 + P.marginM;
    close(adv.zones[0]!.tStartNs - NOW_NS, ((5 - h) / 1.4) * 1e9, 1000);
    close(adv.zones[0]!.tEndNs - NOW_NS, ((5 + h) / 1.4) * 1e9, 1000);
  });

  it('caps the horizon by params and uses it when the intent has none', () => {
    // Crossing 8.75 .. 11.25 s after now: beyond 5 + 3 s (the intent asks for 10, the cap is 5), within 10 + 3 s.
    const slow = pedestrianNorth(20, { yM: -14 });
    assert.equal(computeAdvisory([slow], intent({ horizonS: 10 }), NOW_NS, P, IDS).zones.length, 0);
    assert.equal(computeAdvisory([slow], intent({ horizonS: 10 }), NOW_NS, { ...P, maxHorizonS: 10 }, IDS).zones.length, 1);
    assert.equal(computeAdvisory([slow], intent({ horizonS: 0 }), NOW_NS, { ...P, maxHorizonS: 10 }, IDS).zones.length, 1);
  });

  it('confidence: existence probability, optionally times class confidence; low ones are not sent', () => {
    const ped = pedestrianNorth(20, { existenceProbability: 0.6, classConfidence: 0.5 });
    assert.equal(computeAdvisory([ped], intent(), NOW_NS, P, IDS).zones[0]!.confidence, 0.6);
    assert.equal(computeAdvisory([ped], intent(), NOW_NS, { ...P, scaleByClassConfidence: true }, IDS).zones[0]!.confidence, 0.3);
    assert.equal(computeAdvisory([ped], intent(), NOW_NS, { ...P, minConfidence: 0.7 }, IDS).zones.length, 0);
  });

  it("CTRV on request: a car turning onto the path conflicts, its CV prediction does not", () => {
    // Heading east 6 m right of the path, turning left at 0.5 rad/s (radius 20 m).
    const turning = object({ objectClass: 'car', xM: 20, yM: -6, vxMps: 10, yawRateRadps: 0.5, lengthM: 4.5, widthM: 1.8 });
    assert.equal(computeAdvisory([turning], intent(), NOW_NS, P, IDS).zones.length, 0);
    const adv = computeAdvisory([turning], intent(), NOW_NS, { ...P, motionModel: 'auto' }, IDS);
    assert.ok(adv.zones.length >= 1);
    assert.ok(adv.zones[0]!.tStartNs - NOW_NS > 0.5e9 && adv.zones[0]!.tStartNs - NOW_NS < 1.5e9);
  });

  it('is deterministic, does not mutate its inputs, and tolerates degenerate input', () => {
    const tracks = Object.freeze([pedestrianNorth(20), pedestrianNorth(40, { trackId: 2 }), object({ xM: Number.NaN })].map((o) => Object.freeze(o)));
    const i = Object.freeze(intent());
    const a = computeAdvisory(tracks, i, NOW_NS, P, IDS);
    assert.deepEqual(computeAdvisory(tracks, i, NOW_NS, P, IDS), a);
    assert.equal(a.zones.length, 2); // the NaN track is skipped
    assert.deepEqual(computeAdvisory(tracks, intent({ path: [{ xM: 0, yM: 0 }] }), NOW_NS, P, IDS).zones, []);
    assert.throws(() => computeAdvisory(tracks, i, NOW_NS, { ...P, stepS: 0 }, IDS), RangeError);
    assert.throws(() => computeAdvisory(tracks, i, NOW_NS, { ...P, maxZones: 1.5 }, IDS), RangeError);
  });
});
