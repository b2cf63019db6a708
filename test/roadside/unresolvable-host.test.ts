// A roadside process given a broker host that does not resolve used to run with no subscriber ever reached: it
// now exits non-zero at start, naming the config field and the host.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../shared/net/ports.js';
import { runToExit } from '../support/process-exit.js';

describe('roadside process: unresolvable host', function () {
  this.timeout(90_000);

  it('exits non-zero at start, naming transports.mqtt.url and the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-dns-'));
    copyFileSync(resolve('examples/occluded-crossing/rsu-1.jsonl'), join(dir, 'rsu-1.jsonl'));
    writeFileSync(join(dir, 'roadside.yaml'), [
      'rsu: { id: rsu-1, region: demo, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: rsu-1.jsonl, loop: true }',
      'transports:', '  mqtt: { url: "mqtt://no-such-host.invalid:1883" }',
      `  zmq: { pubEndpoint: "tcp://127.0.0.1:${await freePort()}", pullEndpoint: "tcp://127.0.0.1:${await freePort()}" }`, '',
    ].join('\n'));
    const r = await runToExit('roadside', join(dir, 'roadside.yaml'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /roadside\.yaml: transports\.mqtt\.url: cannot resolve no-such-host\.invalid/);
  });
});
