// An RSU host that does not resolve used to give a vehicle that ran silently with no frames (ZeroMQ and MQTT
// retry a failed name forever). Now the process exits non-zero at start, naming the config field and the host.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hostOf, unresolvedHosts } from '../../shared/net/hosts.js';
import { freePort } from '../../shared/net/ports.js';
import { runToExit } from '../support/process-exit.js';

describe('vehicle process: unresolvable RSU host', function () {
  this.timeout(90_000);

  it('finds the host of each address kind, and nothing to resolve in IP literals, ipc://, * and bound interface names', async () => {
    assert.equal(hostOf('tcp://no-such-host.invalid:5556'), 'no-such-host.invalid');
    assert.equal(hostOf('mqtts://broker.example:8883'), 'broker.example');
    assert.equal(hostOf('tcp://127.0.0.1:5556'), null);
    assert.equal(hostOf('tcp://[::1]:5556'), null);
    assert.equal(hostOf('tcp://*:5556'), null);
    assert.equal(hostOf('ipc:///tmp/x.sock'), null);
    const never = (): Promise<unknown> => new Promise(() => {});
    assert.deepEqual(await unresolvedHosts([{ field: 'f', address: 'tcp://slow.example:1' }], never, 50), ['f: cannot resolve slow.example (no answer within 50 ms)']);
    assert.deepEqual(await unresolvedHosts([{ field: 'f', address: 'tcp://localhost:1' }]), []);
    // ZeroMQ binds to an interface by name: not a host to resolve where the process binds, one where it connects.
    const iface = Object.keys(networkInterfaces())[0]!;
    const refuse = (): Promise<unknown> => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' }));
    assert.deepEqual(await unresolvedHosts([{ field: 'b', address: `tcp://${iface}:1`, bind: true }], refuse), []);
    assert.deepEqual(await unresolvedHosts([{ field: 'c', address: `tcp://${iface}:1` }], refuse), [`c: cannot resolve ${iface} (ENOTFOUND)`]);
  });

  it('exits non-zero at start, naming rsus.N.zmq.pubEndpoint and the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-dns-'));
    copyFileSync(resolve('examples/occluded-crossing/vehicle.jsonl'), join(dir, 'vehicle.jsonl'));
    writeFileSync(join(dir, 'vehicle.yaml'), [
      'vehicle: { id: veh-d, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: vehicle.jsonl, loop: true }',
      'rsus:', `  - { id: rsu-0, region: demo, mqtt: false, zmq: { pubEndpoint: "tcp://127.0.0.1:${await freePort()}", pullEndpoint: "tcp://127.0.0.1:${await freePort()}" } }`,
      `  - { id: rsu-1, region: demo, mqtt: false, zmq: { pubEndpoint: "tcp://no-such-host.invalid:5556", pullEndpoint: "tcp://127.0.0.1:${await freePort()}" } }`,
      `output: { endpoint: "tcp://127.0.0.1:${await freePort()}" }`, '',
    ].join('\n'));
    const r = await runToExit('vehicle', join(dir, 'vehicle.yaml'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /vehicle\.yaml: rsus\.1\.zmq\.pubEndpoint: cannot resolve no-such-host\.invalid/);
    assert.doesNotMatch(r.stderr, /rsus\.0/, 'the host that resolves is not reported');
  });

  it('exits non-zero at start for an MQTT broker host that does not resolve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-dns-'));
    copyFileSync(resolve('examples/occluded-crossing/vehicle.jsonl'), join(dir, 'vehicle.jsonl'));
    writeFileSync(join(dir, 'vehicle.yaml'), [
      'vehicle: { id: veh-d, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: vehicle.jsonl, loop: true }',
      'mqtt: { url: "mqtt://broker.no-such-host.invalid:1883" }', 'rsus: [{ id: rsu-1, region: demo, mqtt: true }]',
      `output: { endpoint: "tcp://127.0.0.1:${await freePort()}" }`, '',
    ].join('\n'));
    const r = await runToExit('vehicle', join(dir, 'vehicle.yaml'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /mqtt\.url: cannot resolve broker\.no-such-host\.invalid/);
  });
});
