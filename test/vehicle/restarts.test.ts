// Advisories and intents across restarts (issue 15): the RSU used to ignore a vehicle's intents until their
// sequence exceeded the last it answered, and the vehicle an RSU's advisories likewise (0 advisories for 35 s
// after an RSU restart, none for a restarted vehicle), and one message with sequence 2^52 disabled them for good.
// Now sequences compare within a boot epoch (Envelope.boot_epoch_ns), and an unsigned stream resynchronises.
// Real processes over the embedded broker and ZeroMQ, unsigned and signed.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { advisoryTopic, intentTopic } from '../../shared/transport/topics.js';
import { encodeEnvelope } from '../../shared/wire/codec.js';
import { generateKeyFiles } from '../../shared/keys/key-files.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import type { RoadsideCounters } from '../../roadside/pipeline.js';
import { freePort } from '../support/net.js';
import {
  GIVE_UP_MS, linkOf, MAP_FRAME, REGION, RSU_OFFSET_MS, rsuCounters, start, statsShow, stop, writeConfigs, type Security,
} from './rogue-support.js';

const HUGE_SEQUENCE = 2 ** 52;
const HUGE_BOOT_NS = 2 ** 62;

/** An unsigned advisory for veh-1 and an unsigned intent as veh-1, both with a far-future boot epoch and 2^52. */
function poison(): Array<{ topic: string; bytes: Uint8Array }> {
  const nowNs = Date.now() * 1e6;
  const pose = { xM: -60, yM: -1.75, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 };
  return [
    { topic: advisoryTopic(REGION, 'rsu-1', 'veh-1'), bytes: encodeEnvelope({
      senderId: 'rsu-1', bootEpochNs: HUGE_BOOT_NS, expiresAtNs: nowNs + 3e9 + RSU_OFFSET_MS * 1e6,
      payload: { kind: 'advisory', advisory: { rsuId: 'rsu-1', vehicleId: 'veh-1', sequence: HUGE_SEQUENCE, intentSequence: 0,
        issueTimeNs: nowNs + RSU_OFFSET_MS * 1e6, validUntilNs: nowNs + 3e9 + RSU_OFFSET_MS * 1e6, mapFrame: MAP_FRAME, zones: [], contextObjects: [] } },
    }) },
    { topic: intentTopic('veh-1'), bytes: encodeEnvelope({
      senderId: 'veh-1', bootEpochNs: HUGE_BOOT_NS,
      payload: { kind: 'intent', intent: { vehicleId: 'veh-1', sequence: HUGE_SEQUENCE, timeNs: nowNs, pose, speedMps: 5, mapFrame: MAP_FRAME,
        path: [{ xM: -60, yM: -1.75 }, { xM: 30, yM: -1.75 }], horizonS: 5 } },
    }) },
  ];
}

for (const signed of [false, true]) {
  describe(`advisories and intents survive restarts and a 2^52 sequence (real processes, ${signed ? 'signed' : 'unsigned'})`, function () {
    this.timeout(5 * GIVE_UP_MS);

    it('vehicle restarted: the RSU answers it; RSU killed and restarted: advisories resume; 2^52 disables nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'iaad-restarts-'));
      let security: Security = {};
      if (signed) {
        const keys = join(dir, 'keys');
        const rsuKey = generateKeyFiles('rsu-1', keys);
        const vehKey = generateKeyFiles('veh-1', keys);
        security = {
          roadside: { signingKey: rsuKey.privateKeyFile, trustStore: vehKey.publicKeyFile },
          vehicle: { trustStore: keys, signingKey: vehKey.privateKeyFile },
        };
      }
      const broker = await startEmbeddedBroker({ port: 0 });
      const ep = {
        mqttUrl: broker.url, pub: `tcp://127.0.0.1:${await freePort()}`, pull: `tcp://127.0.0.1:${await freePort()}`,
        out: `tcp://127.0.0.1:${await freePort()}`,
      };
      const files = writeConfigs(dir, ep, security);
      let rsu = start('roadside', files.roadside, join(dir, 'roadside-1.log'));
      let veh = start('vehicle', files.vehicle, join(dir, 'vehicle-1.log'));
      const client = await mqtt.connectAsync(broker.url, { clientId: 'poisoner' });
      const where = `(logs in ${dir})`;
      const advisoriesOf = (s: Record<string, unknown>): number => linkOf(s).counters.advisories;
      try {
        let s = await statsShow(veh, 'advisories', (x) => advisoriesOf(x) >= 2);

        // 2^52 with a far-future boot epoch, both ways.
        for (const p of poison()) await client.publishAsync(p.topic, Buffer.from(p.bytes));
        const rsuStats = await statsShow(rsu, 'intents received', (x) => (rsuCounters(x).intentsReceived ?? 0) > 0);
        const intents0 = rsuCounters(rsuStats).intentsReceived;
        s = await statsShow(veh, 'advisories after the 2^52 messages', (x) => advisoriesOf(x) >= advisoriesOf(s) + 8);
        await statsShow(rsu, 'intents after the 2^52 intent', (x) => rsuCounters(x).intentsReceived >= intents0 + 8);

        // The vehicle restarts: the RSU answers the new one (its intents start again at 0, in a new boot epoch).
        const first = await stop<VehicleSummary>(veh);
        assert.equal(first.code, 0, where);
        assert.ok(first.summary && first.summary.advisories >= 10, `first vehicle: ${first.summary?.advisories} advisories ${where}`);
        veh = start('vehicle', files.vehicle, join(dir, 'vehicle-2.log'));
        s = await statsShow(veh, 'advisories to the restarted vehicle', (x) => advisoriesOf(x) >= 3);

        // The RSU is killed and restarted: its advisories (sequence from 0, a new boot epoch) are taken again.
        await stop(rsu, 'SIGKILL');
        rsu = start('roadside', files.roadside, join(dir, 'roadside-2.log'));
        const before = advisoriesOf(s);
        await statsShow(veh, 'advisories from the restarted RSU', (x) => advisoriesOf(x) >= before + 3);
        const second = await stop<VehicleSummary>(veh);
        const roadside = await stop<{ counters: RoadsideCounters }>(rsu);
        assert.equal(second.code, 0, where);
        assert.equal(roadside.code, 0, where);
        assert.ok(second.summary && second.summary.advisories >= before + 3, `second vehicle: ${second.summary?.advisories} advisories ${where}`);
        assert.ok(roadside.summary && roadside.summary.counters.advisoriesSent > 0, where);
        if (signed) {
          // Signed links: the unsigned poison was rejected on both sides, counted.
          assert.ok((first.summary.links[0]!.counters.rejected?.unsigned ?? 0) >= 1, JSON.stringify(first.summary.links[0]!.counters));
        }
      } finally {
        veh.child.stop('SIGKILL');
        rsu.child.stop('SIGKILL');
        await client.endAsync();
        await broker.close();
      }
    });
  });
}
