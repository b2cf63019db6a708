// ZeroMQ transport (zeromq v6) for the direct RSU <-> vehicle path, no broker in between.
//
//   RSU (server)  binds    PUB  (downlink: frames, advisories, sync responses)
//                          PULL (uplink: intents, sync requests)
//   vehicle (client) connects SUB to the PUB and PUSH to the PULL; one client transport per RSU, because PUSH
//   round-robins between the peers it is connected to.
//
// Messages are two frames [topic, payload] with the MQTT topic strings of topics.ts. A SUB subscription is the
// filter's literal prefix (ZeroMQ matches prefixes only); topicMatches() then applies '+'/'#' locally.
//
// Loss accounting: PUB drops silently at its high-water mark (per subscriber) and libzmq does not count it. We
// deliberately do not set XPUB noDrop, which would let one stalled vehicle block the RSU's downlink for all.
// That loss is measured at the receiver from sequence gaps (the link monitor does it). PUSH sends use a send
// timeout of 0, so a full queue or an absent peer is counted in droppedSend instead of blocking the caller.
// There is no broker-side expiry: receivers check the Envelope's expires_at_ns. libzmq sets TCP_NODELAY itself.
//
// Security: with CURVE keys the RSU is a CURVE server and each vehicle a client that must know the RSU's public
// key, so a process squatting the RSU's port without its secret key completes no handshake and delivers nothing.
//
// Recovery: libzmq's defaults wait 30 s for a handshake and back off reconnects without bound; we cap both (and
// use ZMTP heartbeats) so a path that stalls, even before its handshake, is dropped and redone within ~1-2 s.
import { rmSync } from 'node:fs';
import { Publisher, Pull, Push, Subscriber } from 'zeromq';
import { EMPTY, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../time/clock.js';
import { TopicRouter, filterPrefix, validateTopicName } from './topics.js';
import { registerAllowList } from './zap.js';
import type { Message, PublishOptions, Transport, TransportStats } from './types.js';

export interface ZmqEndpoints {
  /** PUB/SUB: RSU -> vehicle. tcp://host:port (port '*' to let the OS pick when binding) or ipc:///path. */
  downlink: string;
  /** PUSH/PULL: vehicle -> RSU. */
  /**
   * PUSH/PULL: vehicle -> RSU. Optional: a publish-only server (the vehicle's output socket) or a listen-only
   * client (a downstream planner) has none; publish() on a client without one counts a dropped send.
   */
  uplink?: string;
}

export interface ZmqOptions extends ZmqEndpoints {
  /** Stamps Message.receivedAtNs. Default systemClock. */
  clock?: Clock;
  /**
   * Messages queued per peer on the sending socket. Default 16: at 10 Hz that is 1.6 s of frames, older ones
   * are worthless, and a deeper queue only adds latency after a stall.
   */
  sendHighWaterMark?: number;
  /** Messages queued per peer on the receiving socket. Default 16, for the same reason. */
  receiveHighWaterMark?: number;
  /** Client PUSH: queue only on completed connections, so sends to an absent RSU are counted drops. Default true. */
  immediate?: boolean;
  /** libzmq's reconnect backoff: 100 ms doubling to 500 ms (plus libzmq's own jitter of up to one interval). */
  reconnectIntervalMs?: number;
  reconnectMaxIntervalMs?: number;
  /**
   * Longest wait for a connection's ZMTP (and CURVE) handshake before it is dropped and redone. Default 1 s
   * (libzmq's is 30 s: a connection that stalled before its handshake then hung for 30 s).
   */
  handshakeIntervalMs?: number;
  /**
   * ZMTP heartbeats, so a dead or stalled peer is noticed (its queue dropped, the connection redone) without
   * waiting for TCP. Default every 500 ms, dropped after 1.5 s without traffic; the peer is asked for the same.
   */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
}

/** CURVE on the RSU's sockets: its secret key, Z85 (the matching public key is what vehicles configure). */
export interface CurveServerKeys {
  secretKey: string;
  /** Client public keys (Z85) accepted, checked over ZAP (zap.ts). Default: any client that knows our public key. */
  allowedClientKeys?: readonly string[];
}

/** CURVE on a vehicle's sockets: the RSU's public key and the vehicle's own key pair, Z85. */
export interface CurveClientKeys {
  serverPublicKey: string;
  publicKey: string;
  secretKey: string;
}

export interface ZmqServerOptions extends ZmqOptions {
  curve?: CurveServerKeys;
}

export interface ZmqClientOptions extends ZmqOptions {
  curve?: CurveClientKeys;
}

type Role = 'server' | 'client';
type Sender = Publisher | Push;
type Receiver = Pull | Subscriber;

const DEFAULTS = {
  clock: systemClock,
  sendHighWaterMark: 16,
  receiveHighWaterMark: 16,
  immediate: true,
  reconnectIntervalMs: 100,
  reconnectMaxIntervalMs: 500,
  handshakeIntervalMs: 1_000,
  heartbeatIntervalMs: 500,
  heartbeatTimeoutMs: 1_500,
};

function checkEndpoint(endpoint: string, what: string): string {
  if (!/^(tcp|ipc):\/\/./.test(endpoint)) throw new Error(`ZeroMQ ${what} endpoint "${endpoint}" must be tcp://... or ipc://...`);
  return endpoint;
}

export class ZmqTransport implements Transport {
  readonly kind = 'zmq' as const;
  private readonly router: TopicRouter<Message>;
  private readonly counters: TransportStats = { published: 0, received: 0, droppedSend: 0, droppedReceive: 0 };
  private readonly clock: Clock;
  private readonly pump: Promise<void>;
  private closed = false;
  private error: Error | null = null;

  /** @internal use bindZmqServer / connectZmqClient. */
  constructor(
    readonly role: Role,
    /** Actual endpoints (wildcard ports resolved on the server). */
    readonly endpoints: ZmqEndpoints,
    private readonly sender: Sender | null,
    private readonly receiver: Receiver | null,
    clock: Clock,
    /** Called once the sockets are closed (releases the server's ZAP allow-list). */
    private readonly onClosed: () => void = () => undefined,
  ) {
    this.clock = clock;
    const sub = receiver instanceof Subscriber ? receiver : null;
    this.router = new TopicRouter<Message>({
      // ZeroMQ reference-counts identical prefixes itself, so one subscribe per filter pairs with one unsubscribe.
      onFirst: (f) => sub?.subscribe(filterPrefix(f)),
      onLast: (f) => !this.closed && sub?.unsubscribe(filterPrefix(f)),
    });
    this.pump = receiver ? this.receiveLoop(receiver) : Promise.resolve();
  }

  /** Last receive-loop error, for diagnostics (the loop stops on one). */
  get lastError(): Error | null {
    return this.error;
  }

  async publish(topic: string, payload: Uint8Array, _options?: PublishOptions): Promise<void> {
    validateTopicName(topic);
    if (this.closed || !this.sender) {
      this.counters.droppedSend++;
      return;
    }
    try {
      // Resolves at once when queued; with sendTimeout 0 a PUSH rejects at once (EAGAIN) instead of waiting.
      await this.sender.send([topic, payload]);
      this.counters.published++;
    } catch {
      this.counters.droppedSend++; // EAGAIN (HWM or no peer), EBUSY, or closed meanwhile
    }
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
    this.router.complete();
    // linger is 0 (set at creation): close() discards queued messages instead of holding the process open.
    this.sender?.close();
    this.receiver?.close();
    await this.pump;
    this.onClosed();
    if (this.role === 'server') {
      // libzmq leaves the socket file of a bound ipc endpoint behind.
      for (const e of [this.endpoints.downlink, this.endpoints.uplink]) {
        if (e?.startsWith('ipc://')) rmSync(e.slice('ipc://'.length), { force: true });
      }
    }
  }

  private async receiveLoop(receiver: Receiver): Promise<void> {
    try {
      // The iterator ends when the socket is closed.
      for await (const parts of receiver) {
        const receivedAtNs = this.clock.nowNs();
        this.counters.received++;
        const [topic, payload] = parts;
        if (parts.length !== 2 || !topic || !payload) {
          this.counters.droppedReceive++; // not ours: we always send [topic, payload]
          continue;
        }
        const msg: Message = { topic: topic.toString('utf8'), payload, transport: 'zmq', receivedAtNs };
        if (!this.router.dispatch(msg)) this.counters.droppedReceive++;
      }
    } catch (err) {
      if (!this.closed) this.error = err as Error;
    }
  }
}

function socketOptions(o: typeof DEFAULTS, curve: CurveServerKeys | CurveClientKeys | undefined, zapDomain?: string) {
  return {
    linger: 0,
    reconnectInterval: o.reconnectIntervalMs,
    reconnectMaxInterval: o.reconnectMaxIntervalMs,
    handshakeInterval: o.handshakeIntervalMs,
    heartbeatInterval: o.heartbeatIntervalMs,
    heartbeatTimeout: o.heartbeatTimeoutMs,
    heartbeatTimeToLive: o.heartbeatTimeoutMs,
    ...curveOptions(curve),
    ...(zapDomain !== undefined ? { zapDomain } : {}),
  };
}

function curveOptions(curve: CurveServerKeys | CurveClientKeys | undefined) {
  if (!curve) return {};
  if ('serverPublicKey' in curve) {
    return { curveServerKey: curve.serverPublicKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey };
  }
  return { curveServer: true, curveSecretKey: curve.secretKey };
}

/** RSU side: binds PUB (downlink) and, if given, PULL (uplink). publish() goes out on PUB, subscribe() reads PULL. */
export async function bindZmqServer(options: ZmqServerOptions): Promise<ZmqTransport> {
  const downlink = checkEndpoint(options.downlink, 'downlink');
  const uplink = options.uplink === undefined ? undefined : checkEndpoint(options.uplink, 'uplink');
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  const allowed = options.curve?.allowedClientKeys;
  const zap = allowed ? await registerAllowList(allowed) : null;
  const common = socketOptions(o, options.curve, zap?.domain);
  const pub = new Publisher({ ...common, sendHighWaterMark: o.sendHighWaterMark });
  const pull = uplink === undefined ? null : new Pull({ ...common, receiveHighWaterMark: o.receiveHighWaterMark });
  try {
    await pub.bind(downlink);
    if (pull && uplink) await pull.bind(uplink);
  } catch (err) {
    pub.close();
    pull?.close();
    zap?.release();
    throw err;
  }
  const endpoints = { downlink: pub.lastEndpoint ?? downlink, uplink: pull ? pull.lastEndpoint ?? uplink : undefined };
  return new ZmqTransport('server', endpoints, pub, pull, o.clock, () => zap?.release());
}

/** Vehicle side: connects SUB to the RSU's downlink and, if given, PUSH to its uplink (in the background). */
export function connectZmqClient(options: ZmqClientOptions): ZmqTransport {
  const downlink = checkEndpoint(options.downlink, 'downlink');
  const uplink = options.uplink === undefined ? undefined : checkEndpoint(options.uplink, 'uplink');
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  const common = socketOptions(o, options.curve);
  const push = uplink === undefined ? null
    : new Push({ ...common, sendHighWaterMark: o.sendHighWaterMark, sendTimeout: 0, immediate: o.immediate });
  const sub = new Subscriber({ ...common, receiveHighWaterMark: o.receiveHighWaterMark });
  if (push && uplink) push.connect(uplink);
  sub.connect(downlink);
  return new ZmqTransport('client', { downlink, uplink }, push, sub, o.clock);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
