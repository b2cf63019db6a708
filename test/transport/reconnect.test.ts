// Recovery after faults, with real processes and sockets: a mosquitto killed (SIGKILL, as a crash) and started
// again on the same port, and a ZeroMQ path that stalls (a middlebox that swallows bytes and never closes) and then
// returns, both before and after the handshake. Assertions are on what flows again and what is logged/counted,
// never on how fast: the reconnect time is measured by bench/reconnect.ts (docs/transports.md).
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Logger } from 'pino';
import { MqttTransport } from '../../shared/transport/mqtt.js';
import { bindZmqServer, connectZmqClient, type ZmqTransport } from '../../shared/transport/zmq.js';
import { framesFilter, frameTopic } from '../../shared/transport/topics.js';
import { memoryLog } from '../support/log.js';
import { mosquittoOrSkip, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort, sendUntilReceived, waitUntil } from '../support/net.js';

describe('MQTT: broker killed and restarted on the same port', function () {
  this.timeout(60_000);
  let bin: string;
  let broker: Mosquitto | undefined;
  const open: MqttTransport[] = [];

  before(async function () {
    bin = mosquittoOrSkip(this);
    broker = await startMosquitto(bin);
  });
  after(async () => {
    await Promise.all(open.map((t) => t.close()));
    await broker?.stop();
  });

  /**
   * An RSU and a vehicle client logging to `log`, a frame delivered between them; then the broker is killed,
   * `whileDown` awaited, the broker started again on its port, and a second frame delivered.
   */
  async function crashBetween(name: string, log: Logger, whileDown: (rsu: MqttTransport, veh: MqttTransport) => Promise<void>): Promise<[MqttTransport, MqttTransport]> {
    const rsu = await new MqttTransport({ url: broker!.url, clientName: `iaad-rsu-${name}`, log }).connect();
    const veh = await new MqttTransport({ url: broker!.url, clientName: `iaad-veh-${name}`, log }).connect();
    open.push(rsu, veh);
    const topic = frameTopic('default', 'rsu-1');
    const frames = veh.subscribe(framesFilter());
    await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([1])));
    const port = broker!.port;
    await broker!.stop('SIGKILL');
    await whileDown(rsu, veh);
    broker = await startMosquitto(bin, port);
    const m = await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([2])), 30_000);
    assert.deepEqual([...m.payload], [2]);
    return [rsu, veh];
  }

  it('frames flow again, and the disconnect and reconnect are counted and logged with their reason', async () => {
    const { log, records } = memoryLog();
    const [rsu, veh] = await crashBetween('crash', log, (rsu, veh) =>
      waitUntil(() => rsu.disconnectCount === 1 && veh.disconnectCount === 1, 'both clients count the lost connection'));
    await waitUntil(() => rsu.reconnectCount === 1 && veh.reconnectCount === 1, 'both clients count the reconnect');

    for (const c of [rsu, veh]) {
      const lost = records.find((r) => r.msg === 'mqtt disconnected' && r.clientId === c.clientId);
      assert.ok(lost, `${c.clientId}: the disconnect is logged`);
      assert.equal(typeof lost.reason, 'string');
      assert.equal(lost.reason, c.lastDisconnectReason);
      const back = records.find((r) => r.msg === 'mqtt reconnected' && r.clientId === c.clientId);
      assert.ok(back, `${c.clientId}: the reconnect is logged`);
      assert.equal(back.reconnects, 1);
      assert.equal(back.afterDisconnect, lost.reason, 'the reconnect line names what it recovered from');
      assert.equal(typeof back.downMs, 'number');
    }
  });

  it('a long outage: every retry is scheduled within the 500 ms backoff cap, frames flow once the broker is back', async () => {
    // Issue 15: after a 10 s outage the reconnect took 4.7-6.7 s because the backoff had doubled to 10 s. The
    // assertion is on the delays the transport schedules (its configuration), never on a measured duration.
    const { log, records } = memoryLog();
    const retries = (): Array<Record<string, unknown>> => records.filter((r) => r.msg === 'mqtt reconnecting');
    // Eight failed attempts: an uncapped doubling from 250 ms would be scheduling 32 s by now.
    await crashBetween('outage', log, () =>
      waitUntil(() => retries().some((r) => (r.attempt as number) >= 8), 'eight retries into the dead broker', 45_000));
    const delays = retries().map((r) => r.delayMs as number);
    assert.ok(delays.length >= 8, `retries logged: ${delays.length}`);
    assert.ok(delays.every((d) => d <= 500), `scheduled retry delays (ms): ${delays.join(', ')}`);
  });
});

/**
 * A TCP forwarder that can stall: while stalled it accepts connections but forwards nothing, and connections that
 * were open when it stalled stay open and swallow every byte for good (as a middlebox that lost its state without
 * sending a reset). Once resumed, new connections are forwarded again. Counts accepted connections, so a test can
 * wait for the client to give up on a dead one and try again.
 */
async function stallingProxy(targetPort: number): Promise<{ port: number; accepted(): number; stall(): void; resume(): void; close(): Promise<void> }> {
  let stalled = false;
  let accepted = 0;
  const pairs = new Set<{ a: net.Socket; b: net.Socket | null }>();
  const blackHole = (s: net.Socket): void => {
    s.unpipe();
    s.removeAllListeners('data');
    s.on('data', () => undefined);
  };
  const server = net.createServer((a) => {
    accepted++;
    a.on('error', () => a.destroy());
    const pair: { a: net.Socket; b: net.Socket | null } = { a, b: null };
    pairs.add(pair);
    a.once('close', () => pairs.delete(pair));
    if (stalled) return blackHole(a);
    const b = net.connect({ port: targetPort, host: '127.0.0.1' });
    pair.b = b;
    b.on('error', () => b.destroy());
    a.pipe(b);
    b.pipe(a);
    a.once('close', () => b.destroy());
    b.once('close', () => a.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    stall() {
      stalled = true;
      for (const p of pairs) {
        blackHole(p.a);
        if (p.b) blackHole(p.b);
      }
    },
    resume() {
      stalled = false;
    },
    async close() {
      for (const p of pairs) {
        p.a.destroy();
        p.b?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('ZeroMQ: a path that stalls and returns recovers', function () {
  this.timeout(60_000);
  const open: ZmqTransport[] = [];
  let proxy: Awaited<ReturnType<typeof stallingProxy>> | undefined;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    await proxy?.close();
    proxy = undefined;
  });

  async function rsuBehindProxy(): Promise<{ rsu: ZmqTransport; downlink: string }> {
    const port = await freePort();
    const rsu = await bindZmqServer({ downlink: `tcp://127.0.0.1:${port}` });
    open.push(rsu);
    proxy = await stallingProxy(port);
    return { rsu, downlink: `tcp://127.0.0.1:${proxy.port}` };
  }
  const topic = frameTopic('default', 'rsu-1');

  it('stalled before the handshake: the connection is dropped and redone once the path is back', async () => {
    const { rsu, downlink } = await rsuBehindProxy();
    proxy!.stall();
    const veh = connectZmqClient({ downlink });
    open.push(veh);
    await waitUntil(() => proxy!.accepted() >= 1, 'the vehicle connects into the stalled path');
    proxy!.resume();
    const resumedAt = performance.now();
    // libzmq's default handshake limit (30 s) kept such a connection for 30 s; the safety limit here is 20 s.
    await sendUntilReceived(veh.subscribe(framesFilter()), () => rsu.publish(topic, new Uint8Array([1])), 20_000);
    console.log(`      stalled before the handshake: delivery ${Math.round(performance.now() - resumedAt)} ms after the path was back`);
    assert.ok(proxy!.accepted() >= 2, 'delivery came over a new connection');
  });

  it('stalled after the handshake: heartbeats drop the dead connection, frames flow again once the path is back', async () => {
    const { rsu, downlink } = await rsuBehindProxy();
    const veh = connectZmqClient({ downlink });
    open.push(veh);
    const frames = veh.subscribe(framesFilter());
    await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([1])));
    const before = proxy!.accepted();
    proxy!.stall();
    // The vehicle gives up on the silent connection (ZMTP heartbeat timeout) and tries a new one.
    await waitUntil(() => proxy!.accepted() > before, 'the vehicle drops the stalled connection and reconnects', 20_000);
    proxy!.resume();
    const resumedAt = performance.now();
    const m = await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([2])), 20_000);
    console.log(`      stalled after the handshake: delivery ${Math.round(performance.now() - resumedAt)} ms after the path was back`);
    assert.deepEqual([...m.payload], [2]);
  });
});

describe('MQTT: a path that dies silently and returns', function () {
  this.timeout(60_000);
  let broker: Mosquitto | undefined;
  let proxy: Awaited<ReturnType<typeof stallingProxy>> | undefined;
  const open: MqttTransport[] = [];

  before(async function () {
    broker = await startMosquitto(mosquittoOrSkip(this));
  });
  after(async () => {
    await Promise.all(open.map((t) => t.close()));
    await proxy?.close();
    await broker?.stop();
  });

  it('keepalive notices the dead connection, attempts into the dead path time out, frames flow once it is back', async () => {
    const { log, records } = memoryLog();
    proxy = await stallingProxy(broker!.port);
    const rsu = await new MqttTransport({ url: broker!.url, clientName: 'iaad-rsu-silent' }).connect();
    // keepaliveS 2 keeps the test short; the default (docs/transports.md) notices the loss later the same way.
    const veh = await new MqttTransport({ url: `mqtt://127.0.0.1:${proxy.port}`, clientName: 'iaad-veh-silent', keepaliveS: 2, log }).connect();
    open.push(rsu, veh);
    const topic = frameTopic('default', 'rsu-1');
    const frames = veh.subscribe(framesFilter());
    await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([1])));
    proxy.stall();
    await waitUntil(() => veh.disconnectCount === 1, 'the vehicle notices the silent loss (keepalive)', 20_000);
    const accepted = proxy.accepted();
    // A reconnect attempt went into the dead path, had no CONNACK, and was abandoned for a new one.
    await waitUntil(() => proxy!.accepted() >= accepted + 2, 'attempts into the dead path are abandoned and retried', 20_000);
    proxy.resume();
    const resumedAt = performance.now();
    const m = await sendUntilReceived(frames, () => rsu.publish(topic, new Uint8Array([2])), 20_000);
    console.log(`      MQTT path dead then back: delivery ${Math.round(performance.now() - resumedAt)} ms after the path was back`);
    assert.deepEqual([...m.payload], [2]);
    assert.equal(veh.reconnectCount, 1);
    const lost = records.find((r) => r.msg === 'mqtt disconnected');
    assert.match(String(lost?.reason), /keepalive/i, 'the reason names the keepalive timeout');
  });
});
