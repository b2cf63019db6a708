// Key files and `iaad keys generate` (shared/keys/, cli/keys.ts): what they write, and what a process refuses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFiles, loadSigner, loadTrustStore } from '../../shared/keys/key-files.js';
import { loadSecurity } from '../../shared/keys/security.js';
import { checkSignature } from '../../shared/auth/authenticate.js';
import { vehicleConfigSchema } from '../../vehicle/config.js';
import { IAAD_BIN } from '../../sim/realtime/children.js';

const payload = { kind: 'frame' as const, frame: {
  sourceId: 'rsu-1', sourceKind: 'rsu' as const, sequence: 0, captureTimeNs: 1, publishTimeNs: 1, mapFrame: 'm',
  sensorPose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects: [] } };

describe('key files (shared/keys)', () => {
  it('iaad keys generate writes a 0600 private key and a public key file bound to the id; never overwrites', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'iaad-keys-')), 'new');
    const r = spawnSync(process.execPath, [IAAD_BIN, 'keys', 'generate', '--id', 'rsu-1', '--out', dir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { keyId: string; privateKey: string; publicKey: string };
    assert.equal(statSync(out.privateKey).mode & 0o777, 0o600);
    const pub = JSON.parse(readFileSync(out.publicKey, 'utf8')) as { keyId: string; boundTo: string };
    assert.deepEqual([pub.keyId, pub.boundTo], [out.keyId, 'rsu-1']);
    const again = spawnSync(process.execPath, [IAAD_BIN, 'keys', 'generate', '--id', 'rsu-1', '--out', dir], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /exists: not overwritten/);
  });

  it('a process signs with its key (key id derived as in the .pub.json) and verifies with a trust store folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-keys-'));
    const k = generateKeyFiles('rsu-1', join(dir, 'keys'));
    generateKeyFiles('rsu-1', join(dir, 'keys'), 'rsu-1-2027'); // rotation: a second key for the same RSU
    const sender = loadSecurity({ signingKey: 'keys/rsu-1.key' }, dir, 123);
    assert.equal(sender.keyId, k.keyId);
    const receiver = loadSecurity({ trustStore: 'keys' }, dir, 0);
    assert.equal(receiver.trustedKeys, 2);
    assert.equal(receiver.policy?.requireSigned, true);
    const bytes = sender.seal({ senderId: 'rsu-1', payload });
    const c = checkSignature(bytes, receiver.policy!);
    assert.ok('key' in c && c.key?.boundTo === 'rsu-1');
  });

  it('refuses a private key readable by others, a missing trust store, a malformed public key file, naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-keys-'));
    const k = generateKeyFiles('veh-1', dir);
    chmodSync(k.privateKeyFile, 0o644);
    assert.throws(() => loadSigner(k.privateKeyFile, dir), /readable by others \(mode 644\); chmod 600/);
    assert.throws(() => loadTrustStore('nope', dir), /security\.trustStore: .*nope does not exist/);
    const bad = join(dir, 'bad.pub.json');
    writeFileSync(bad, JSON.stringify({ iaadPublicKey: 1, keyId: 'x', boundTo: 'rsu-1', algorithm: 'ed25519', publicKeyPem: 'junk' }));
    assert.throws(() => loadTrustStore(bad, dir), /bad\.pub\.json: publicKeyPem/);
    assert.equal(vehicleConfigSchema.safeParse({
      vehicle: { id: 'v', mapFrame: 'm' }, source: { type: 'trace', path: 'x' }, output: { endpoint: 'tcp://127.0.0.1:1' },
      security: { requireSigned: true },
    }).error?.issues[0]?.message, 'requireSigned needs a trustStore');
  });
});
