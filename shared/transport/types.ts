// One small interface for every transport, so that processes and the simulator wire MQTT, ZeroMQ and in-memory
// links the same way. Topics are MQTT-style strings on every transport (see topics.ts); wildcards '+' and '#'
// are allowed in subscribe() filters.
import type { Observable } from 'rxjs';

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
