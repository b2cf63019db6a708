// Ports and endpoints are checked at config load, naming the field: a port above 65535 used to pass and bind
// another port (modulo 65536).
import assert from 'node:assert/strict';
import { validateConfig } from '../../shared/config/load.js';
import { roadsideConfigSchema } from '../../roadside/config.js';

const base = {
  rsu: { id: 'rsu-1', mapFrame: 'enu:t' },
  source: { type: 'zmq-pull', endpoint: 'tcp://127.0.0.1:5600' },
  transports: { zmq: { pubEndpoint: 'tcp://127.0.0.1:5601', pullEndpoint: 'ipc:///tmp/x.sock' }, mqtt: { url: 'mqtt://localhost:1883' } },
};

describe('endpoint ports at config load', () => {
  it('accepts ports 1..65535 and ipc paths', () => {
    assert.doesNotThrow(() => validateConfig(roadsideConfigSchema, base, 'rsu.yaml'));
    assert.doesNotThrow(() => validateConfig(roadsideConfigSchema,
      { ...base, transports: { mqtt: { url: 'mqtts://[::1]:65535' } } }, 'rsu.yaml'));
  });

  it('rejects a port above 65535 or 0, naming the field', () => {
    assert.throws(() => validateConfig(roadsideConfigSchema,
      { ...base, transports: { zmq: { pubEndpoint: 'tcp://127.0.0.1:70000', pullEndpoint: 'tcp://127.0.0.1:5602' } } }, 'rsu.yaml'),
    /transports\.zmq\.pubEndpoint: port must be 1\.\.65535/);
    assert.throws(() => validateConfig(roadsideConfigSchema, { ...base, source: { type: 'zmq-pull', endpoint: 'tcp://*:0' } }, 'rsu.yaml'),
      /source\.endpoint: port must be 1\.\.65535/);
    assert.throws(() => validateConfig(roadsideConfigSchema, { ...base, transports: { mqtt: { url: 'mqtt://localhost:188300' } } }, 'rsu.yaml'),
      /transports\.mqtt\.url: port must be 1\.\.65535/);
  });
});
