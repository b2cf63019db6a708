// MQTT transport against real brokers on loopback: the embedded aedes (MQTT 3.1.1 only) and a mosquitto process
// (MQTT 5). Everything is closed in after/afterEach hooks so no socket or process outlives the suite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mqtt from 'mqtt';
import { filter } from 'rxjs';
import { decodeEnvelope, encodeEnvelope } from '../../shared/wire/codec.js';
import { ZERO_POSE, type PerceptionFrame } from '../../shared/model/types.js';
import { systemClock } from '../../shared/time/clock.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../shared/transport/broker.js';
import { MqttTransport, connectMqtt, type MqttTransportOptions } from '../../shared/transport/mqtt.js';
import { advisoryTopic, framesFilter, frameTopic } from '../../shared/transport/topics.js';
import type { Message, Transport } from '../../shared/transport/types.js';
import { mosquittoOrSkip, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { memoryLog } from '../support/log.js';
import { transports } from '../support/mqtt-clients.js';
import { delay, freePort, nextValue, percentile, pingPong, sendUntilReceived, waitUntil } from '../support/net.js';

const frame = (sequence: number): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence, captureTimeNs: 1_700_000_000_000_000_000 + sequence,
  publishTimeNs: 1_700_000_000_001_000_000 + sequence, mapFrame: 'enu:test', sensorPose: ZERO_POSE,
  objects: [{
    trackId: 7, objectClass: 'car', classConfidence: 0.5, xM: 1.5, yM: -2.25, zM: 0, vxMps: 3, vyMps: 0,
    headingRad: 0, yawRateRadps: 0, lengthM: 4.5, widthM: 2, heightM: 1.5, covariance: null,
    existenceProbability: 0.75, ageS: 2,
  }],
});
const frameBytes = (sequence: number): Uint8Array =>
  encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame: frame(sequence) } });

const uid = (): string => randomBytes(4).toString('hex');

/** Waits until pub -> broker -> sub works for a topic matching sub's filter (subscription reached the broker). */
async function pathUp(pub: Transport, sub: Transport, filterTopic: string, probeTopic: string): Promise<void> {
  await sendUntilReceived(sub.subscribe(filterTopic).pipe(filter((m) => m.topic === probeTopic)),
    () => pub.publish(probeTopic, new Uint8Array([0]), { qos: 0 }));
}

/** A TCP forwarder to the broker whose connections can be cut and refused, then allowed again. */
async function cuttableProxy(targetPort: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.once('close', () => sockets.delete(s));
  };
  let server: net.Server | null = null;
  const port = await freePort();
  const listen = (): Promise<void> => new Promise((resolve) => {
    server = net.createServer((down) => {
      const up = net.connect(targetPort, '127.0.0.1');
      track(down);
      track(up);
      down.pipe(up).pipe(down);
      down.once('close', () => up.destroy());
      up.once('close', () => down.destroy());
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const stop = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const c of sockets) c.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

/** 50 ping-pongs between two clients through the broker, each answered in turn. RTTs are printed, never asserted. */
async function pingPongThrough(label: string, a: Transport, b: Transport): Promise<void> {
  const { order, rttsMs } = await pingPong(a, b, `iaad/test/${uid()}/ping`, `iaad/test/${uid()}/pong`, 50);
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
  console.log(`      ${label}: ping-pong RTT p50 ${percentile(rttsMs, 50).toFixed(2)} ms, max ${Math.max(...rttsMs).toFixed(2)} ms (n=50)`);
}

/**
 * Resolves once `marker`, published by pub after everything it published before, reached sub: a broker keeps one
 * publisher's order to a subscriber, so whatever it was going to deliver of those earlier messages has arrived.
 * sub must already receive `marker` (pathUp).
 */
async function flushed(pub: Transport, sub: Transport, marker: string): Promise<void> {
  const id = randomBytes(4);
  const arrived = nextValue(sub.subscribe(marker).pipe(filter((m) => Buffer.from(m.payload).equals(id))), 10_000, 'marker');
  await pub.publish(marker, id, { qos: 1 });
  await arrived;
}

/**
 * Two processes configured with one id (a long one: beyond MQTT 3.1.1's 23-byte recommendation) both connect and
 * both receive every one of n QoS 1 messages published after that: neither takes over the other's session.
 */
async function sameNameBothReceive(open: (o: MqttTransportOptions) => Promise<MqttTransport>, url: string): Promise<void> {
  const clientName = `iaad-veh-vehicle-with-a-long-configured-id-${uid()}`;
  const a = await open({ url, clientName });
  const b = await open({ url, clientName });
  const pub = await open({ url });
  assert.notEqual(a.clientId, b.clientId);
  for (const c of [a, b]) assert.ok(c.clientId.startsWith(`${clientName}-`), c.clientId);
  const topic = `iaad/test/${uid()}/same-name`;
  const got = [new Set<number>(), new Set<number>()];
  const subs = [a, b].map((c, i) => c.subscribe(topic).subscribe((m) => m.payload.length === 2 && got[i]!.add(m.payload[1]!)));
  const n = 50;
  try {
    await pathUp(pub, a, topic, topic);
    await pathUp(pub, b, topic, topic);
    for (let i = 0; i < n; i++) await pub.publish(topic, new Uint8Array([1, i]), { qos: 1 });
    await waitUntil(() => got.every((g) => g.size === n), `both receive all ${n} messages`, 30_000);
  } finally {
    subs.forEach((s) => s.unsubscribe());
  }
  assert.equal(a.disconnectCount + b.disconnectCount, 0, 'no connection lost');
}

describe('MQTT transport over aedes (embedded, MQTT 3.1.1)', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const t = transports();

  before(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
  });
  afterEach(() => t.closeAll());
  after(() => broker?.close());

  it('two processes with the same configured id get distinct client ids and both receive everything', async () => {
    await sameNameBothReceive((o) => t.open(o), broker.url);
  });

  it('logs and counts a lost connection with its reason, the retry and the reconnect', async function () {
    this.timeout(60_000);
    const own = await startEmbeddedBroker({ port: 0 });
    const { log, records } = memoryLog();
    try {
      const c = await t.open({ url: own.url, clientName: 'iaad-rsu-logged', log });
      assert.equal(c.disconnectCount, 0);
      assert.equal(c.lastDisconnectReason, null);
      await own.close();
      await waitUntil(() => c.disconnectCount === 1, 'the lost connection is counted');
      const lost = records.find((r) => r.msg === 'mqtt disconnected');
      assert.ok(lost, 'a disconnect line is logged');
      assert.equal(lost.level, 40); // warn
      assert.equal(lost.clientId, c.clientId);
      assert.equal(lost.reason, c.lastDisconnectReason);
      assert.equal(typeof lost.reason, 'string');
      await waitUntil(() => records.some((r) => r.msg === 'mqtt reconnecting'), 'the retry is logged');
      const back = await startEmbeddedBroker({ port: own.port });
      try {
        await waitUntil(() => c.reconnectCount === 1, 'reconnected', 30_000);
        const line = records.find((r) => r.msg === 'mqtt reconnected');
        assert.ok(line, 'the reconnect is logged');
        assert.equal(line.reconnects, 1);
        assert.equal(c.disconnectCount, 1, 'failed attempts while the broker was down are not lost connections');
      } finally {
        await t.closeAll();
        await back.close();
      }
    } finally {
      await own.close();
    }
  });

  it('embedded broker reports its actual port and url', () => {
    assert.ok(broker.port > 0);
    assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
  });

  it("'auto' tries MQTT 5, falls back to 3.1.1 and records it", async () => {
    const c = await t.open({ url: broker.url });
    assert.equal(c.protocolVersion, 4);
    assert.equal(c.connected, true);
  });

  it('protocolVersion 5 fails fast against aedes with the broker\'s reason', async () => {
    // Fast: on the broker's refusal, not after initialConnectTimeoutMs (whose message says "no connection ... within").
    await assert.rejects(t.open({ url: broker.url, protocolVersion: 5 }), (err: Error) => {
      assert.match(err.message, /Unacceptable protocol version/);
      assert.doesNotMatch(err.message, /no connection to .* within/);
      return true;
    });
  });

  it('carries real encoded Envelopes to exact and wildcard subscriptions', async () => {
    const pub = await t.open({ url: broker.url });
    const sub = await t.open({ url: broker.url });
    const topic = frameTopic('sh', 'rsu-1');
    await pathUp(pub, sub, framesFilter('sh'), frameTopic('sh', 'probe'));
    const exact = nextValue(sub.subscribe(topic).pipe(filter((m) => m.payload.length > 1)));
    const wild = nextValue(sub.subscribe(framesFilter()).pipe(filter((m) => m.topic === topic && m.payload.length > 1)));
    // Both new filters reach the broker: each SUBSCRIBE is answered before a message on it is routed.
    await pathUp(pub, sub, topic, topic);
    await pathUp(pub, sub, framesFilter(), frameTopic('other', `probe-${uid()}`));
    const before = systemClock.nowNs();
    await pub.publish(topic, frameBytes(42));
    const [m1, m2] = await Promise.all([exact, wild]);
    const after = systemClock.nowNs();
    for (const m of [m1, m2]) {
      assert.equal(m.transport, 'mqtt');
      assert.equal(m.topic, topic);
      assert.ok(m.receivedAtNs >= before && m.receivedAtNs <= after, 'receivedAtNs stamped at arrival');
      const env = decodeEnvelope(m.payload);
      assert.equal(env.payload.kind, 'frame');
      assert.deepEqual(env.payload.kind === 'frame' && env.payload.frame, frame(42));
    }
    assert.ok(sub.stats().received >= 2);
    assert.ok(pub.stats().published >= 1);
  });

  it('reference-counts filters: SUBSCRIBE at the first observer, UNSUBSCRIBE at the last, then no delivery', async () => {
    const pub = await t.open({ url: broker.url });
    const sub = await t.open({ url: broker.url, clientId: `refcount-${uid()}` });
    const topic = advisoryTopic('sh', 'rsu-1', 'veh-1');
    const marker = advisoryTopic('sh', 'rsu-1', `marker-${uid()}`);
    const brokerEvents: string[] = [];
    const onSub = (subs: Array<{ topic: string }>, client: { id: string }): void => {
      if (client.id === sub.clientId) brokerEvents.push(...subs.filter((s) => s.topic === topic).map((s) => `sub ${s.topic}`));
    };
    const onUnsub = (topics: string[], client: { id: string }): void => {
      if (client.id === sub.clientId) brokerEvents.push(...topics.filter((s) => s === topic).map((s) => `unsub ${s}`));
    };
    broker.aedes.on('subscribe', onSub);
    broker.aedes.on('unsubscribe', onUnsub);
    const holdMarker = sub.subscribe(marker).subscribe();
    try {
      await pathUp(pub, sub, marker, marker);
      const got1: Message[] = [];
      const got2: Message[] = [];
      const s1 = sub.subscribe(topic).subscribe((m) => got1.push(m));
      await sendUntilReceived(sub.subscribe(topic), () => pub.publish(topic, new Uint8Array([1]), { qos: 0 }));
      // Late copies of the probe [1] may still come; what is asserted is the messages after it.
      const s2 = sub.subscribe(topic).subscribe((m) => m.payload[0] !== 1 && got2.push(m));
      s1.unsubscribe();
      got1.length = 0;
      await pub.publish(topic, new Uint8Array([2]), { qos: 1 });
      await flushed(pub, sub, marker);
      assert.deepEqual(got2.map((m) => m.payload[0]), [2], 'remaining observer still receives');
      s2.unsubscribe();
      await waitUntil(() => brokerEvents.includes(`unsub ${topic}`), 'UNSUBSCRIBE done at the broker');
      await flushed(pub, sub, marker); // what was routed to `topic` before it has arrived
      const received = sub.stats().received;
      await pub.publish(topic, new Uint8Array([3]), { qos: 1 });
      await flushed(pub, sub, marker);
      assert.equal(sub.stats().received, received + 1, 'broker no longer delivers: only the marker arrived');
      assert.equal(got1.length, 0);
      assert.deepEqual(brokerEvents, [`sub ${topic}`, `unsub ${topic}`]);
    } finally {
      holdMarker.unsubscribe();
      broker.aedes.off('subscribe', onSub);
      broker.aedes.off('unsubscribe', onUnsub);
    }
  });

  it('an observer leaving and another arriving at once keeps the broker subscription (ops are ordered)', async () => {
    // aedes may complete an UNSUBSCRIBE after a later SUBSCRIBE on the same connection; the transport waits for
    // each ack before the next operation on the same filter.
    const pub = await t.open({ url: broker.url });
    const sub = await t.open({ url: broker.url });
    const topic = frameTopic('sh', `churn-${uid()}`);
    for (let round = 0; round < 3; round++) {
      await sendUntilReceived(sub.subscribe(topic), () => pub.publish(topic, new Uint8Array([round])));
    }
  });

  it('publish never throws while disconnected: QoS 0 counted as dropped, QoS 1 queued', async () => {
    const port = await freePort(); // nothing listens here
    const c = new MqttTransport({ url: `mqtt://127.0.0.1:${port}`, initialConnectTimeoutMs: 0, maxQueuedOffline: 2 });
    try {
      await c.connect();
      assert.equal(c.connected, false);
      await waitUntil(() => c.lastError !== null, 'the first attempt fails');
      await c.publish(frameTopic('sh', 'rsu-1'), frameBytes(1)); // frame default: QoS 0
      await c.publish(advisoryTopic('sh', 'rsu-1', 'veh-1'), new Uint8Array([1])); // advisory default: QoS 1
      await c.publish(advisoryTopic('sh', 'rsu-1', 'veh-1'), new Uint8Array([2]));
      await c.publish(advisoryTopic('sh', 'rsu-1', 'veh-1'), new Uint8Array([3])); // beyond maxQueuedOffline
      assert.deepEqual(c.stats(), { published: 2, received: 0, droppedSend: 2, droppedReceive: 0 });
      assert.equal(c.protocolVersion, null);
      assert.match(String(c.lastError?.message), /ECONNREFUSED/);
    } finally {
      await c.close(); // must not wait for the queued QoS 1 message (it would never be sent)
    }
  });

  it('connect() rejects after initialConnectTimeoutMs when no broker answers', async () => {
    const port = await freePort();
    await assert.rejects(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, initialConnectTimeoutMs: 1_500 }),
      /no connection to .* within 1500 ms: .*ECONNREFUSED/);
  });

  it('a publisher cut off from the broker drops QoS 0, queues QoS 1 and delivers it after reconnecting', async () => {
    const proxy = await cuttableProxy(broker.port);
    try {
      const pub = await t.open({ url: `mqtt://127.0.0.1:${proxy.port}` });
      const sub = await t.open({ url: broker.url });
      const topic = advisoryTopic('sh', 'rsu-1', `veh-${uid()}`);
      await pathUp(pub, sub, topic, topic);
      const advisories = sub.subscribe(topic).pipe(filter((m) => m.payload[0] === 7));
      const delivered = nextValue(advisories, 20_000, 'queued advisory');
      await proxy.cut();
      await waitUntil(() => !pub.connected, 'the publisher notices the cut');
      const before = pub.stats();
      await pub.publish(frameTopic('sh', 'rsu-1'), frameBytes(1)); // QoS 0: dropped
      await pub.publish(topic, new Uint8Array([7])); // advisory, QoS 1: queued
      assert.equal(pub.stats().droppedSend, before.droppedSend + 1);
      await proxy.restore();
      const m = await delivered;
      assert.equal(m.topic, topic);
      assert.ok(pub.reconnectCount >= 1);
      assert.equal(sub.reconnectCount, 0, 'the subscriber never lost its connection');
    } finally {
      await proxy.close();
    }
  });

  it('reconnects with backoff after the broker restarts and resubscribes exactly once', async function () {
    this.timeout(60_000);
    const port = broker.port;
    const pub = await t.open({ url: broker.url });
    const sub = await t.open({ url: broker.url, clientId: `reconnect-${uid()}` });
    const topic = frameTopic('sh', 'rsu-restart');
    await pathUp(pub, sub, framesFilter(), topic);
    const messages = sub.subscribe(framesFilter());
    await broker.close();
    await waitUntil(() => !sub.connected && !pub.connected, 'both clients notice the broker is gone');
    broker = await startEmbeddedBroker({ port });
    let subscribes = 0;
    broker.aedes.on('subscribe', (subs, client) => {
      if (client.id === sub.clientId) subscribes += subs.filter((x) => x.topic === framesFilter()).length;
    });
    const started = Date.now();
    await sendUntilReceived(messages, () => pub.publish(topic, frameBytes(1)), 30_000);
    console.log(`      aedes restart: delivery resumed ${Date.now() - started} ms after the broker was back`);
    assert.ok(sub.reconnectCount >= 1 && pub.reconnectCount >= 1);
    assert.equal(sub.protocolVersion, 4);
    // A SUBSCRIBE made now is handled after any the reconnect sent before it on the same connection.
    const marker = `iaad/test/${uid()}/marker`;
    await pathUp(pub, sub, marker, marker);
    assert.equal(subscribes, 1, 'one SUBSCRIBE for the one active filter');
  });

  it('TCP_NODELAY is set on the client socket and on the broker\'s accepted socket', async function () {
    const accepted = new Promise<object>((resolve) => broker.aedes.once('client', (c) => resolve(c.conn)));
    const c = await t.open({ url: broker.url });
    const clientSocket = (c as unknown as { client: { stream: object } }).client.stream;
    const noDelay = (socket: object): boolean | undefined => {
      // Node keeps the flag under an internal symbol; there is no public getter for TCP_NODELAY.
      const key = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'kSetNoDelay');
      return key ? (socket as Record<symbol, boolean>)[key] : undefined;
    };
    const flags = [noDelay(clientSocket), noDelay(await accepted)];
    if (flags.includes(undefined)) this.skip(); // Node internals changed: no flag to read
    assert.deepEqual(flags, [true, true]);
  });

  it('ping-pong: 50 round trips through aedes, each answered in turn', async () => {
    await pingPongThrough('aedes', await t.open({ url: broker.url }), await t.open({ url: broker.url }));
  });
});

describe('MQTT transport over mosquitto (MQTT 5)', function () {
  this.timeout(30_000);
  let bin: string;
  let broker: Mosquitto | undefined;
  const t = transports();

  before(async function () {
    bin = mosquittoOrSkip(this);
    broker = await startMosquitto(bin);
  });
  afterEach(() => t.closeAll());
  after(async () => {
    await t.closeAll();
    await broker?.stop();
  });

  it('two processes with the same configured id get distinct client ids and both receive everything', async () => {
    await sameNameBothReceive((o) => t.open(o), broker!.url);
  });

  it('a session takeover (one exact client id twice) is counted and logged as a lost connection', async () => {
    const { log, records } = memoryLog();
    const clientId = `iaad-fixed-${uid()}`;
    const first = await t.open({ url: broker!.url, clientId, log, reconnectInitialDelayMs: 60_000, reconnectMaxDelayMs: 60_000 });
    await t.open({ url: broker!.url, clientId });
    await waitUntil(() => first.disconnectCount === 1, 'the first connection is taken over');
    // mosquitto 2.0 closes the socket without an MQTT 5 DISCONNECT, so no reason code: see the raw-broker test.
    assert.ok(records.some((r) => r.msg === 'mqtt disconnected' && r.reason === first.lastDisconnectReason));
  });

  it('negotiates MQTT 5', async () => {
    const c = await t.open({ url: broker!.url });
    assert.equal(c.protocolVersion, 5);
  });

  it('message expiry: an offline persistent session receives only the message that has not expired', async () => {
    const url = broker!.url;
    const clientId = `expiry-${uid()}`;
    const vehicle = 'veh-expiry';
    const wildcard = `iaad/v1/sh/+/advisory/${vehicle}`;
    const pub = await t.open({ url });
    // pub watches the same topics: once it has the second advisory, the broker has both.
    const seen = pub.subscribe(wildcard);
    const holdSeen = seen.subscribe();
    await pathUp(pub, pub, wildcard, advisoryTopic('sh', 'probe', vehicle));

    // 1. Subscriber with a persistent session subscribes (QoS 1) and goes away.
    const first = new MqttTransport({ url, clientId, clean: false, protocolVersion: 5 });
    try {
      const live = first.subscribe(wildcard);
      live.subscribe(); // held until close(): the session's subscription must outlive the probe below
      await first.connect();
      await sendUntilReceived(live, () => pub.publish(advisoryTopic('sh', 'probe', vehicle), new Uint8Array([0]), { qos: 0 }));
    } finally {
      await first.close();
    }

    // 2. While it is offline: one advisory that expires after 1 s, one after 60 s. The wait is the expiry itself
    // (mosquitto counts whole seconds), counted from when the broker has both.
    const long = nextValue(seen.pipe(filter((m) => m.topic === advisoryTopic('sh', 'long', vehicle))), 10_000, 'long advisory at the broker');
    await pub.publish(advisoryTopic('sh', 'short', vehicle), new TextEncoder().encode('short'), { qos: 1, expirySeconds: 1 });
    await pub.publish(advisoryTopic('sh', 'long', vehicle), new TextEncoder().encode('long'), { qos: 1, expirySeconds: 60 });
    await long;
    holdSeen.unsubscribe();
    await delay(2_100);

    // 3. It comes back (subscribe before connect: the broker sends the queue right after CONNACK), and takes
    // everything queued: a marker published now comes after the queue.
    const second = new MqttTransport({ url, clientId, clean: false, protocolVersion: 5 });
    try {
      const got: Message[] = [];
      const queued = second.subscribe(wildcard).pipe(filter((m) => !m.topic.includes('/probe/') && !m.topic.includes('/marker/')));
      const collect = queued.subscribe((m) => got.push(m));
      await second.connect();
      await flushed(pub, second, advisoryTopic('sh', 'marker', vehicle));
      collect.unsubscribe();
      assert.deepEqual(got.map((m) => [m.topic, new TextDecoder().decode(m.payload)]),
        [[advisoryTopic('sh', 'long', vehicle), 'long']]);
    } finally {
      await second.close();
    }
  });

  it('reconnects after mosquitto restarts on the same port and receives again', async function () {
    this.timeout(60_000);
    const port = broker!.port;
    const pub = await t.open({ url: broker!.url });
    const sub = await t.open({ url: broker!.url });
    const topic = frameTopic('sh', 'rsu-restart');
    await pathUp(pub, sub, framesFilter(), topic);
    const messages = sub.subscribe(framesFilter());
    await broker!.stop();
    await waitUntil(() => !sub.connected && !pub.connected, 'both clients notice the broker is gone');
    const dropsBefore = pub.stats().droppedSend;
    await pub.publish(topic, frameBytes(1)); // QoS 0 while down: counted, not thrown
    assert.equal(pub.stats().droppedSend, dropsBefore + 1);
    broker = await startMosquitto(bin, port);
    const started = Date.now();
    const m = await sendUntilReceived(messages, () => pub.publish(topic, frameBytes(2)), 30_000);
    console.log(`      mosquitto restart: delivery resumed ${Date.now() - started} ms after the broker was back`);
    assert.equal(decodeEnvelope(m.payload).payload.kind, 'frame');
    assert.equal(sub.protocolVersion, 5);
    assert.ok(sub.reconnectCount >= 1);
  });

  it('ping-pong: 50 round trips through mosquitto, each answered in turn', async () => {
    await pingPongThrough('mosquitto', await t.open({ url: broker!.url }), await t.open({ url: broker!.url }));
  });

  it('sends message-expiry-interval (MQTT 5) and per-kind QoS defaults, as seen by a plain mqtt.js client', async () => {
    const pub = await t.open({ url: broker!.url });
    const raw = await mqtt.connectAsync(broker!.url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      const region = `q${uid()}`;
      const got: Array<{ topic: string; qos: number; expiry: number | undefined }> = [];
      raw.on('message', (topic, _payload, packet) => got.push({ topic, qos: packet.qos, expiry: packet.properties?.messageExpiryInterval }));
      await raw.subscribeAsync(`iaad/v1/${region}/#`, { qos: 1 });
      await pub.publish(advisoryTopic(region, 'rsu-1', 'veh-1'), new Uint8Array([1])); // advisory: QoS 1, 5 s
      await pub.publish(frameTopic(region, 'rsu-1'), new Uint8Array([2])); // frame: QoS 0, 1 s
      await pub.publish(frameTopic(region, 'rsu-2'), new Uint8Array([3]), { qos: 1, expirySeconds: 30 });
      await waitUntil(() => got.length >= 3, 'the three messages');
      const byTopic = new Map(got.map((g) => [g.topic, g]));
      assert.deepEqual(byTopic.get(advisoryTopic(region, 'rsu-1', 'veh-1'))?.qos, 1);
      assert.ok([4, 5].includes(byTopic.get(advisoryTopic(region, 'rsu-1', 'veh-1'))?.expiry ?? -1));
      assert.deepEqual(byTopic.get(frameTopic(region, 'rsu-1'))?.qos, 0);
      assert.ok([0, 1].includes(byTopic.get(frameTopic(region, 'rsu-1'))?.expiry ?? -1));
      assert.deepEqual(byTopic.get(frameTopic(region, 'rsu-2'))?.qos, 1);
      assert.ok([29, 30].includes(byTopic.get(frameTopic(region, 'rsu-2'))?.expiry ?? -1));
    } finally {
      await raw.endAsync(true);
    }
  });
});

describe('MQTT transport: broker DISCONNECT reason (MQTT 5)', function () {
  this.timeout(30_000);

  it('logs the reason code a broker sends in DISCONNECT (0x8e: session taken over)', async () => {
    // A minimal MQTT 5 peer: CONNACK (success), then DISCONNECT 0x8e and close, as a broker does on a takeover.
    const server = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => socket.end(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00, 0xe0, 0x02, 0x8e, 0x00])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    const { log, records } = memoryLog();
    const c = new MqttTransport({ url: `mqtt://127.0.0.1:${port}`, protocolVersion: 5, log,
      reconnectInitialDelayMs: 60_000, reconnectMaxDelayMs: 60_000 });
    try {
      await c.connect();
      await waitUntil(() => c.disconnectCount === 1, 'the DISCONNECT is counted');
      assert.equal(c.lastDisconnectReason, 'broker DISCONNECT 0x8e');
      assert.ok(records.some((r) => r.msg === 'mqtt disconnected' && r.reason === 'broker DISCONNECT 0x8e'));
    } finally {
      await c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
