// The embedded broker refuses a PUBLISH larger than the receivers' cap instead of forwarding it to every
// subscriber (issue 15: 100,000-object frames of 18.5 MB grew the broker by 360 MB).
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../shared/transport/broker.js';
import { DEFAULT_WIRE_LIMITS } from '../../shared/wire/validate.js';
import { waitUntil } from '../support/net.js';

const connect = async (url: string, clientId: string): Promise<MqttClient> => {
  const c = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject); });
  return c;
};

describe('embedded broker: message size cap', () => {
  let broker: EmbeddedBroker;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await broker?.close();
  });

  it('refuses a payload above the wire cap (counted, publisher dropped) and forwards the next normal one', async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const topic = 'iaad/v1/default/rsu-1/frame';
    const sub = await connect(broker.url, 'sub');
    clients.push(sub);
    const sizes: number[] = [];
    sub.on('message', (_t, payload) => sizes.push(payload.length));
    await sub.subscribeAsync(topic, { qos: 0 });

    const rogue = await connect(broker.url, 'rogue');
    clients.push(rogue);
    const closed = new Promise<void>((resolve) => rogue.once('close', () => resolve()));
    rogue.publish(topic, Buffer.alloc(DEFAULT_WIRE_LIMITS.maxMessageBytes + 1), { qos: 0 });
    await closed;
    await waitUntil(() => broker.counters.oversizedRefused === 1, 'the oversized publish to be refused');

    const rsu = await connect(broker.url, 'rsu');
    clients.push(rsu);
    rsu.publish(topic, Buffer.alloc(DEFAULT_WIRE_LIMITS.maxMessageBytes), { qos: 0 });
    await waitUntil(() => sizes.length > 0, 'the normal publish to arrive');
    assert.deepEqual(sizes, [DEFAULT_WIRE_LIMITS.maxMessageBytes]);
  });
});
