// shared/wire/validate.ts: what decodes is checked before use. Example cases for each reason, and fast-check
// properties (seed fixed, so `npm test` is reproducible): valid input passes untouched, and whatever the values
// (NaN, ±Infinity, 1e300, negative covariances), what passes is finite, plausible and positive definite.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, WireError } from '../../shared/wire/codec.js';
import {
  checkSize, covarianceUsable, DEFAULT_WIRE_LIMITS, validateEnvelope, type ValidationContext,
} from '../../shared/wire/validate.js';
import type { DetectedObject, Envelope, PerceptionFrame } from '../../shared/model/types.js';

const NOW = 1_764_306_000_000_000_000;
const SYNCED: ValidationContext = { nowSenderNs: NOW, offsetUncertaintyNs: 5e6 };
const UNSYNCED: ValidationContext = { nowSenderNs: NOW, offsetUncertaintyNs: null };
const SEED = { seed: 1515, numRuns: 400 };
const POSE = { xM: 329239.16, yM: 3463458.39, zM: 6, yawRad: 0.25, pitchRad: 0, rollRad: 0 };

const object = (over: Partial<DetectedObject> = {}): DetectedObject => ({
  trackId: 42, objectClass: 'pedestrian', classConfidence: 0.875, xM: POSE.xM + 12.5, yM: POSE.yM - 3.25, zM: 0.875,
  vxMps: 1.25, vyMps: -0.5, headingRad: -0.375, yawRateRadps: 0.125, lengthM: 0.5, widthM: 0.5, heightM: 1.75,
  covariance: [0.25, 0.0625, 0, 0, 0.25, 0, 0, 1, 0.5, 1], existenceProbability: 0.875, ageS: 2.5, ...over,
});
const frame = (objects: DetectedObject[], over: Partial<PerceptionFrame> = {}): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 5, captureTimeNs: NOW - 50e6, publishTimeNs: NOW - 40e6,
  mapFrame: 'utm51n', sensorPose: POSE, objects, ...over,
});
const envelope = (f: PerceptionFrame): Envelope => ({
  version: 1, senderId: 'rsu-1', expiresAtNs: 0, bootEpochNs: 0, payload: { kind: 'frame', frame: f }, keyId: '', signature: new Uint8Array(0),
});
const keptObjects = (e: Envelope | null): DetectedObject[] => (e?.payload.kind === 'frame' ? e.payload.frame.objects : []);
const reasons = (v: { issues: { reason: string }[] }): string[] => v.issues.map((i) => i.reason);

describe('wire validation after decoding', () => {
  it('passes a valid frame through untouched (same object)', () => {
    const e = envelope(frame([object(), object({ trackId: 7, covariance: null })]));
    const v = validateEnvelope(e, SYNCED);
    assert.equal(v.envelope, e);
    assert.deepEqual(v.issues, []);
  });

  it('drops non-finite and implausible objects alone, and objects far from the RSU', () => {
    const e = envelope(frame([
      object({ trackId: 1, xM: 1e300 }), object({ trackId: 2, vyMps: Number.NaN }), object({ trackId: 3 }),
      object({ trackId: 4, xM: POSE.xM + 6000 }), object({ trackId: 5, lengthM: -1 }),
    ]));
    const v = validateEnvelope(e, SYNCED);
    assert.deepEqual(keptObjects(v.envelope).map((o) => o.trackId), [3]);
    assert.deepEqual(reasons(v), ['implausible', 'nonFinite', 'tooFar', 'implausible']);
  });

  it('repairs (removes) a covariance that is negative, not positive definite or huge, and counts it', () => {
    const bad = [
      [-4, 0, 0, 0, 1, 0, 0, 1, 0, 1], [0, 0, 0, 0, 1, 0, 0, 1, 0, 1], [1, 2, 0, 0, 1, 0, 0, 1, 0, 1], [1e300, 0, 0, 0, 1, 0, 0, 1, 0, 1],
    ];
    const v = validateEnvelope(envelope(frame(bad.map((c, i) => object({ trackId: i, covariance: c as unknown as DetectedObject['covariance'] })))), SYNCED);
    assert.deepEqual(keptObjects(v.envelope).map((o) => o.covariance), [null, null, null, null]);
    assert.deepEqual(reasons(v), Array(4).fill('covarianceRepaired'));
    const inf = validateEnvelope(envelope(frame([object({ covariance: [Infinity, 0, 0, 0, 1, 0, 0, 1, 0, 1] })])), SYNCED);
    assert.deepEqual(reasons(inf), ['nonFinite']);
  });

  it('rejects whole frames: too many objects, bad sensor pose, capture time in the future', () => {
    const many = validateEnvelope(envelope(frame(Array.from({ length: DEFAULT_WIRE_LIMITS.maxObjects + 1 }, () => object()))), SYNCED);
    assert.equal(many.envelope, null);
    assert.deepEqual(reasons(many), ['tooManyObjects']);
    assert.deepEqual(reasons(validateEnvelope(envelope(frame([], { sensorPose: { ...POSE, xM: Number.NaN } })), SYNCED)), ['nonFinite']);
    const hourAhead = envelope(frame([object()], { captureTimeNs: NOW + 3600e9 }));
    assert.deepEqual(reasons(validateEnvelope(hourAhead, SYNCED)), ['future']);
    assert.deepEqual(reasons(validateEnvelope(hourAhead, UNSYNCED)), ['future']);
    // Within the offset uncertainty (plus tolerance) is not the future: clocks are never exactly in step.
    const slightlyAhead = envelope(frame([object()], { captureTimeNs: NOW + 150e6 }));
    assert.notEqual(validateEnvelope(slightlyAhead, SYNCED).envelope, null);
    // Unsynced, an RSU 500 ms ahead still gets through (the estimate comes within ~0.5 s).
    assert.notEqual(validateEnvelope(envelope(frame([object()], { captureTimeNs: NOW + 500e6 })), UNSYNCED).envelope, null);
  });

  it('checks intents, advisories and sync messages', () => {
    const base = { version: 1, senderId: 'v', expiresAtNs: 0, bootEpochNs: 0, keyId: '', signature: new Uint8Array(0) };
    const intent = { vehicleId: 'v', sequence: 1, timeNs: NOW, pose: POSE, speedMps: 10, mapFrame: 'm', path: [{ xM: 1, yM: 2 }], horizonS: 8 };
    assert.deepEqual(validateEnvelope({ ...base, payload: { kind: 'intent', intent } }, UNSYNCED).issues, []);
    assert.deepEqual(reasons(validateEnvelope({ ...base, payload: { kind: 'intent', intent: { ...intent, speedMps: 1e300 } } }, UNSYNCED)), ['implausible']);
    assert.deepEqual(reasons(validateEnvelope({ ...base, payload: { kind: 'intent', intent: { ...intent, path: [{ xM: Number.NaN, yM: 0 }] } } }, UNSYNCED)), ['nonFinite']);
    const advisory = { rsuId: 'r', vehicleId: 'v', sequence: 1, intentSequence: 1, issueTimeNs: NOW + 3600e9, validUntilNs: NOW + 3603e9,
      mapFrame: 'm', zones: [], contextObjects: [] };
    assert.deepEqual(reasons(validateEnvelope({ ...base, payload: { kind: 'advisory', advisory } }, SYNCED)), ['future']);
    assert.deepEqual(reasons(validateEnvelope({ ...base, payload: { kind: 'syncResponse',
      syncResponse: { serverId: 'r', clientId: 'v', sequence: 1, t1Ns: 1, t2Ns: Number.POSITIVE_INFINITY, t3Ns: 3 } } }, SYNCED)), ['nonFinite']);
  });

  describe('with the RSU position configured by the receiver', () => {
    // The RSU stands 90 m west of the pose its frames report: within the pose allowance (100 m by default).
    const AT = { xM: POSE.xM - 90, yM: POSE.yM };
    const WITH_POSITION: ValidationContext = { ...SYNCED, senderPosition: AT };

    it('measures object distance from the configured position, not the self-reported sensor pose', () => {
      // 4,950 m from the reported pose (kept without a position), 5,040 m from the configured one.
      const e = envelope(frame([object({ trackId: 1 }), object({ trackId: 2, xM: POSE.xM + 4950 })]));
      assert.deepEqual(keptObjects(validateEnvelope(e, SYNCED).envelope).map((o) => o.trackId), [1, 2]);
      const v = validateEnvelope(e, WITH_POSITION);
      assert.deepEqual(keptObjects(v.envelope).map((o) => o.trackId), [1]);
      assert.deepEqual(reasons(v), ['tooFar']);
      assert.match(v.issues[0]!.detail, /object 2: beyond 5000 m of the RSU/);
    });

    it('rejects a whole frame whose sensor pose is far from the configured position (poseMismatch)', () => {
      // A sender claiming a pose 2 km away with objects right beside it: every object would pass the
      // self-reported check.
      const far = { ...POSE, xM: POSE.xM + 2000 };
      const e = envelope(frame([object({ xM: far.xM + 10 }), object({ trackId: 7, xM: far.xM - 5 })], { sensorPose: far }));
      assert.deepEqual(validateEnvelope(e, SYNCED).issues, []);
      const v = validateEnvelope(e, WITH_POSITION);
      assert.equal(v.envelope, null);
      assert.deepEqual(reasons(v), ['poseMismatch']);
      assert.match(v.issues[0]!.detail, /sensorPose 2090 m from the configured RSU position \(allowed 100 m\)/);
      // A valid frame at the configured position passes untouched.
      const ok = envelope(frame([object()]));
      assert.equal(validateEnvelope(ok, WITH_POSITION).envelope, ok);
    });

    it('takes both distances from the limits', () => {
      const e = envelope(frame([object({ trackId: 1 }), object({ trackId: 2, xM: POSE.xM + 400 })]));
      const limits = { ...DEFAULT_WIRE_LIMITS, maxDistanceM: 300, maxPoseOffsetM: 50 };
      assert.deepEqual(reasons(validateEnvelope(e, WITH_POSITION, limits)), ['poseMismatch']);
      const v = validateEnvelope(e, { ...SYNCED, senderPosition: { xM: POSE.xM, yM: POSE.yM } }, limits);
      assert.deepEqual(keptObjects(v.envelope).map((o) => o.trackId), [1]);
      assert.deepEqual(reasons(v), ['tooFar']);
    });

    it("drops an advisory's context objects far from the configured position (none checked without one)", () => {
      const base = { version: 1, senderId: 'r', expiresAtNs: 0, bootEpochNs: 0, keyId: '', signature: new Uint8Array(0) };
      const advisory = { rsuId: 'r', vehicleId: 'v', sequence: 1, intentSequence: 1, issueTimeNs: NOW - 10e6, validUntilNs: NOW + 3e9,
        mapFrame: 'm', zones: [], contextObjects: [object({ trackId: 1 }), object({ trackId: 2, xM: POSE.xM + 9000 })] };
      const e: Envelope = { ...base, payload: { kind: 'advisory', advisory } };
      assert.deepEqual(validateEnvelope(e, SYNCED).issues, []);
      const v = validateEnvelope(e, WITH_POSITION);
      assert.deepEqual(reasons(v), ['tooFar']);
      const kept = v.envelope?.payload.kind === 'advisory' ? v.envelope.payload.advisory.contextObjects : [];
      assert.deepEqual(kept.map((o) => o.trackId), [1]);
    });
  });

  it('caps the size before decoding', () => {
    assert.equal(checkSize(new Uint8Array(1000)), null);
    assert.equal(checkSize(new Uint8Array(DEFAULT_WIRE_LIMITS.maxMessageBytes + 1))?.reason, 'tooLarge');
  });

  // ---- properties ----------------------------------------------------------------------------------------------
  const wild = fc.oneof(
    fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e300, -1e300, -4, 0),
    fc.double({ min: -100, max: 100, noNaN: true }),
  );
  const wildObject = fc.record({
    xM: wild, yM: wild, vxMps: wild, lengthM: wild, classConfidence: wild,
    covariance: fc.option(fc.array(wild, { minLength: 10, maxLength: 10 }), { nil: null }),
  }).map((w) => object({ ...w, xM: POSE.xM + w.xM, yM: POSE.yM + w.yM, covariance: w.covariance as DetectedObject['covariance'] }));

  it('property: whatever the values, what passes is finite, near the RSU and positive definite; each drop is counted', () => {
    fc.assert(fc.property(fc.array(wildObject, { maxLength: 8 }), fc.double({ min: -1e10, max: 1e10, noNaN: true }), (objects, aheadNs) => {
      const v = validateEnvelope(envelope(frame(objects, { captureTimeNs: NOW + aheadNs })), SYNCED);
      if (v.envelope === null) return v.issues.some((i) => i.reason === 'future');
      const kept = keptObjects(v.envelope);
      for (const o of kept) {
        for (const x of [o.xM, o.yM, o.vxMps, o.lengthM, o.classConfidence]) assert.ok(Number.isFinite(x));
        assert.ok(Math.hypot(o.xM - POSE.xM, o.yM - POSE.yM) <= DEFAULT_WIRE_LIMITS.maxDistanceM);
        if (o.covariance) assert.ok(covarianceUsable(o.covariance, DEFAULT_WIRE_LIMITS.maxVariance));
      }
      const dropped = v.issues.filter((i) => i.reason !== 'covarianceRepaired').length;
      return kept.length + dropped === objects.length;
    }), SEED);
  });

  const plausibleObject = fc.record({
    dx: fc.double({ min: -1000, max: 1000, noNaN: true }), dy: fc.double({ min: -1000, max: 1000, noNaN: true }),
    vx: fc.double({ min: -40, max: 40, noNaN: true }), sd: fc.double({ min: 0.01, max: 30, noNaN: true }),
    rho: fc.double({ min: -0.9, max: 0.9, noNaN: true }),
  }).map(({ dx, dy, vx, sd, rho }) => object({
    xM: POSE.xM + dx, yM: POSE.yM + dy, vxMps: vx,
    covariance: [sd * sd, rho * sd * sd, 0, 0, sd * sd, 0, 0, 1, 0, 1],
  }));

  it('property: plausible frames, through encode and decode, pass validation untouched', () => {
    fc.assert(fc.property(fc.array(plausibleObject, { maxLength: 8 }), (objects) => {
      const e = decodeEnvelope(encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: frame(objects) } }));
      const v = validateEnvelope(e, SYNCED);
      return v.envelope === e && v.issues.length === 0;
    }), SEED);
  });

  it('property: random and mutated bytes either fail to decode (WireError) or validate without throwing', () => {
    const good = encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: frame([object(), object({ trackId: 9 })]) } });
    const mutated = fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
      .map((edits) => {
        const b = good.slice();
        for (const [i, v] of edits) b[i] = v;
        return b;
      });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
      let e: Envelope;
      try {
        e = decodeEnvelope(bytes);
      } catch (err) {
        return err instanceof WireError;
      }
      validateEnvelope(e, SYNCED);
      return true;
    }), { ...SEED, numRuns: 1000 });
  });
});
