// MQTT transport security against a real mosquitto: TLS with a private CA and client certificates made at test time
// (examples/secure/make-certs.sh), the example per-RSU ACL (examples/secure/acl), and passwords from a file or an
// environment variable. Options are built from config sections the way the processes build them
// (mqttSchema -> mqttOptionsFromConfig), so the schema and the file reading are exercised too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { filter } from 'rxjs';
import { ConfigError } from '../../shared/config/load.js';
import { mqttSchema } from '../../shared/config/schemas.js';
import { mqttOptionsFromConfig } from '../../shared/transport/credentials.js';
import { MqttTransport, type MqttTransportOptions } from '../../shared/transport/mqtt.js';
import { framesFilter, frameTopic, intentTopic, intentsFilter } from '../../shared/transport/topics.js';
import type { Message } from '../../shared/transport/types.js';
import { transports } from '../support/mqtt-clients.js';
import { mosquittoOrSkip, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { sendUntilReceived } from '../support/net.js';
import { makePki, opensslOrSkip, type Pki } from '../support/pki.js';
import { findExecutable, requireOrSkip } from '../support/require.js';

const ACL = fileURLToPath(new URL('../../examples/secure/acl', import.meta.url));

/**
 * Sends a forbidden message and then an allowed one on the same connection, until the allowed one arrives: the
 * broker handles one connection's messages in order, so a forbidden one that got through would have come first.
 */
async function refusedThenAllowed(from: MqttTransport, to: MqttTransport, watch: string, forbidden: string, allowed: string): Promise<Message[]> {
  const seen: Message[] = [];
  const hold = to.subscribe(watch).subscribe((m) => seen.push(m));
  try {
    await sendUntilReceived(to.subscribe(watch).pipe(filter((m) => m.topic === allowed)), async () => {
      await from.publish(forbidden, new Uint8Array([1]), { qos: 0 });
      await from.publish(allowed, new Uint8Array([2]), { qos: 0 });
    }, 20_000);
    return seen;
  } finally {
    hold.unsubscribe();
  }
}

describe('MQTT over TLS: private CA, client certificates, per-RSU ACL (mosquitto)', function () {
  this.timeout(60_000);
  let pki: Pki | undefined;
  let otherPki: Pki | undefined;
  let broker: Mosquitto | undefined;
  const t = transports();

  before(async function () {
    const bin = mosquittoOrSkip(this);
    const openssl = opensslOrSkip(this);
    pki = makePki(['rsu-1', 'veh-1'], openssl);
    otherPki = makePki(['rsu-1'], openssl); // same names, another CA
    broker = await startMosquitto(bin, undefined, {
      tls: true, allowAnonymous: false,
      listener: [`cafile ${pki.file('ca.crt')}`, `certfile ${pki.file('server.crt')}`, `keyfile ${pki.file('server.key')}`,
        'require_certificate true', 'use_identity_as_username true'],
      config: [`acl_file ${ACL}`],
    });
  });
  afterEach(() => t.closeAll());
  after(async () => {
    await t.closeAll();
    await broker?.stop();
    pki?.remove();
    otherPki?.remove();
  });

  /** The options a process gets from `mqtt: { url, tls: {...} }` in a config file that sits in the PKI folder. */
  const fromConfig = (tls: Record<string, unknown>, extra: Partial<MqttTransportOptions> = {}): MqttTransportOptions => ({
    ...mqttOptionsFromConfig(mqttSchema.parse({ url: broker!.url, tls }), { baseDir: pki!.dir, origin: 'veh.yaml', field: 'mqtt' }),
    ...extra,
  });
  const client = (name: string, extra: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> =>
    t.open(fromConfig({ ca: 'ca.crt', cert: `${name}.crt`, key: `${name}.key` }, { clientName: name, ...extra }));

  it('clients with certificates from the CA connect and exchange frames and intents', async () => {
    const rsu = await client('rsu-1');
    const veh = await client('veh-1');
    const frame = await sendUntilReceived(veh.subscribe(framesFilter()), () => rsu.publish(frameTopic('default', 'rsu-1'), new Uint8Array([7])));
    assert.equal(frame.topic, frameTopic('default', 'rsu-1'));
    assert.deepEqual([...frame.payload], [7]);
    const intent = await sendUntilReceived(rsu.subscribe(intentsFilter()), () => veh.publish(intentTopic('veh-1'), new Uint8Array([8]), { qos: 0 }));
    assert.equal(intent.topic, intentTopic('veh-1'));
  });

  it('refuses a client without a certificate', async () => {
    await assert.rejects(t.open(fromConfig({ ca: 'ca.crt' }, { initialConnectTimeoutMs: 3_000 })), /no connection to mqtts:.*within 3000 ms: /);
  });

  it('refuses a client certificate from another CA', async () => {
    await assert.rejects(t.open(fromConfig({ ca: 'ca.crt', cert: otherPki!.file('rsu-1.crt'), key: otherPki!.file('rsu-1.key') },
      { initialConnectTimeoutMs: 3_000 })), /no connection to mqtts:.*within 3000 ms: /);
  });

  it('the client refuses a broker whose certificate is not from the configured CA', async () => {
    await assert.rejects(t.open(fromConfig({ ca: otherPki!.file('ca.crt'), cert: 'rsu-1.crt', key: 'rsu-1.key' },
      { initialConnectTimeoutMs: 3_000 })), /certificate/);
  });

  it('ACL: an RSU publishing under another RSU\'s subtree is dropped, its own frames arrive', async () => {
    const rsu = await client('rsu-1');
    const veh = await client('veh-1');
    const seen = await refusedThenAllowed(rsu, veh, framesFilter(), frameTopic('default', 'rsu-2'), frameTopic('default', 'rsu-1'));
    assert.deepEqual(seen.filter((m) => m.topic === frameTopic('default', 'rsu-2')), [], 'no frame published as rsu-2 arrives');
    assert.ok(seen.some((m) => m.topic === frameTopic('default', 'rsu-1')));
  });

  it('ACL: a vehicle cannot publish frames, nor intents under another vehicle id', async () => {
    const rsu = await client('rsu-1');
    const veh = await client('veh-1');
    const intents = await refusedThenAllowed(veh, rsu, intentsFilter(), intentTopic('veh-2'), intentTopic('veh-1'));
    assert.deepEqual(intents.filter((m) => m.topic === intentTopic('veh-2')), [], 'no intent published as veh-2 arrives');
    // veh-1 may not publish a frame at all: the probe that gets through is an RSU's own frame, sent after it.
    const listener = await client('veh-1');
    const seen: Message[] = [];
    const hold = listener.subscribe(framesFilter()).subscribe((m) => seen.push(m));
    try {
      await sendUntilReceived(listener.subscribe(framesFilter()).pipe(filter((m) => m.payload[0] === 2)), async () => {
        await veh.publish(frameTopic('default', 'rsu-1'), new Uint8Array([1]));
        await rsu.publish(frameTopic('default', 'rsu-1'), new Uint8Array([2]));
      }, 20_000);
    } finally {
      hold.unsubscribe();
    }
    assert.deepEqual(seen.filter((m) => m.payload[0] === 1), [], 'no frame published by a vehicle arrives');
  });
});

describe('MQTT credentials: password from a file or an environment variable (mosquitto)', function () {
  this.timeout(60_000);
  let broker: Mosquitto | undefined;
  let dir: string | undefined;
  const t = transports();

  before(async function () {
    const bin = mosquittoOrSkip(this);
    const passwd = requireOrSkip(this, findExecutable('MOSQUITTO_PASSWD_BIN', [path.join(path.dirname(bin), 'mosquitto_passwd'),
      '/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd']), 'mosquitto_passwd not installed');
    dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-passwd-'));
    execFileSync(passwd, ['-b', '-c', path.join(dir, 'passwd'), 'rsu-1', 's3cret-rsu-1']);
    writeFileSync(path.join(dir, 'rsu-1.password'), 's3cret-rsu-1\n', { mode: 0o600 });
    writeFileSync(path.join(dir, 'wrong.password'), 'not-it\n', { mode: 0o600 });
    broker = await startMosquitto(bin, undefined, { allowAnonymous: false,
      config: [`password_file ${path.join(dir, 'passwd')}`, `acl_file ${ACL}`] });
  });
  afterEach(() => t.closeAll());
  after(async () => {
    await t.closeAll();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fromConfig = (section: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): MqttTransportOptions =>
    mqttOptionsFromConfig(mqttSchema.parse({ url: broker!.url, ...section }), { baseDir: dir!, origin: 'rsu.yaml', field: 'transports.mqtt' }, env);

  it('connects with the password from passwordFile (relative to the config)', async () => {
    const rsu = await t.open(fromConfig({ username: 'rsu-1', passwordFile: 'rsu-1.password' }));
    assert.ok(rsu.connected);
  });

  it('connects with the password from passwordEnv', async () => {
    const rsu = await t.open(fromConfig({ username: 'rsu-1', passwordEnv: 'IAAD_TEST_MQTT_PASSWORD' }, { IAAD_TEST_MQTT_PASSWORD: 's3cret-rsu-1' }));
    assert.ok(rsu.connected);
  });

  it('a wrong password is refused at once with the broker\'s reason', async () => {
    await assert.rejects(t.open(fromConfig({ username: 'rsu-1', passwordFile: 'wrong.password' })), /[Nn]ot authorized|[Bb]ad [Uu]ser [Nn]ame or [Pp]assword/);
  });

  it('no password at all is refused (allow_anonymous false)', async () => {
    await assert.rejects(t.open({ url: broker!.url, initialConnectTimeoutMs: 5_000 }), /[Nn]ot authorized|[Bb]ad [Uu]ser/);
  });
});

describe('MQTT security config: errors name the field and the file', function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-tlscfg-'));
    writeFileSync(path.join(dir, 'not-a-cert.pem'), 'hello\n');
    writeFileSync(path.join(dir, 'empty.password'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const site = () => ({ baseDir: dir, origin: 'veh.yaml', field: 'mqtt' });
  const load = (section: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
    mqttOptionsFromConfig(mqttSchema.parse({ url: 'mqtts://127.0.0.1:8883', ...section }), site(), env);

  it('a missing certificate file names the field and the resolved path', () => {
    assert.throws(() => load({ tls: { ca: 'missing/ca.crt' } }),
      (e: Error) => e instanceof ConfigError && e.message === `veh.yaml: mqtt.tls.ca: cannot read ${path.join(dir, 'missing/ca.crt')}: ENOENT`);
  });

  it('a file that is not PEM is refused at start', () => {
    assert.throws(() => load({ tls: { cert: 'not-a-cert.pem', key: 'not-a-cert.pem' } }), /^ConfigError: veh\.yaml: mqtt\.tls\.cert: .*not-a-cert\.pem is not a PEM certificate/);
  });

  it('an empty password file and an unset environment variable are refused', () => {
    assert.throws(() => load({ username: 'u', passwordFile: 'empty.password' }), /mqtt\.passwordFile: .*empty\.password is empty/);
    assert.throws(() => load({ username: 'u', passwordEnv: 'IAAD_NOT_SET' }), /mqtt\.passwordEnv: environment variable IAAD_NOT_SET is not set/);
  });

  it('the schema refuses tls without mqtts://, a cert without its key, two password sources, a password without username', () => {
    const issues = (v: Record<string, unknown>): string[] => {
      const r = mqttSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues({ url: 'mqtt://h:1883', tls: { ca: 'ca.crt' } }), ['tls: tls needs an mqtts:// url']);
    assert.deepEqual(issues({ url: 'mqtts://h:8883', tls: { cert: 'c.crt' } }), ['tls: cert and key go together']);
    assert.deepEqual(issues({ url: 'mqtt://h:1883', username: 'u', password: 'p', passwordFile: 'f' }),
      ['passwordFile: give one of password, passwordFile, passwordEnv (also password)']);
    assert.deepEqual(issues({ url: 'mqtt://h:1883', passwordEnv: 'P' }), ['username: passwordEnv needs a username']);
  });
});
