// The RSU link verifies everything an RSU sends before the link monitor, clock sync or advisories see it
// (docs/security.md). In-memory bus, real keys, real codec; the real-process attacks are in rogue-rsu.test.ts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { firstValueFrom } from 'rxjs';
import { MemoryBus } from '../../shared/transport/memory.js';
import { advisoryTopic, frameTopic, syncRequestTopic, syncResponseTopic } from '../../shared/transport/topics.js';
import { decodeEnvelope, encodeEnvelope, type EnvelopeInit } from '../../shared/wire/codec.js';
import { ed25519Signer, encodeSignedEnvelope, keyIdOf, type Signer } from '../../shared/auth/signed-envelope.js';
import { trustStoreOf, type TrustedKey } from '../../shared/auth/authenticate.js';
import type { PerceptionFrame, PlanningAdvisory } from '../../shared/model/types.js';
import { RsuLink, type AdvisoryArrival, type RoadsideArrival } from '../../vehicle/rsu-link.js';
import { obj } from './harness.js';

const T0 = 1_800_000_000_000_000_000;
const POSE = { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 };
const keyFor = (boundTo: string): { trusted: TrustedKey; signer: Signer } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  return { trusted: { keyId, boundTo, publicKey }, signer: ed25519Signer(privateKey, keyId) };
};
const rsu1 = keyFor('rsu-1');
const rsu2 = keyFor('rsu-2');
const rogue = keyFor('rsu-1'); // a key nobody trusts
const frame = (sequence: number, tNs: number, sourceId = 'rsu-1'): PerceptionFrame => ({
  sourceId, sourceKind: 'rsu', sequence, captureTimeNs: tNs, publishTimeNs: tNs, mapFrame: 'm', sensorPose: POSE,
  objects: [obj(7, 40, 5)],
});
const advisory = (sequence: number, tNs: number): PlanningAdvisory => ({
  rsuId: 'rsu-1', vehicleId: 'ego', sequence, intentSequence: 0, issueTimeNs: tNs, validUntilNs: tNs + 3e9, mapFrame: 'm',
  zones: [], contextObjects: [],
});

function setup(requireSigned = true) {
  let nowNs = T0;
  const clock = { nowNs: () => nowNs };
  const bus = new MemoryBus({ delivery: 'sync', clock });
  const rsu = bus.connect('rsu');
  const link = new RsuLink({
    rsuId: 'rsu-1', region: 'r', vehicleId: 'ego', staleAfterMs: 500, latencyWindowMs: 2000, syncIntervalMs: 1000,
    ...(requireSigned !== null ? { auth: { trust: trustStoreOf([rsu1.trusted, rsu2.trusted]), requireSigned } } : {}),
  }, [bus.connect('veh')], clock, pino({ level: 'silent' }));
  const frames: RoadsideArrival[] = [];
  const advisories: AdvisoryArrival[] = [];
  const subs = [link.frames$.subscribe((a) => frames.push(a)), link.advisories$.subscribe((a) => advisories.push(a))];
  return {
    link, rsu, bus, frames, advisories,
    advance: (ms: number) => { nowNs += ms * 1e6; },
    now: () => nowNs,
    sendFrame: (bytes: Uint8Array) => void rsu.publish(frameTopic('r', 'rsu-1'), bytes),
    sendAdvisory: (bytes: Uint8Array) => void rsu.publish(advisoryTopic('r', 'rsu-1', 'ego'), bytes),
    done: () => subs.forEach((s) => s.unsubscribe()),
  };
}
const sealed = (signer: Signer | null, e: EnvelopeInit): Uint8Array => (signer ? encodeSignedEnvelope(e, signer) : encodeEnvelope(e));
const frameMsg = (signer: Signer | null, f: PerceptionFrame, bootEpochNs = T0 - 1e9, senderId = 'rsu-1'): Uint8Array =>
  sealed(signer, { senderId, bootEpochNs, payload: { kind: 'frame', frame: f }, expiresAtNs: f.captureTimeNs + 1e9 });

describe('RSU link authentication (vehicle/rsu-link.ts)', () => {
  it('accepts signed frames; rejects unsigned, unknown-key, mis-bound and replayed ones, counting each reason', () => {
    const s = setup();
    s.sendFrame(frameMsg(rsu1.signer, frame(0, T0)));
    s.sendFrame(frameMsg(null, frame(1, T0)));
    s.sendFrame(frameMsg(rogue.signer, frame(2, T0)));
    s.sendFrame(frameMsg(rsu2.signer, frame(3, T0, 'rsu-2'), T0, 'rsu-2')); // rsu-2's genuine frame on rsu-1's topic
    s.sendFrame(frameMsg(rsu1.signer, frame(4, T0, 'rsu-2'))); // rsu-1's key claiming rsu-2's frame
    const replayed = frameMsg(rsu1.signer, frame(5, T0));
    s.sendFrame(replayed);
    s.sendFrame(replayed);
    s.sendFrame(frameMsg(rsu1.signer, frame(0, T0))); // rewinding sequence within the boot: a replay, not a restart
    s.done();
    assert.deepEqual(s.frames.map((a) => a.frame.sequence), [0, 5]);
    assert.deepEqual(s.link.counters.rejected, { unsigned: 1, unknownKey: 1, misBound: 2, replayed: 2 });
    assert.equal(s.link.monitor.snapshot(s.now()).merged.received, 2, 'the link monitor saw only the verified frames');
  });

  it('an RSU restart (later boot epoch, sequence from 0) is accepted; an older boot epoch is a replay', () => {
    const s = setup();
    for (let i = 0; i < 3; i++) s.sendFrame(frameMsg(rsu1.signer, frame(100 + i, T0), T0 - 5e9));
    s.sendFrame(frameMsg(rsu1.signer, frame(0, T0), T0 - 1e9));
    s.sendFrame(frameMsg(rsu1.signer, frame(103, T0), T0 - 5e9));
    s.done();
    assert.deepEqual(s.frames.map((a) => a.frame.sequence), [100, 101, 102, 0]);
    assert.deepEqual(s.link.counters.rejected, { replayed: 1 });
  });

  it('advisories: resume after an RSU restart, and a 2^52 sequence (signed by the RSU or not) disables nothing', () => {
    const s = setup();
    const adv = (seq: number, boot: number, signer: Signer | null = rsu1.signer) => sealed(signer, {
      senderId: 'rsu-1', bootEpochNs: boot, payload: { kind: 'advisory', advisory: advisory(seq, s.now()) }, expiresAtNs: s.now() + 3e9,
    });
    s.sendAdvisory(adv(0, T0 - 9e9));
    s.sendAdvisory(adv(1, T0 - 9e9));
    s.sendAdvisory(adv(2 ** 52, T0 - 9e9, null)); // anyone's: rejected unsigned
    s.sendAdvisory(adv(0, T0 - 1e9)); // restarted RSU
    s.sendAdvisory(adv(1, T0 - 1e9));
    s.done();
    assert.deepEqual(s.advisories.map((a) => a.advisory.sequence), [0, 1, 0, 1]);
    assert.deepEqual(s.link.counters.rejected, { unsigned: 1 });

    const u = setup(false); // a trust store, signatures not required: the unsigned 2^52 gets in, then the RSU is followed again
    const uadv = (seq: number) => encodeEnvelope({
      senderId: 'rsu-1', bootEpochNs: T0 - 9e9, payload: { kind: 'advisory', advisory: advisory(seq, u.now()) }, expiresAtNs: u.now() + 3e9,
    });
    u.sendAdvisory(uadv(0));
    u.sendAdvisory(uadv(2 ** 52));
    for (let i = 1; i <= 8; i++) u.sendAdvisory(uadv(i));
    u.done();
    assert.deepEqual(u.advisories.map((a) => a.advisory.sequence), [0, 2 ** 52, 5, 6, 7, 8]);
  });

  it('a forged clock-sync response (a +400 ms offset, no RSU key) is rejected; the signed one sets the offset', async () => {
    const s = setup();
    const first = firstValueFrom(s.rsu.subscribe(syncRequestTopic('r', 'rsu-1')));
    const syncSub = s.link.startSync();
    const req = decodeEnvelope((await first).payload).payload;
    assert.equal(req.kind, 'syncRequest');
    if (req.kind !== 'syncRequest') return;
    const r = req.syncRequest;
    const response = (offsetNs: number, signer: Signer | null) => sealed(signer, {
      senderId: 'rsu-1', bootEpochNs: T0 - 1e9,
      payload: { kind: 'syncResponse', syncResponse: { serverId: 'rsu-1', clientId: 'ego', sequence: r.sequence, t1Ns: r.t1Ns, t2Ns: r.t1Ns + offsetNs, t3Ns: r.t1Ns + offsetNs } },
    });
    void s.rsu.publish(syncResponseTopic('r', 'rsu-1', 'ego'), response(400e6, null));
    void s.rsu.publish(syncResponseTopic('r', 'rsu-1', 'ego'), response(400e6, rogue.signer));
    void s.rsu.publish(syncResponseTopic('r', 'rsu-1', 'ego'), response(400e6, rsu2.signer));
    assert.equal(s.link.monitor.clockOffsetNs(), null, 'no forged offset adopted');
    void s.rsu.publish(syncResponseTopic('r', 'rsu-1', 'ego'), response(0, rsu1.signer));
    syncSub.unsubscribe();
    s.done();
    assert.equal(s.link.monitor.clockOffsetNs(), 0);
    assert.equal(s.link.counters.syncResponses, 1);
    assert.deepEqual(s.link.counters.rejected, { unsigned: 1, unknownKey: 1, misBound: 1 });
  });
});
