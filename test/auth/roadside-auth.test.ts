// The RSU with a vehicle trust store (docs/security.md): intents and sync requests must be signed by the vehicle
// they name; what it sends is signed with its key and stamped with its boot epoch. In-memory bus, real keys.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Subject } from 'rxjs';
import { pino } from 'pino';
import { startRoadside } from '../../roadside/pipeline.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { intentTopic, syncRequestTopic, syncResponseTopic } from '../../shared/transport/topics.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope, encodeEnvelope, type EnvelopeInit } from '../../shared/wire/codec.js';
import { ed25519Signer, encodeSignedEnvelope, envelopeSealer, keyIdOf, type Signer } from '../../shared/auth/signed-envelope.js';
import { checkSignature, trustStoreOf, type TrustedKey } from '../../shared/auth/authenticate.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { VehicleIntent } from '../../shared/model/types.js';

const POSE = { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 };
const keyFor = (boundTo: string): { trusted: TrustedKey; signer: Signer } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  return { trusted: { keyId, boundTo, publicKey }, signer: ed25519Signer(privateKey, keyId) };
};

describe('roadside: signed intents and sync requests (roadside/pipeline.ts)', () => {
  it('answers signed ones only, counts each rejection reason, and signs its answers with its boot epoch', async () => {
    const veh = keyFor('veh-1');
    const other = keyFor('veh-2');
    const rsuKey = keyFor('rsu-1');
    const bootEpochNs = systemClock.nowNs();
    const bus = new MemoryBus();
    const rsuSide = bus.connect('rsu');
    const vehicle = bus.connect('veh');
    const responses: Uint8Array[] = [];
    const sub = vehicle.subscribe(syncResponseTopic('r', 'rsu-1', 'veh-1')).subscribe((m) => responses.push(m.payload));
    const rsu = startRoadside({ rsuId: 'rsu-1', region: 'r', mapFrame: 'm', sensorPose: POSE, rateHz: 10, frameValidityMs: 1000,
      advisories: { enabled: true }, seal: envelopeSealer({ bootEpochNs, signer: rsuKey.signer }),
      auth: { trust: trustStoreOf([veh.trusted, other.trusted]), requireSigned: true } }, new Subject<DetectionBatch>(), [rsuSide], systemClock,
    pino({ level: 'silent' }));
    const now = systemClock.nowNs();
    const intent = (sequence: number, vehicleId = 'veh-1'): VehicleIntent => ({
      vehicleId, sequence, timeNs: now, pose: POSE, speedMps: 1, mapFrame: 'm', path: [{ xM: 0, yM: 0 }, { xM: 10, yM: 0 }], horizonS: 5,
    });
    const e = (i: VehicleIntent): EnvelopeInit => ({ senderId: i.vehicleId, bootEpochNs: now - 1e9, payload: { kind: 'intent', intent: i } });
    const signedIntent = encodeSignedEnvelope(e(intent(0)), veh.signer);
    await vehicle.publish(intentTopic('veh-1'), signedIntent);
    await vehicle.publish(intentTopic('veh-1'), signedIntent); // replayed
    await vehicle.publish(intentTopic('veh-1'), encodeEnvelope(e(intent(1)))); // unsigned
    await vehicle.publish(intentTopic('veh-1'), encodeSignedEnvelope(e(intent(2)), other.signer)); // veh-2's key as veh-1
    await vehicle.publish(intentTopic('veh-1'), encodeSignedEnvelope(e(intent(3)), veh.signer));
    const req = (signer: Signer | null): Uint8Array => {
      const init: EnvelopeInit = { senderId: 'veh-1', payload: { kind: 'syncRequest', syncRequest: { clientId: 'veh-1', sequence: 1, t1Ns: now } } };
      return signer ? encodeSignedEnvelope(init, signer) : encodeEnvelope(init);
    };
    await vehicle.publish(syncRequestTopic('r', 'rsu-1'), req(veh.signer));
    await vehicle.publish(syncRequestTopic('r', 'rsu-1'), req(null));
    await vehicle.publish(syncRequestTopic('r', 'rsu-1'), req(other.signer));
    await rsu.stop();
    sub.unsubscribe();
    assert.equal(rsu.counters.intentsReceived, 2, 'intents 0 and 3');
    assert.equal(rsu.counters.syncAnswered, 1);
    assert.deepEqual(rsu.counters.rejected, { replayed: 1, unsigned: 2, misBound: 2 });
    assert.equal(responses.length, 1);
    const answer = decodeEnvelope(responses[0]!);
    assert.equal(answer.bootEpochNs, bootEpochNs);
    assert.deepEqual(checkSignature(responses[0]!, { trust: trustStoreOf([rsuKey.trusted]), requireSigned: true }), { key: rsuKey.trusted });
  });
});
