// In-process bus with the same topic semantics as MQTT, for the simulator's virtual-time mode and for pipeline
// tests that should not open sockets. Every transport attached to a bus sees what any of them publishes
// (including its own messages, like an MQTT client subscribed to its own topic).
import { EMPTY, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../time/clock.js';
import { MESSAGE_KINDS, TopicRouter, parseTopic, validateTopicName, type MessageKind } from './topics.js';
import type { Message, PublishOptions, Transport, TransportStats } from './types.js';

export interface MemoryBusOptions {
  /**
   * 'sync' delivers inside publish() (deterministic, for virtual time: a message is seen before the clock
   * moves); 'microtask' delivers after the publisher's current synchronous code, like a real link would.
   */
  delivery?: 'sync' | 'microtask';
  /** Stamps receivedAtNs; pass the simulator's ManualClock in virtual-time mode. */
  clock?: Clock;
}

export interface KindStats {
  published: number;
  /** Deliveries to transports (a message seen by two subscribers counts twice). */
  delivered: number;
  /** Published while no attached transport subscribed to it. */
  unrouted: number;
}

export type BusKind = MessageKind | 'other';

export class MemoryBus {
  readonly delivery: 'sync' | 'microtask';
  readonly clock: Clock;
  private readonly transports = new Set<MemoryTransport>();
  private readonly kindStats = new Map<BusKind, KindStats>();
  /** Each topic's counters: a bus sees few distinct topics, each many times, and parsing was per message. */
  private readonly topicStats = new Map<string, KindStats>();

  constructor(options: MemoryBusOptions = {}) {
    this.delivery = options.delivery ?? 'sync';
    this.clock = options.clock ?? systemClock;
    for (const k of [...MESSAGE_KINDS, 'other' as const]) this.kindStats.set(k, { published: 0, delivered: 0, unrouted: 0 });
  }

  /** A new transport endpoint on this bus (one per simulated process or link end). */
  connect(name = 'memory'): MemoryTransport {
    const t = new MemoryTransport(this, name);
    this.transports.add(t);
    return t;
  }

  /** Counters per message kind, keyed by the topic scheme ('other' for topics outside it). */
  stats(): Record<BusKind, KindStats> {
    return Object.fromEntries([...this.kindStats].map(([k, s]) => [k, { ...s }])) as Record<BusKind, KindStats>;
  }

  /** @internal called by MemoryTransport.publish */
  route(topic: string, payload: Uint8Array): void {
    let ks = this.topicStats.get(topic);
    if (ks === undefined) {
      ks = this.kindStats.get(parseTopic(topic)?.kind ?? 'other')!;
      this.topicStats.set(topic, ks);
    }
    ks.published++;
    const run = (): void => {
      let delivered = 0;
      const receivedAtNs = this.clock.nowNs();
      for (const t of this.transports) if (t.deliver({ topic, payload, transport: 'memory', receivedAtNs })) delivered++;
      ks.delivered += delivered;
      if (delivered === 0) ks.unrouted++;
    };
    if (this.delivery === 'sync') run();
    else queueMicrotask(run);
  }

  /** @internal */
  detach(t: MemoryTransport): void {
    this.transports.delete(t);
  }
}

/** What every completed publish returns (delivery is done by then, or queued): one settled promise, not one per call. */
const DONE: Promise<void> = Promise.resolve();

export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly router = new TopicRouter<Message>();
  private readonly counters: TransportStats = { published: 0, received: 0, droppedSend: 0, droppedReceive: 0 };
  private closed = false;

  constructor(private readonly bus: MemoryBus, readonly name: string) {}

  publish(topic: string, payload: Uint8Array, _options?: PublishOptions): Promise<void> {
    try {
      validateTopicName(topic);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) {
      this.counters.droppedSend++;
      return DONE;
    }
    this.counters.published++;
    // Copy: a real link never shares the sender's buffer, and a sender may reuse it after publish resolves.
    this.bus.route(topic, payload.slice());
    return DONE;
  }

  subscribe(topicFilter: string): Observable<Message> {
    const obs = this.router.observe(topicFilter);
    return this.closed ? EMPTY : obs;
  }

  /** @internal true if some observer of this transport received msg. */
  deliver(msg: Message): boolean {
    if (this.closed || !this.router.wants(msg.topic)) return false;
    this.counters.received++;
    this.router.dispatch(msg);
    return true;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.detach(this);
    this.router.complete();
  }
}
