// The transports a replayed vehicle sees: recorded messages are injected at their recorded arrival, with their
// recorded receivedAtNs and path; what the vehicle publishes (intents, sync requests) goes nowhere, except that
// sync requests are noted so that recorded sync responses can be re-anchored to them (SyncAnchors).
import type { Observable } from 'rxjs';
import { parseTopic, TopicRouter } from '../../shared/transport/topics.js';
import type { Message, PublishOptions, Transport, TransportKind, TransportStats } from '../../shared/transport/types.js';
import { decodeEnvelope, encodeEnvelope } from '../../shared/wire/codec.js';

/**
 * A recorded sync response answers the recorded request with its sequence number, stamped t1 on the recording
 * vehicle's clock. The replayed vehicle sends its own request with that sequence (its ticks count from the
 * same origin), stamped t1'. In a virtual-time recording t1' = t1 and the bytes pass unchanged. Otherwise (a
 * real process: timers fire late by a few ms) the response is re-anchored: t1 -> t1' and t2 -> t2 + (t1' - t1).
 * Both the offset ((t2 - t1) + (t3 - t4)) / 2 and the delay (t4 - t1) - (t3 - t2) stay exactly as recorded, so
 * the replay's clock offsets are the recorded ones. A response whose request the replay has not sent is
 * delivered as recorded (and is dropped by the link, as an unmatched answer is live).
 */
export class SyncAnchors {
  private readonly sent = new Map<string, number>();
  rewritten = 0;

  noteRequest(rsuId: string, payload: Uint8Array): void {
    try {
      const e = decodeEnvelope(payload);
      if (e.payload.kind === 'syncRequest') this.sent.set(`${rsuId}/${e.payload.syncRequest.sequence}`, e.payload.syncRequest.t1Ns);
    } catch {
      // not ours to judge: the replayed vehicle only sends well-formed requests
    }
  }

  anchor(rsuId: string, payload: Uint8Array): Uint8Array {
    let e;
    try {
      e = decodeEnvelope(payload);
    } catch {
      return payload; // malformed as recorded: the link rejects it as it did live
    }
    if (e.payload.kind !== 'syncResponse') return payload;
    const r = e.payload.syncResponse;
    const t1 = this.sent.get(`${rsuId}/${r.sequence}`);
    if (t1 === undefined || t1 === r.t1Ns) return payload;
    this.rewritten++;
    const shiftNs = t1 - r.t1Ns;
    return encodeEnvelope({
      senderId: e.senderId, expiresAtNs: e.expiresAtNs, ...(e.bootEpochNs ? { bootEpochNs: e.bootEpochNs } : {}), keyId: e.keyId, signature: e.signature,
      payload: { kind: 'syncResponse', syncResponse: { ...r, t1Ns: t1, t2Ns: r.t2Ns + shiftNs } },
    });
  }
}

export class ReplayTransport implements Transport {
  private readonly router = new TopicRouter<Message>();
  private readonly counters: TransportStats = { published: 0, received: 0, droppedSend: 0, droppedReceive: 0 };

  constructor(readonly kind: TransportKind, private readonly anchors: SyncAnchors) {}

  async publish(topic: string, payload: Uint8Array, _options?: PublishOptions): Promise<void> {
    this.counters.published++;
    const t = parseTopic(topic);
    if (t?.kind === 'syncRequest' && t.rsuId) this.anchors.noteRequest(t.rsuId, payload);
  }

  subscribe(topicFilter: string): Observable<Message> {
    return this.router.observe(topicFilter);
  }

  /** Delivers one recorded copy now, as it arrived live. */
  inject(topic: string, payload: Uint8Array, receivedAtNs: number): void {
    const t = parseTopic(topic);
    const bytes = t?.kind === 'syncResponse' && t.rsuId ? this.anchors.anchor(t.rsuId, payload) : payload;
    if (this.router.dispatch({ topic, payload: bytes, transport: this.kind, receivedAtNs })) this.counters.received++;
    else this.counters.droppedReceive++;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.router.complete();
  }
}
