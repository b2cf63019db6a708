// The roadside and vehicle processes configured for transport security, as an operator would: MQTT over TLS to a
// mosquitto that requires client certificates and applies the example per-RSU ACL, and ZeroMQ with CURVE keys
// made by `iaad keys curve`. Certificates and keys are made at test time. The processes run until the vehicle's
// own stats show frames on both paths, then are stopped: never for a fixed time.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCurveKeyPair } from '../../cli/keys-curve.js';
import { freePort } from '../../shared/net/ports.js';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { mosquittoOrSkip, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { makePki, opensslOrSkip, type Pki } from '../support/pki.js';

const SCENARIO = resolve('examples/occluded-crossing');
const ACL = fileURLToPath(new URL('../../examples/secure/acl', import.meta.url));

interface PathStats { received?: number }
interface StatsLine { msg?: string; links?: Array<{ paths?: Record<string, PathStats | undefined> }> }

/** Spawns `iaad <role> --config file`, collecting stderr; logged(pred) resolves once a JSON log line satisfies pred. */
function start(role: 'roadside' | 'vehicle', config: string): { child: ChildProcess; stderr: () => string; logged(pred: (l: StatsLine) => boolean): Promise<void> } {
  const child = spawn(process.execPath, [IAAD_BIN, role, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ pred: (l: StatsLine) => boolean; resolve(): void }> = [];
  let partial = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      let entry: StatsLine;
      try {
        entry = JSON.parse(line) as StatsLine;
      } catch {
        continue;
      }
      for (const w of waiters.splice(0)) (w.pred(entry) ? w.resolve() : waiters.push(w));
    }
  });
  child.stdout!.resume();
  const exited = new Promise<void>((_, reject) => child.once('exit', (code) => reject(new Error(`${role} exited with ${code}: ${stderr.slice(-2000)}`))));
  exited.catch(() => undefined);
  return {
    child,
    stderr: () => stderr,
    logged: (pred) => Promise.race([new Promise<void>((r) => waiters.push({ pred, resolve: r })), exited]),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

describe('roadside and vehicle processes over MQTT/TLS with client certificates and ZeroMQ CURVE', function () {
  this.timeout(120_000);
  let pki: Pki | undefined;
  let broker: Mosquitto | undefined;
  let dir: string;
  const children: ChildProcess[] = [];

  before(async function () {
    const bin = mosquittoOrSkip(this);
    pki = makePki(['rsu-1', 'veh-1'], opensslOrSkip(this));
    broker = await startMosquitto(bin, undefined, {
      tls: true, allowAnonymous: false,
      listener: [`cafile ${pki.file('ca.crt')}`, `certfile ${pki.file('server.crt')}`, `keyfile ${pki.file('server.key')}`,
        'require_certificate true', 'use_identity_as_username true'],
      config: [`acl_file ${ACL}`],
    });
    dir = mkdtempSync(join(tmpdir(), 'iaad-secure-e2e-'));
    for (const f of ['rsu-1.jsonl', 'vehicle.jsonl']) copyFileSync(join(SCENARIO, f), join(dir, f));
    await writeCurveKeyPair(join(dir, 'keys'), 'rsu-1');
    await writeCurveKeyPair(join(dir, 'keys'), 'veh-1');
  });
  after(async () => {
    await Promise.all(children.map(stop));
    await broker?.stop();
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the vehicle receives the RSU\'s frames on both paths', async () => {
    const [pub, pull, out] = [await freePort(), await freePort(), await freePort()];
    const zmq = `pubEndpoint: "tcp://127.0.0.1:${pub}", pullEndpoint: "tcp://127.0.0.1:${pull}"`;
    const tls = (name: string): string => `tls: { ca: "${pki!.file('ca.crt')}", cert: "${pki!.file(`${name}.crt`)}", key: "${pki!.file(`${name}.key`)}" }`;
    writeFileSync(join(dir, 'roadside.yaml'), [
      'rsu: { id: rsu-1, region: default, mapFrame: "enu:occluded-crossing", sensorPose: { xM: 8, yM: 8, zM: 6, yawRad: -2.356 } }',
      'source: { type: trace, path: rsu-1.jsonl, loop: true }', 'statsIntervalS: 1',
      'transports:', `  mqtt: { url: "${broker!.url}", ${tls('rsu-1')} }`,
      `  zmq: { ${zmq}, curve: { secretKeyFile: keys/rsu-1.curve.secret, authorizedKeysFile: keys/veh-1.curve.pub } }`, '',
    ].join('\n'));
    writeFileSync(join(dir, 'vehicle.yaml'), [
      'vehicle: { id: veh-1, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: vehicle.jsonl, loop: true }',
      'statsIntervalS: 1', `mqtt: { url: "${broker!.url}", ${tls('veh-1')} }`,
      'rsus:', `  - { id: rsu-1, region: default, mqtt: true, zmq: { ${zmq}, curve: { serverPublicKeyFile: keys/rsu-1.curve.pub,`
        + ' publicKeyFile: keys/veh-1.curve.pub, secretKeyFile: keys/veh-1.curve.secret } } }',
      `output: { endpoint: "tcp://127.0.0.1:${out}" }`, '',
    ].join('\n'));
    const rsu = start('roadside', join(dir, 'roadside.yaml'));
    children.push(rsu.child);
    const veh = start('vehicle', join(dir, 'vehicle.yaml'));
    children.push(veh.child);
    await veh.logged((l) => l.msg === 'stats' && (l.links?.[0]?.paths?.mqtt?.received ?? 0) >= 10 && (l.links?.[0]?.paths?.zmq?.received ?? 0) >= 10);
    assert.ok(!/not authori[sz]ed|denied/i.test(rsu.stderr() + veh.stderr()), 'no refusal in either log');
  });

  it('a vehicle whose config names a missing client key stops at start, naming the field and the file', () => {
    writeFileSync(join(dir, 'bad-vehicle.yaml'), [
      'vehicle: { id: veh-1, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: vehicle.jsonl }',
      `mqtt: { url: "${broker!.url}", tls: { ca: "${pki!.file('ca.crt')}", cert: "${pki!.file('veh-1.crt')}", key: missing.key } }`,
      'rsus: [{ id: rsu-1, region: default, mqtt: true }]', 'output: { endpoint: "tcp://127.0.0.1:1" }', '',
    ].join('\n'));
    const r = spawnSync(process.execPath, [IAAD_BIN, 'vehicle', '--config', join(dir, 'bad-vehicle.yaml')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`mqtt.tls.key: cannot read ${join(dir, 'missing.key')}: ENOENT`), r.stderr);
  });
});
