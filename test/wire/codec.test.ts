import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { decodeEnvelope, encodeEnvelope, isExpired, WireError } from '../../shared/wire/codec.js';
import { iaad } from '../../shared/wire/generated/iaad.js';
import { type DetectedObject, type PerceptionFrame, type Payload } from '../../shared/model/types.js';

const object = (over: Partial<DetectedObject> = {}): DetectedObject => ({
  trackId: 42, objectClass: 'pedestrian', classConfidence: 0.875, xM: 12.5, yM: -3.25, zM: 0.875,
  vxMps: 1.25, vyMps: -0.5, headingRad: -0.375, yawRateRadps: 0.125, lengthM: 0.5, widthM: 0.5, heightM: 1.75,
  covariance: [0.25, 0.0625, 0, 0, 0.25, 0, 0, 1, 0.5, 1], existenceProbability: 0.875, ageS: 2.5, ...over,
});

const frame = (over: Partial<PerceptionFrame> = {}): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 123456789, captureTimeNs: 1_764_306_000_123_456_000,
  publishTimeNs: 1_764_306_000_163_456_000, mapFrame: 'utm51n',
  sensorPose: { xM: 329239.16, yM: 3463458.39, zM: 6, yawRad: 0.25, pitchRad: 0, rollRad: 0 },
  objects: [object(), object({ trackId: 7, objectClass: 'truck', covariance: null })], ...over,
});

describe('wire codec', () => {
  it('round-trips a perception frame exactly (float32 fields chosen exactly representable)', () => {
    const payload: Payload = { kind: 'frame', frame: frame() };
    const e = decodeEnvelope(encodeEnvelope({ senderId: 'rsu-1', payload, expiresAtNs: 1_764_306_001_163_456_000 }));
    assert.equal(e.version, 1);
    assert.equal(e.senderId, 'rsu-1');
    assert.equal(e.expiresAtNs, 1_764_306_001_163_456_000);
    assert.deepEqual(e.payload, payload);
    assert.equal(e.keyId, '');
    assert.equal(e.signature.length, 0);
  });

  it('round-trips advisory, intent and clock-sync payloads', () => {
    const payloads: Payload[] = [
      {
        kind: 'advisory',
        advisory: {
          rsuId: 'rsu-1', vehicleId: 'veh-1', sequence: 3, intentSequence: 9, issueTimeNs: 1_000_000_000_000_000_000,
          validUntilNs: 1_000_000_003_000_000_000, mapFrame: 'utm51n',
          zones: [{ startSM: 10, endSM: 14.5, tStartNs: 1_000_000_001_000_000_000, tEndNs: 1_000_000_002_000_000_000,
            objectClass: 'cyclist', confidence: 0.75, trackId: 5, object: object({ trackId: 5, objectClass: 'cyclist' }) },
            { startSM: 20, endSM: 21, tStartNs: 1_000_000_001_500_000_000, tEndNs: 1_000_000_002_000_000_000,
            objectClass: 'car', confidence: 0.5, trackId: 6, object: null }],
          contextObjects: [object({ trackId: 8 })],
        },
      },
      {
        kind: 'intent',
        intent: {
          vehicleId: 'veh-1', sequence: 9, timeNs: 1_000_000_000_500_000_000,
          pose: { xM: 1, yM: 2, zM: 0, yawRad: 0.5, pitchRad: 0, rollRad: 0 }, speedMps: 8.5, mapFrame: 'utm51n',
          path: [{ xM: 1, yM: 2 }, { xM: 11, yM: 2 }], horizonS: 5,
        },
      },
      { kind: 'syncRequest', syncRequest: { clientId: 'veh-1', sequence: 77, t1Ns: 1_764_306_000_000_000_000 } },
      {
        kind: 'syncResponse',
        syncResponse: { serverId: 'rsu-1', clientId: 'veh-1', sequence: 77, t1Ns: 1, t2Ns: 1_764_306_000_000_001_024, t3Ns: 1_764_306_000_000_002_048 },
      },
    ];
    for (const payload of payloads) {
      assert.deepEqual(decodeEnvelope(encodeEnvelope({ senderId: 's', payload })).payload, payload);
    }
  });

  it('keeps key id and signature bytes', () => {
    const sig = new Uint8Array([1, 2, 3, 255]);
    const e = decodeEnvelope(encodeEnvelope({
      senderId: 's', payload: { kind: 'syncRequest', syncRequest: { clientId: 'v', sequence: 1, t1Ns: 5 } }, keyId: 'k1', signature: sig,
    }));
    assert.equal(e.keyId, 'k1');
    assert.deepEqual([...e.signature], [1, 2, 3, 255]);
  });

  it('tolerates unknown fields from a newer sender (forward compatibility)', () => {
    const bytes = encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: frame() } });
    // Append field 99 (varint) and field 100 (length-delimited) to the envelope: an older reader must skip them.
    const w = protobuf.Writer.create();
    w.uint32((99 << 3) | 0).uint64(12345);
    w.uint32((100 << 3) | 2).bytes(new Uint8Array([9, 9, 9]));
    const extra = w.finish();
    const withUnknown = new Uint8Array(bytes.length + extra.length);
    withUnknown.set(bytes);
    withUnknown.set(extra, bytes.length);
    assert.deepEqual(decodeEnvelope(withUnknown).payload, { kind: 'frame', frame: frame() });
  });

  it('decodes an object class it does not know as unknown', () => {
    const bytes = iaad.v1.Envelope.encode({
      version: 1, senderId: 'r',
      frame: { sourceId: 'r', sourceKind: iaad.v1.SourceKind.SOURCE_KIND_RSU, objects: [{ trackId: 1, objectClass: 200 as iaad.v1.ObjectClass }] },
    }).finish();
    const e = decodeEnvelope(bytes);
    assert.equal(e.payload.kind, 'frame');
    assert.equal(e.payload.kind === 'frame' && e.payload.frame.objects[0]!.objectClass, 'unknown');
  });

  it('rejects garbage, an empty payload and a wrong version with WireError', () => {
    assert.throws(() => decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])), WireError);
    assert.throws(() => decodeEnvelope(new Uint8Array([])), /unsupported wire version 0/);
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).uint32(1);
    assert.throws(() => decodeEnvelope(w.finish()), /no payload/);
    const v2 = protobuf.Writer.create();
    v2.uint32((1 << 3) | 0).uint32(2);
    assert.throws(() => decodeEnvelope(v2.finish()), /unsupported wire version 2/);
  });

  it('rejects a covariance that is not 10 values', () => {
    const bad = frame({ objects: [object({ covariance: [1, 2, 3] as unknown as DetectedObject['covariance'] })] });
    const bytes = encodeEnvelope({ senderId: 'r', payload: { kind: 'frame', frame: bad } });
    assert.throws(() => decodeEnvelope(bytes), /covariance has 3 values/);
  });

  it('never throws anything but WireError on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeEnvelope(bytes);
        } catch (err) {
          if (!(err instanceof WireError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('expiry: zero never expires, otherwise strictly after expiresAtNs', () => {
    assert.equal(isExpired({ expiresAtNs: 0 }, Number.MAX_SAFE_INTEGER), false);
    assert.equal(isExpired({ expiresAtNs: 100 }, 100), false);
    assert.equal(isExpired({ expiresAtNs: 100 }, 101), true);
  });
});
