// One small interface for every transport, so that processes and the simulator wire MQTT, ZeroMQ and in-memory
// links the same way. Topics are MQTT-style strings on every transport (see topics.ts); wildcards '+' and '#'
// are allowed in subscribe() filters.
import type { Observable } from 'rxjs';
import type { Clock } from '../time/clock.js';

export type TransportKind = 'mqtt' | 'zmq' | 'memory';

/** How a message should be delivered; each transport maps it to what it has (see docs/transports.md). */
export interface PublishOptions {
  /** MQTT QoS: 0 for perception frames (fresh beats complete), 1 for advisories and intents. */
  qos?: 0 | 1;
  /** Seconds after which a broker must not deliver the message (MQTT 5 message-expiry-interval). */
  expirySeconds?: number;
}

export interface Message {
  topic: string;
  payload: Uint8Array;
  /** Which transport delivered it: dual-path de-duplication and per-path statistics key on it. */
  transport: TransportKind;
  /** Receive time, ns since epoch on the receiver's clock, stamped as the bytes arrive. */
  receivedAtNs: number;
}

export interface TransportStats {
  published: number;
  received: number;
  /** Messages the transport refused to send (high-water mark reached, not connected, ...). */
  droppedSend: number;
  /** Messages received but discarded before delivery (e.g. no subscriber matched). */
  droppedReceive: number;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Sends one message; resolves when handed to the network (or counted as dropped): never rejects on a full queue. */
  publish(topic: string, payload: Uint8Array, options?: PublishOptions): Promise<void>;
  /** Hot stream of messages matching the filter; subscribing registers interest, unsubscribing removes it. */
  subscribe(topicFilter: string): Observable<Message>;
  stats(): TransportStats;
  close(): Promise<void>;
}

/** Where the receiving vehicle is, for decorators whose behaviour depends on it (position-indexed network traces). */
export interface EgoContext {
  /** Ego position in the map frame, m. */
  egoXM?: number;
  egoYM?: number;
  /** Ego progress along its route, m. */
  routeSM?: number;
}

/** How a process asks a ReceiveDecorator to wrap one of its transports. */
export interface ReceiveDecoratorOptions {
  /** Distinct per wrapped transport, so that each path can draw from its own random stream. */
  stream: number;
  clock: Clock;
  /** Time 0 of the process's run (the aligned scenario start when there is one), ns. */
  runStartNs: number;
  /** Only a vehicle knows where it is; an RSU gives none. */
  context?: () => EgoContext;
}

/**
 * Something the caller of a process puts around each transport the process receives on: `iaad roadside|vehicle
 * --impair` hands in the simulator's userspace impairment layer this way, so the processes never load the simulator.
 */
export interface ReceiveDecorator {
  /** What it does, for logs and recording metadata (the network spec for an impairment). */
  readonly describe: string;
  wrap(transport: Transport, o: ReceiveDecoratorOptions): Transport;
}
