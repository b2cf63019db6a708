// A vehicle that cannot bind its output endpoint used to print 'Address already in use' (no endpoint named) and
// hang for over 70 s holding its MQTT session. It must exit non-zero at once, naming the endpoint and field.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { freePort } from '../../shared/net/ports.js';
import { IAAD_BIN } from '../../sim/realtime/children.js';

describe('vehicle process: output endpoint already in use', function () {
  this.timeout(60_000);

  it('exits non-zero, naming the config field and the endpoint, with its MQTT session open', async () => {
    const broker = await startEmbeddedBroker({ port: await freePort() });
    const squatter = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'iaad-bind-'));
    copyFileSync(resolve('examples/occluded-crossing/vehicle.jsonl'), join(dir, 'vehicle.jsonl'));
    const endpoint = `tcp://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'vehicle.yaml'), [
      'vehicle: { id: veh-b, mapFrame: "enu:occluded-crossing" }', 'source: { type: trace, path: vehicle.jsonl }',
      `mqtt: { url: "mqtt://127.0.0.1:${broker.port}" }`, 'rsus: [{ id: rsu-1, region: demo, mqtt: true }]',
      `output: { endpoint: "${endpoint}" }`, '',
    ].join('\n'));
    const child = spawn(process.execPath, [IAAD_BIN, 'vehicle', '--config', join(dir, 'vehicle.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    squatter.close();
    await broker.close();
    assert.notEqual(code, 0);
    assert.ok(stderr.includes(`output.endpoint: cannot bind ${endpoint}`), stderr);
  });
});
