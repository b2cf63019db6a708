// MQTT transport (mqtt.js v5) for the broker path: RSU -> broker -> vehicles and back.
//
// Protocol: MQTT 5 by default so the broker enforces message-expiry-interval (no stale perception delivered
// after an outage). 'auto' falls back to 3.1.1 when the broker refuses 5 (aedes 1.2 does); on 3.1.1 expiry is
// enforced only by receivers, from the Envelope's expires_at_ns.
//
// Reconnect is ours, not mqtt.js's: mqtt.js retries at a fixed period, we back off exponentially with jitter
// (so a fleet does not reconnect in lockstep after a broker restart) and reconcile subscriptions ourselves on
// every CONNACK. mqtt.js's own resubscribe is off so that no filter is ever subscribed twice. The backoff is
// capped at 500 ms: an uncapped doubling left a client asleep for seconds after the broker came back.
//
// TLS (mqtts://) takes the CA, client certificate and key as PEM contents (mqtt-config.ts reads them from the
// files a config names), so a private CA needs no NODE_EXTRA_CA_CERTS.
//
// Offline behaviour: QoS 0 publishes are dropped and counted (a late frame is useless). QoS 1 publishes are
// queued by mqtt.js (bounded here by maxQueuedOffline) and sent after reconnect; the broker's expiry interval
// restarts when it receives them, so receivers still check expires_at_ns.
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { IClientOptions, IConnackPacket, IDisconnectPacket, MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import { EMPTY, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../time/clock.js';
import { TopicRouter, deliveryFor, validateTopicName } from './topics.js';
import type { Message, PublishOptions, Transport, TransportStats } from './types.js';

export type MqttProtocolChoice = 5 | 4 | 'auto';

export interface MqttTransportOptions {
  /** mqtt://host:port (mqtts://, ws:// also work; TCP_NODELAY applies to TCP-based ones). */
  url: string;
  /** Exact client id. Fix it for a persistent session (clean: false). Default: `<clientName>-<8 random hex>`. */
  clientId?: string;
  /**
   * Readable prefix of the default client id (e.g. iaad-rsu-<id>); a random suffix makes it unique per process
   * instance, so two processes with one configured id do not take over each other's session. Default 'iaad'.
   */
  clientName?: string;
  /** Where disconnects (with their reason) and reconnects are logged. Default: not logged, only counted. */
  log?: Logger;
  /** Default true. false keeps subscriptions and queued QoS 1 messages at the broker while offline. */
  clean?: boolean;
  /** MQTT 5 session-expiry-interval used when clean is false. Default 300 s. */
  sessionExpirySeconds?: number;
  /** Keepalive (PINGREQ) interval. Default 10 s: a dead link is noticed within ~15 s. */
  keepaliveS?: number;
  username?: string;
  /** The secret itself (mqtt-config.ts reads it from a file or an environment variable for the processes). */
  password?: string;
  /** TLS material for mqtts:// URLs (PEM contents, not paths). */
  tls?: MqttTlsOptions;
  /** Default 'auto': try 5, fall back to 3.1.1 if the broker refuses it. */
  protocolVersion?: MqttProtocolChoice;
  /** Stamps Message.receivedAtNs. Default systemClock. */
  clock?: Clock;
  /** First reconnect delay; doubles per failed attempt. Default 250 ms. */
  reconnectInitialDelayMs?: number;
  /** Reconnect delay cap (before jitter): the longest a client sleeps after the broker is back. Default 500 ms. */
  reconnectMaxDelayMs?: number;
  /**
   * Per-attempt wait for CONNACK (TCP, TLS and MQTT handshakes). Default 2 000 ms. It bounds an attempt whose
   * SYN or handshake went into a dead path: the next attempt starts at most this (plus the backoff) later.
   */
  connackTimeoutMs?: number;
  /** How long connect() waits for the first session before rejecting; 0 = resolve at once, connect in background. Default 10 000 ms. */
  initialConnectTimeoutMs?: number;
  /** QoS 1 publishes queued while offline beyond which further ones are dropped. Default 1 000. */
  maxQueuedOffline?: number;
  /** QoS 0 publishes are dropped while this many bytes wait in the socket's write buffer. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** TCP_NODELAY on the client socket. Default true; without it small messages stall ~40 ms (Nagle + delayed ACK). */
  noDelay?: boolean;
}

export interface MqttTlsOptions {
  /** CA certificate(s) the broker's certificate must chain to, PEM. Default: Node's built-in public CAs. */
  ca?: string | Buffer;
  /** Client certificate (PEM) and its private key, for brokers that require one (mosquitto require_certificate). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true. false accepts any broker certificate: for tests only. */
  rejectUnauthorized?: boolean;
}

// CONNACK codes meaning "wrong protocol version": 1 in 3.1.1 framing (aedes), 0x84 in MQTT 5 framing.
const PROTOCOL_REFUSED = new Set([1, 0x84]);
const SUBSCRIBE_QOS = 1; // the maximum: each message then arrives at the QoS it was published with

export class MqttTransport implements Transport {
  readonly kind = 'mqtt' as const;
  private readonly opts: Required<Omit<MqttTransportOptions, 'username' | 'password' | 'tls' | 'log' | 'clientName'>> &
    Pick<MqttTransportOptions, 'username' | 'password' | 'tls' | 'log'>;
  private readonly router: TopicRouter<Message>;
  private readonly counters: TransportStats = { published: 0, received: 0, droppedSend: 0, droppedReceive: 0 };
  /** Filters we believe the broker holds for this session: reconciled against the router on every CONNACK. */
  private readonly brokerFilters = new Set<string>();
  /** Per filter: the chain of broker operations (see brokerOp) and the completion callback of the latest one. */
  private readonly ops = new Map<string, { tail: Promise<void>; last: (() => void) | null }>();
  private client: MqttClient | null = null;
  private tryVersion: 4 | 5;
  private version: 4 | 5 | null = null;
  private attempt = 0;
  private reconnects = 0;
  private disconnects = 0;
  /** A CONNACK arrived on the current connection, so its close is a lost connection rather than a failed attempt. */
  private sessionUp = false;
  /** Why the current connection ended, as far as known: a broker DISCONNECT or a client/socket error. */
  private closeReason: string | null = null;
  private lastDisconnect: string | null = null;
  /** performance.now() when the current outage began, for the reconnect log line. */
  private lostAtMs: number | null = null;
  private offlineQueued = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private error: Error | null = null;
  private firstConnect: { resolve(): void; reject(err: Error): void } | null = null;

  constructor(options: MqttTransportOptions) {
    const { clientName, ...rest } = options;
    this.opts = {
      clientId: uniqueClientId(clientName ?? 'iaad'),
      clean: true,
      sessionExpirySeconds: 300,
      keepaliveS: 10,
      protocolVersion: 'auto',
      clock: systemClock,
      reconnectInitialDelayMs: 250,
      reconnectMaxDelayMs: 500,
      connackTimeoutMs: 2_000,
      initialConnectTimeoutMs: 10_000,
      maxQueuedOffline: 1_000,
      maxBufferedBytes: 1 << 20,
      noDelay: true,
      ...stripUndefined(rest),
      url: options.url,
    };
    this.tryVersion = this.opts.protocolVersion === 4 ? 4 : 5;
    this.router = new TopicRouter<Message>({
      onFirst: (f) => this.client?.connected && this.brokerSubscribe(f),
      onLast: (f) => this.client?.connected && this.brokerUnsubscribe(f),
    });
  }

  /** Negotiated protocol: 5, 4 (3.1.1) or null before the first CONNACK. */
  get protocolVersion(): 4 | 5 | null {
    return this.version;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Successful connections after the first one. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Established connections that were lost (not counting close()). */
  get disconnectCount(): number {
    return this.disconnects;
  }

  /** Reason of the last lost connection (e.g. 'broker DISCONNECT 0x8e: Session taken over'), null if none yet. */
  get lastDisconnectReason(): string | null {
    return this.lastDisconnect;
  }

  /** Last client or socket error (connection refused, CONNACK refusal, ...), for diagnostics. */
  get lastError(): Error | null {
    return this.error;
  }

  get clientId(): string {
    return this.opts.clientId;
  }

  /**
   * Starts connecting. Subscribe before calling this to receive what a persistent session queued while offline
   * (the broker sends it right after CONNACK). Resolves on the first CONNACK; rejects on a refusal other than
   * the protocol fallback, or after initialConnectTimeoutMs (the transport is then closed).
   */
  async connect(): Promise<this> {
    if (this.client || this.closed) throw new Error('MqttTransport.connect() called twice or after close()');
    const connected = new Promise<void>((resolve, reject) => (this.firstConnect = { resolve, reject }));
    this.startClient();
    if (this.opts.initialConnectTimeoutMs === 0) {
      connected.catch(() => undefined);
      return this;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = this.error ? `: ${this.error.message}` : '';
        reject(new Error(`MQTT: no connection to ${this.opts.url} within ${this.opts.initialConnectTimeoutMs} ms${why}`));
      }, this.opts.initialConnectTimeoutMs);
    });
    try {
      await Promise.race([connected, timeout]);
      return this;
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async publish(topic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<void> {
    validateTopicName(topic);
    const defaults = deliveryFor(topic);
    const qos = options.qos ?? defaults.qos;
    const expirySeconds = options.expirySeconds ?? defaults.expirySeconds;
    const client = this.client;
    if (this.closed || !client) return this.drop();
    if (qos === 0) {
      const socket = client.stream as unknown as Partial<Socket> | undefined;
      if (!client.connected || (socket?.writableLength ?? 0) > this.opts.maxBufferedBytes) return this.drop();
    } else if (!client.connected) {
      if (this.offlineQueued >= this.opts.maxQueuedOffline) return this.drop();
      this.offlineQueued++;
    }
    // MQTT 5 expiry is whole seconds; 0/absent means "never", so only positive values are sent.
    const properties =
      this.version === 5 && expirySeconds > 0 ? { messageExpiryInterval: Math.ceil(expirySeconds) } : undefined;
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.counters.published++;
    return new Promise<void>((resolve) => {
      client.publish(topic, bytes, { qos, properties, cbStorePut: () => resolve() }, (err) => {
        // QoS 1: "Connection closed" means the link dropped before PUBACK; the message stays queued and is resent.
        if (err && !(qos === 1 && /connection closed/i.test(err.message))) this.counters.droppedSend++;
        resolve();
      });
      if (qos === 0) resolve(); // handed to mqtt.js, which writes it now: don't wait for the socket to drain
    });
  }

  subscribe(topicFilter: string): Observable<Message> {
    const obs = this.router.observe(topicFilter);
    return this.closed ? EMPTY : obs;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.firstConnect?.reject(new Error('MQTT transport closed'));
    this.firstConnect = null;
    this.router.complete();
    const client = this.client;
    if (!client) return;
    // Graceful DISCONNECT when connected; mqtt.js waits for in-flight QoS 1 acks, so bound that wait.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, 1_000);
      client.end(!client.connected, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private drop(): Promise<void> {
    this.counters.droppedSend++;
    return Promise.resolve();
  }

  private startClient(): void {
    const v5 = this.tryVersion === 5;
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: o.clean,
      keepalive: o.keepaliveS,
      protocolVersion: this.tryVersion,
      connectTimeout: o.connackTimeoutMs,
      reconnectPeriod: 0, // we reconnect (with backoff) in onClose
      resubscribe: false, // we resubscribe in reconcile()
      queueQoSZero: false,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls ? tlsOptions(o.tls) : {}),
      // MQTT 5 ends a session when the connection closes unless session-expiry-interval says otherwise.
      ...(v5 && !o.clean ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds } } : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    this.applyNoDelay(client);
    const current = (): boolean => this.client === client && !this.closed;
    client.on('connect', (packet) => current() && this.onConnect(client, packet));
    client.on('close', () => current() && this.onClose(client));
    client.on('error', (err) => current() && this.onError(client, err));
    client.on('disconnect', (packet) => current() && this.onBrokerDisconnect(packet));
    client.on('message', (topic, payload) => {
      const receivedAtNs = this.opts.clock.nowNs(); // first thing: the stamp should not include our dispatch
      if (!current()) return;
      this.counters.received++;
      if (!this.router.dispatch({ topic, payload, transport: 'mqtt', receivedAtNs })) this.counters.droppedReceive++;
    });
  }

  private applyNoDelay(client: MqttClient): void {
    // net.Socket accepts setNoDelay before it connects and applies it once connected.
    const socket = client.stream as unknown as Partial<Socket> | undefined;
    if (this.opts.noDelay && typeof socket?.setNoDelay === 'function') socket.setNoDelay(true);
  }

  private onConnect(client: MqttClient, packet: IConnackPacket): void {
    if (this.version !== null) {
      this.reconnects++;
      this.opts.log?.info({ url: this.opts.url, clientId: this.opts.clientId, reconnects: this.reconnects,
        sessionPresent: packet.sessionPresent, attempts: this.attempt, afterDisconnect: this.lastDisconnect,
        downMs: this.lostAtMs === null ? null : Math.round(performance.now() - this.lostAtMs) }, 'mqtt reconnected');
    }
    this.closeReason = null;
    this.sessionUp = true;
    this.version = this.tryVersion;
    this.attempt = 0;
    this.offlineQueued = 0;
    this.error = null;
    this.applyNoDelay(client);
    if (!packet.sessionPresent) this.brokerFilters.clear();
    this.reconcile();
    this.firstConnect?.resolve();
    this.firstConnect = null;
  }

  /** MQTT 5 only: the broker says why it closes us (0x8e: another connection took our client id). */
  private onBrokerDisconnect(packet: IDisconnectPacket): void {
    const code = packet.reasonCode ?? 0;
    const text = packet.properties?.reasonString;
    this.closeReason = `broker DISCONNECT 0x${code.toString(16).padStart(2, '0')}${text ? `: ${text}` : ''}`;
  }

  private onClose(client: MqttClient): void {
    if (this.sessionUp) {
      this.sessionUp = false;
      this.disconnects++;
      this.lostAtMs = performance.now();
      this.lastDisconnect = this.closeReason ?? (this.error ? `error: ${this.error.message}` : 'connection closed');
      this.opts.log?.warn({ url: this.opts.url, clientId: this.opts.clientId, reason: this.lastDisconnect,
        disconnects: this.disconnects }, 'mqtt disconnected');
    }
    this.closeReason = null;
    if (this.reconnectTimer) return;
    const base = Math.min(this.opts.reconnectMaxDelayMs, this.opts.reconnectInitialDelayMs * 2 ** this.attempt);
    this.attempt++;
    const delayMs = base * (0.5 + Math.random() * 0.5); // jitter: spread a fleet's reconnects
    // Only the first retry after a loss is logged at info; later failed attempts at debug (a long outage is one line).
    const level = this.attempt === 1 ? 'info' : 'debug';
    this.opts.log?.[level]({ url: this.opts.url, attempt: this.attempt, delayMs: Math.round(delayMs),
      lastError: this.error?.message ?? null }, 'mqtt reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed || this.client !== client) return;
      // Keep mqtt.js's stores: they hold QoS 1 messages published while offline.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
      this.applyNoDelay(client);
    }, delayMs);
  }

  private onError(client: MqttClient, err: Error & { code?: unknown }): void {
    this.error = err;
    this.closeReason ??= `error: ${err.message}`;
    const code = typeof err.code === 'number' ? err.code : null;
    if (code === null || this.version !== null) return; // socket errors: 'close' follows and we retry
    // A CONNACK refusal before the first session: fall back to 3.1.1, or give up (bad credentials, ...).
    if (this.opts.protocolVersion === 'auto' && this.tryVersion === 5 && PROTOCOL_REFUSED.has(code)) {
      this.tryVersion = 4;
      this.client = null; // makes the old client's events stale
      client.end(true);
      this.startClient();
      return;
    }
    this.firstConnect?.reject(err);
    this.firstConnect = null;
  }

  /** Brings the broker's subscriptions for this session in line with the router's active filters. */
  private reconcile(): void {
    const wanted = new Set(this.router.filters());
    for (const f of wanted) if (!this.brokerFilters.has(f)) this.brokerSubscribe(f);
    for (const f of [...this.brokerFilters]) if (!wanted.has(f)) this.brokerUnsubscribe(f);
  }

  private brokerSubscribe(filter: string): void {
    this.brokerFilters.add(filter);
    this.brokerOp(filter, (client, done) => client.subscribe(filter, { qos: SUBSCRIBE_QOS }, (err, granted) => {
      // Refused or lost: forget it (unless a later operation decides), so the next CONNACK's reconcile() retries.
      if ((err || granted?.some((g) => g.qos === 128)) && this.ops.get(filter)?.last === done) {
        this.brokerFilters.delete(filter);
      }
      if (err) this.error = err;
      done();
    }));
  }

  private brokerUnsubscribe(filter: string): void {
    this.brokerFilters.delete(filter);
    this.brokerOp(filter, (client, done) => client.unsubscribe(filter, () => done()));
  }

  /**
   * Runs SUBSCRIBE/UNSUBSCRIBE for one filter strictly one after the other, each after the previous one's ack:
   * aedes can complete an UNSUBSCRIBE after a SUBSCRIBE sent later on the same connection, which would leave an
   * observer that unsubscribed and resubscribed quickly with no subscription at the broker. mqtt.js calls every
   * callback eventually (with an error when the connection closes), so the chain cannot stall.
   */
  private brokerOp(filter: string, op: (client: MqttClient, done: () => void) => void): void {
    const entry = this.ops.get(filter) ?? { tail: Promise.resolve(), last: null };
    this.ops.set(filter, entry);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    entry.last = done;
    entry.tail = entry.tail.then(() => {
      const client = this.client;
      if (!client || this.closed) return;
      op(client, done);
      return finished;
    }).finally(() => {
      if (this.ops.get(filter)?.last === done) this.ops.delete(filter);
    });
  }
}

/** `<name>-<8 random hex>`: readable, yet unique per process instance (MQTT allows one connection per id). */
export function uniqueClientId(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

/** Creates an MqttTransport and waits for its first connection (see MqttTransport.connect). */
export function connectMqtt(options: MqttTransportOptions): Promise<MqttTransport> {
  return new MqttTransport(options).connect();
}

function tlsOptions(tls: MqttTlsOptions): Partial<IClientOptions> {
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
