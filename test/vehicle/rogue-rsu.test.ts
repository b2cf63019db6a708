// ACCEPTANCE (issue 15): with a real roadside and a real vehicle process that sign and verify (docs/security.md),
// a client holding no RSU key injects well-formed frames with a phantom object and empty frames as "rsu-1" over
// the MQTT broker, replays the RSU's own signed frames, then squats the stopped RSU's ZeroMQ ports and answers
// the vehicle's clock-sync requests with a forged +400 ms offset. The vehicle's output never carries the phantom,
// the rejection counters in its stats and summary rise, no forged frame is taken as the RSU's, the clock offset
// stays right, and once the real RSU is back its frames and advisories flow again.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { bindZmqServer } from '../../shared/transport/zmq.js';
import { frameTopic, syncRequestTopic, syncResponseTopic } from '../../shared/transport/topics.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope, encodeEnvelope, type EnvelopeInit } from '../../shared/wire/codec.js';
import { ed25519Signer, encodeSignedEnvelope, type Signer } from '../../shared/auth/signed-envelope.js';
import { generateKeyFiles } from '../../shared/keys/key-files.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import { freePort } from '../support/net.js';
import { detectedObject } from '../support/objects.js';
import {
  GIVE_UP_MS, linkOf, MAP_FRAME, REGION, RSU_OFFSET_MS, start, statsShow, stop, watchOutput, writeConfigs,
} from './rogue-support.js';

/** Nothing in the scenario is an animal: an animal in the output can only be the phantom. */
const phantom = detectedObject({ trackId: 666, objectClass: 'animal', xM: 2, yM: 12, lengthM: 1.2, widthM: 0.6, existenceProbability: 0.99 });
const rogueFrame = (sequence: number, objects = [phantom]): PerceptionFrame => {
  const nowNs = Date.now() * 1e6 + RSU_OFFSET_MS * 1e6;
  return {
    sourceId: 'rsu-1', sourceKind: 'rsu', sequence, captureTimeNs: nowNs - 50e6, publishTimeNs: nowNs, mapFrame: MAP_FRAME,
    sensorPose: { xM: 8, yM: 8, zM: 6, yawRad: -2.356, pitchRad: 0, rollRad: 0 }, objects,
  };
};
const envelope = (frame: PerceptionFrame): EnvelopeInit => ({
  senderId: 'rsu-1', bootEpochNs: Date.now() * 1e6, payload: { kind: 'frame', frame }, expiresAtNs: frame.captureTimeNs + 1e9,
});

/** Every way to forge a frame without the RSU's key: unsigned, signed by an untrusted key, a key id it cannot sign for. */
function forgeries(rogue: Signer, rsuKeyId: string, sequence: number): Uint8Array[] {
  const impostor: Signer = { keyId: rsuKeyId, sign: (d) => rogue.sign(d) };
  return [
    encodeEnvelope(envelope(rogueFrame(sequence))),
    encodeSignedEnvelope(envelope(rogueFrame(sequence)), rogue),
    encodeSignedEnvelope(envelope(rogueFrame(sequence)), impostor),
    encodeEnvelope(envelope(rogueFrame(sequence, []))), // empty, to hide the RSU's objects
    encodeSignedEnvelope(envelope(rogueFrame(sequence, [])), impostor),
  ];
}

const count = (r: Record<string, number> | undefined, k: string): number => r?.[k] ?? 0;

describe('rogue roadside data is never fused (real processes, signed links)', function () {
  this.timeout(4 * GIVE_UP_MS);

  it('over MQTT, replayed, and over a squatted ZeroMQ port: no phantom, counted, offset right, recovery after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-rogue-'));
    const keys = join(dir, 'keys');
    const rsuKey = generateKeyFiles('rsu-1', keys);
    generateKeyFiles('veh-1', keys);
    const rogueKey = generateKeyFiles('rsu-1', join(dir, 'rogue')); // bound to rsu-1, but nobody trusts it
    const rogue = ed25519Signer(createPrivateKey(readFileSync(rogueKey.privateKeyFile)), rogueKey.keyId);
    const broker = await startEmbeddedBroker({ port: 0 });
    const ep = {
      mqttUrl: broker.url, pub: `tcp://127.0.0.1:${await freePort()}`, pull: `tcp://127.0.0.1:${await freePort()}`,
      out: `tcp://127.0.0.1:${await freePort()}`,
    };
    const files = writeConfigs(dir, ep, {
      roadside: { signingKey: rsuKey.privateKeyFile, trustStore: join(keys, 'veh-1.pub.json') },
      vehicle: { trustStore: join(keys, 'rsu-1.pub.json'), signingKey: join(keys, 'veh-1.key') },
    });
    const output = watchOutput(ep.out);
    let rsu = start('roadside', files.roadside, join(dir, 'roadside.log'));
    const veh = start('vehicle', files.vehicle, join(dir, 'vehicle.log'));
    const client = await mqtt.connectAsync(broker.url, { clientId: 'rogue' });
    const where = `(logs in ${dir})`;
    try {
      // Signed traffic flows: frames over both paths, the clock offset found, advisories answering signed intents.
      await statsShow(veh, 'signed frames, clock sync and advisories', (s) => {
        const l = linkOf(s);
        return (l.paths.mqtt?.received ?? 0) >= 10 && (l.paths.zmq?.received ?? 0) >= 10 && l.clock.offsetNs !== null && l.counters.advisories >= 2;
      });

      // 1. MQTT: forged frames from a client without the key, and the RSU's own signed frames replayed.
      const captured = new Promise<Uint8Array>((resolve) => {
        client.once('message', (_t, payload) => resolve(new Uint8Array(payload)));
      });
      await client.subscribeAsync(frameTopic(REGION, 'rsu-1'));
      const genuine = await captured;
      await client.unsubscribeAsync(frameTopic(REGION, 'rsu-1'));
      assert.equal(decodeEnvelope(genuine).keyId, rsuKey.keyId, 'the RSU signs its frames');
      let sequence = 1_000_000;
      const sent = { forged: 0, replayed: 0 };
      const flood = setInterval(() => {
        for (const bytes of forgeries(rogue, rsuKey.keyId, sequence++)) {
          void client.publishAsync(frameTopic(REGION, 'rsu-1'), Buffer.from(bytes));
          sent.forged++;
        }
        void client.publishAsync(frameTopic(REGION, 'rsu-1'), Buffer.from(genuine));
        sent.replayed++;
      }, 50);
      let afterMqtt;
      try {
        afterMqtt = await statsShow(veh, 'every kind of MQTT forgery rejected', (s) => {
          const r = linkOf(s).counters.rejected;
          return count(r, 'unsigned') >= 40 && count(r, 'unknownKey') >= 20 && count(r, 'badSignature') >= 40 && count(r, 'replayed') >= 20;
        });
      } finally {
        clearInterval(flood);
      }
      const outputsDuringMqtt = output.frames.length;
      // No forged frame, phantom or empty, was taken as the RSU's: their sequences (from 1,000,000) would show in the
      // merged stream as a jump (lost) and the RSU's next frame as a restart.
      const takenForged = (st: Record<string, unknown>): boolean => linkOf(st).merged.restarts > 0 || linkOf(st).merged.lost >= 1000;
      assert.ok(!takenForged(afterMqtt), `a forged frame was taken over MQTT: ${JSON.stringify(linkOf(afterMqtt).merged)} ${where}`);

      // 2. ZeroMQ: the RSU stops; a rogue binds its ports, sends phantom frames and forges sync responses.
      const { code: rsuCode } = await stop(rsu);
      assert.equal(rsuCode, 0, where);
      const squatter = await bindZmqServer({ downlink: ep.pub, uplink: ep.pull, clock: systemClock });
      let forgedSync = 0;
      const answer = squatter.subscribe(syncRequestTopic(REGION, 'rsu-1')).subscribe((m) => {
        const e = decodeEnvelope(m.payload);
        if (e.payload.kind !== 'syncRequest') return;
        const r = e.payload.syncRequest;
        // A near-zero round trip with the RSU's clock 400 ms ahead of the truth: what made a vehicle adopt +400 ms.
        const t2Ns = r.t1Ns + (RSU_OFFSET_MS + 400) * 1e6;
        const response: EnvelopeInit = { senderId: 'rsu-1', payload: { kind: 'syncResponse', syncResponse: {
          serverId: 'rsu-1', clientId: r.clientId, sequence: r.sequence, t1Ns: r.t1Ns, t2Ns, t3Ns: t2Ns } } };
        for (const bytes of [encodeEnvelope(response), encodeSignedEnvelope(response, rogue)]) {
          void squatter.publish(syncResponseTopic(REGION, 'rsu-1', r.clientId), bytes);
        }
        forgedSync++;
      });
      const before = linkOf(afterMqtt).counters.rejected;
      const squat = setInterval(() => {
        for (const bytes of forgeries(rogue, rsuKey.keyId, sequence++)) void squatter.publish(frameTopic(REGION, 'rsu-1'), bytes);
      }, 50);
      let afterZmq;
      try {
        afterZmq = await statsShow(veh, 'ZeroMQ forgeries and forged sync responses rejected', (s) => {
          const r = linkOf(s).counters.rejected;
          return forgedSync >= 3 && count(r, 'unsigned') >= count(before, 'unsigned') + 40 && count(r, 'unknownKey') >= count(before, 'unknownKey') + 20;
        });
      } finally {
        clearInterval(squat);
        answer.unsubscribe();
        await squatter.close();
      }
      assert.ok(!takenForged(afterZmq), `a forged frame was taken over ZeroMQ: ${JSON.stringify(linkOf(afterZmq).merged)} ${where}`);
      const offsetNs = linkOf(afterZmq).clock.offsetNs;
      assert.ok(offsetNs !== null && Math.abs(offsetNs / 1e6 - RSU_OFFSET_MS) < 100, `clock offset ${offsetNs} ns after forged sync responses ${where}`);
      assert.ok((linkOf(afterZmq).counters.receivedPerPath.zmq ?? 0) > (linkOf(afterMqtt).counters.receivedPerPath.zmq ?? 0), 'the squatter\'s frames arrived');

      // 3. The real RSU restarts: its frames and advisories are taken again (a new boot epoch, sequences from 0).
      const received = linkOf(afterZmq).merged.received;
      const advisories = linkOf(afterZmq).counters.advisories;
      rsu = start('roadside', files.roadside, join(dir, 'roadside-2.log'));
      await statsShow(veh, 'frames and advisories from the restarted RSU', (s) => {
        const l = linkOf(s);
        return l.merged.received >= received + 10 && l.counters.advisories >= advisories + 2;
      });
      const { code, summary } = await stop<VehicleSummary>(veh);
      await stop(rsu);
      assert.equal(code, 0, where);
      assert.ok(summary, `no vehicle summary ${where}`);
      const link = summary.links[0]!;
      // Nothing forged got through: every animal-free output, and the frames the link took are the RSU's only.
      const phantoms = output.frames.filter((f) => f.objects.some((o) => o.objectClass === 'animal')).length;
      assert.ok(outputsDuringMqtt > 0 && output.frames.length > outputsDuringMqtt, `output frames seen: ${output.frames.length} ${where}`);
      assert.equal(phantoms, 0, `${phantoms} of ${output.frames.length} output frames carry the phantom ${where}`);
      const r = link.counters.rejected ?? {};
      for (const reason of ['unsigned', 'unknownKey', 'badSignature', 'replayed']) assert.ok(count(r, reason) > 0, `no ${reason} rejection: ${JSON.stringify(r)}`);
      assert.equal(link.counters.wrongSource, 0);
      assert.ok(sent.forged > 0 && sent.replayed > 0);
    } finally {
      veh.child.stop('SIGKILL');
      rsu.child.stop('SIGKILL');
      await client.endAsync();
      await output.close();
      await broker.close();
    }
  });
});
