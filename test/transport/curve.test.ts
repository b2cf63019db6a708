// ZeroMQ CURVE on loopback: the RSU is a CURVE server, vehicles are clients that must know its public key. A
// client with the wrong server key or without CURVE gets nothing, and a process squatting the RSU's port without
// its secret key feeds no vehicle. Keys come from the same code as `iaad keys curve`, read the way the processes
// read them (config section -> curve*KeysFromConfig).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { writeCurveKeyPair } from '../../cli/keys-curve.js';
import { ConfigError } from '../../shared/config/load.js';
import { zmqCurveClientSchema, zmqCurveServerSchema } from '../../shared/config/schemas.js';
import { curveClientKeysFromConfig, curveServerKeysFromConfig } from '../../shared/transport/credentials.js';
import { zapCounters } from '../../shared/transport/zap.js';
import { bindZmqServer, connectZmqClient, type CurveClientKeys, type ZmqTransport } from '../../shared/transport/zmq.js';
import { framesFilter, frameTopic, intentTopic, intentsFilter } from '../../shared/transport/topics.js';
import { sendUntilReceived, waitUntil } from '../support/net.js';

const TCP = { downlink: 'tcp://127.0.0.1:*', uplink: 'tcp://127.0.0.1:*' };

describe('ZeroMQ CURVE: only clients that know the RSU\'s public key get its messages', function () {
  this.timeout(60_000);
  let dir: string;
  let rsuKeys: CurveClientKeys; // as a vehicle configures them: the RSU's public key and its own pair
  let rsuSecretKey: string;
  const open: ZmqTransport[] = [];
  const track = <T extends ZmqTransport>(t: T): T => (open.push(t), t);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-curve-'));
    await writeCurveKeyPair(dir, 'rsu-1');
    await writeCurveKeyPair(dir, 'veh-1');
    const site = (field: string) => ({ baseDir: dir, origin: 'test.yaml', field });
    rsuSecretKey = curveServerKeysFromConfig(zmqCurveServerSchema.parse({ secretKeyFile: 'rsu-1.curve.secret' }), site('transports.zmq')).secretKey;
    rsuKeys = curveClientKeysFromConfig(zmqCurveClientSchema.parse({
      serverPublicKeyFile: 'rsu-1.curve.pub', publicKeyFile: 'veh-1.curve.pub', secretKeyFile: 'veh-1.curve.secret',
    }), site('rsus.0.zmq'));
  });
  afterEach(async () => void (await Promise.all(open.splice(0).map((t) => t.close()))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an authorised client receives frames and sends intents; a wrong-key and a plain client get nothing through', async () => {
    const rsu = track(await bindZmqServer({ ...TCP, curve: { secretKey: rsuSecretKey } }));
    const good = track(connectZmqClient({ ...rsu.endpoints, curve: rsuKeys }));
    const wrongKey = track(connectZmqClient({ ...rsu.endpoints, curve: { ...rsuKeys, serverPublicKey: curveKeyPair().publicKey } }));
    const plain = track(connectZmqClient(rsu.endpoints));
    const strangers = [wrongKey, plain];
    const strangerFrames = [0, 0];
    strangers.forEach((c, i) => c.subscribe(framesFilter()).subscribe(() => strangerFrames[i]!++));
    let goodFrames = 0;
    good.subscribe(framesFilter()).subscribe(() => goodFrames++);
    const topic = frameTopic('default', 'rsu-1');
    await sendUntilReceived(good.subscribe(framesFilter()), () => rsu.publish(topic, new Uint8Array([1])));
    for (let i = 0; goodFrames < 50; i++) {
      await rsu.publish(topic, new Uint8Array([2]));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(strangerFrames, [0, 0], 'the wrong-key and the plain client received no frame');

    // Uplink: the authorised intent arrives; the strangers' PUSH never completes a connection, so every send is a
    // counted drop (immediate: true) and nothing of theirs reaches the RSU.
    const fromStrangers: number[] = [];
    rsu.subscribe(intentsFilter()).subscribe((m) => m.payload[0] !== 9 && fromStrangers.push(m.payload[0]!));
    for (const c of strangers) for (let i = 0; i < 20; i++) await c.publish(intentTopic('veh-x'), new Uint8Array([3]), { qos: 0 });
    await sendUntilReceived(rsu.subscribe(intentsFilter()), () => good.publish(intentTopic('veh-1'), new Uint8Array([9]), { qos: 0 }));
    assert.deepEqual(fromStrangers, []);
    for (const c of strangers) {
      assert.equal(c.stats().published, 0);
      assert.equal(c.stats().droppedSend, 20);
    }
  });

  it('a squatter on the RSU\'s port (plain, or CURVE with its own key) feeds no vehicle that trusts the RSU\'s key', async () => {
    for (const squatterPair of [null, curveKeyPair()]) {
      const squatter = track(await bindZmqServer({ downlink: 'tcp://127.0.0.1:*', curve: squatterPair ? { secretKey: squatterPair.secretKey } : undefined }));
      const vehicle = track(connectZmqClient({ downlink: squatter.endpoints.downlink, curve: rsuKeys }));
      let phantom = 0;
      vehicle.subscribe(framesFilter()).subscribe(() => phantom++);
      // A control client that does accept the squatter (plain, or trusting its key) proves the squatter publishes.
      const control = track(connectZmqClient({ downlink: squatter.endpoints.downlink,
        curve: squatterPair ? { ...rsuKeys, serverPublicKey: squatterPair.publicKey } : undefined }));
      await receivesMany(control, squatter);
      assert.equal(phantom, 0, `no frame from a ${squatterPair ? 'CURVE' : 'plain'} squatter reached the vehicle`);
      await Promise.all(open.splice(0).map((t) => t.close()));
    }
  });

  it('with an authorized-keys file the RSU accepts only the listed vehicles (ZAP)', async () => {
    writeFileSync(path.join(dir, 'authorized'), `# vehicles allowed on rsu-1\n${rsuKeys.publicKey} veh-1\n\n`);
    const server = curveServerKeysFromConfig({ secretKeyFile: 'rsu-1.curve.secret', authorizedKeysFile: 'authorized' },
      { baseDir: dir, origin: 'rsu.yaml', field: 'transports.zmq' });
    assert.deepEqual(server.allowedClientKeys, [rsuKeys.publicKey]);
    const rsu = track(await bindZmqServer({ ...TCP, curve: server }));
    const stranger = curveKeyPair(); // knows the RSU's public key, but is not listed
    const deniedBefore = zapCounters.denied;
    const unlisted = track(connectZmqClient({ ...rsu.endpoints, curve: { ...rsuKeys, publicKey: stranger.publicKey, secretKey: stranger.secretKey } }));
    let leaked = 0;
    unlisted.subscribe(framesFilter()).subscribe(() => leaked++);
    await waitUntil(() => zapCounters.denied > deniedBefore, 'the RSU refuses the unlisted vehicle over ZAP');
    const listed = track(connectZmqClient({ ...rsu.endpoints, curve: rsuKeys }));
    await receivesMany(listed, rsu);
    assert.equal(leaked, 0, 'the unlisted vehicle received no frame');
    await unlisted.publish(intentTopic('veh-x'), new Uint8Array([3]), { qos: 0 });
    assert.equal(unlisted.stats().published, 0, 'its uplink has no completed connection');
  });

  it('an authorized-keys file with a bad line is refused at start, naming the line', () => {
    writeFileSync(path.join(dir, 'authorized-bad'), `${rsuKeys.publicKey}\nnot-a-key\n`);
    assert.throws(() => curveServerKeysFromConfig({ secretKeyFile: 'rsu-1.curve.secret', authorizedKeysFile: 'authorized-bad' },
      { baseDir: dir, origin: 'rsu.yaml', field: 'transports.zmq' }),
    new RegExp(`^ConfigError: rsu\\.yaml: transports\\.zmq\\.curve\\.authorizedKeysFile: .*authorized-bad:2: not a Z85 CURVE public key$`));
  });

  it('a key file that is not a Z85 key is refused at start, naming the field and the file', () => {
    writeFileSync(path.join(dir, 'bad.curve.secret'), 'not a key\n');
    assert.throws(() => curveServerKeysFromConfig({ secretKeyFile: 'bad.curve.secret' }, { baseDir: dir, origin: 'rsu.yaml', field: 'transports.zmq' }),
      (e: Error) => e instanceof ConfigError
        && e.message === `rsu.yaml: transports.zmq.curve.secretKeyFile: ${path.join(dir, 'bad.curve.secret')} is not a Z85 CURVE key (40 characters, from \`iaad keys curve\`)`);
  });

  it('iaad keys curve never overwrites an existing key', async () => {
    await assert.rejects(writeCurveKeyPair(dir, 'rsu-1'), /cannot create .*rsu-1\.curve\.pub: EEXIST/);
  });
});

/** Publishes until `client` has received 30 frames from `server`. */
async function receivesMany(client: ZmqTransport, server: ZmqTransport): Promise<void> {
  let n = 0;
  client.subscribe(framesFilter()).subscribe(() => n++);
  const topic = frameTopic('default', 'rsu-1');
  await sendUntilReceived(client.subscribe(framesFilter()), () => server.publish(topic, new Uint8Array([1])));
  const pump = setInterval(() => void server.publish(topic, new Uint8Array([1])), 5);
  try {
    await waitUntil(() => n >= 30, 'the accepting client receives 30 frames', 20_000);
  } finally {
    clearInterval(pump);
  }
}
