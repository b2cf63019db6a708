// Recording around a process, without changing the process: a Transport decorator records what arrives (in
// subscribe, before the pipeline sees it, at its receivedAtNs) and what is sent; own detection batches and
// output frames are recorded by the caller through ProcessRecorder. Used by `iaad vehicle|roadside --record`
// and by `iaad sim run --record` (sim/engine/virtual-run.ts).
import { tap, type Observable } from 'rxjs';
import { channelForTopic, fusedOutputChannel, ownFrameChannel } from './channels.js';
import { ZERO_POSE, type Envelope, type PerceptionFrame } from '../model/types.js';
import type { DetectionBatch } from '../sources/detections.js';
import type { Clock } from '../time/clock.js';
import type { Message, PublishOptions, Transport, TransportKind, TransportStats } from '../transport/types.js';
import { decodeEnvelope, encodeEnvelope } from '../wire/codec.js';
import { egoStateChannel } from './feed-channels.js';

/** What the recorders need of McapRecorder (tests may pass anything with this shape). */
export interface RecordSink {
  record(channel: string, envelopeBytes: Uint8Array, logTimeNs: number, publishTimeNs?: number): boolean;
}

/** One per recording process: knows the clock, and records an output once however many transports carry it. */
export class ProcessRecorder {
  /** Last payload recorded per topic: the same bytes published on several paths are one output. */
  private readonly lastSent = new Map<string, Uint8Array>();
  private ownSequence = 0;

  constructor(readonly sink: RecordSink, private readonly clock: Clock) {}

  received(m: Message): void {
    this.sink.record(channelForTopic(m.topic, m.transport), m.payload, m.receivedAtNs);
  }

  sent(topic: string, payload: Uint8Array): void {
    if (this.lastSent.get(topic) === payload) return;
    this.lastSent.set(topic, payload);
    this.sink.record(channelForTopic(topic), payload, this.clock.nowNs());
  }

  /**
   * Records an own detection batch as it arrives (own frame + ego state) and returns it decoded from exactly
   * the recorded bytes: the vehicle then fuses what the recording holds (wire precision: sizes and
   * confidences are float32 on the wire), so a replay sees the very same inputs.
   */
  own(vehicleId: string, mapFrame: string, batch: DetectionBatch, transport?: string): DetectionBatch {
    const atNs = this.clock.nowNs();
    const { frame, ego } = encodeOwn(vehicleId, mapFrame, this.ownSequence++, batch, atNs);
    if (ego) this.sink.record(egoStateChannel(vehicleId, transport), ego, atNs);
    this.sink.record(ownFrameChannel(vehicleId, transport), frame, atNs);
    return ownBatch(decodeEnvelope(frame), ego ? decodeEnvelope(ego) : null);
  }

  output(vehicleId: string, frame: PerceptionFrame, atNs: number): void {
    this.sink.record(fusedOutputChannel(vehicleId), encodeEnvelope({ senderId: vehicleId, payload: { kind: 'frame', frame } }), atNs);
  }
}

/** The own frame (publish time = arrival) and, when the batch has one, the ego state as an intent-shaped record. */
export function encodeOwn(
  vehicleId: string, mapFrame: string, sequence: number, batch: DetectionBatch, arrivedAtNs: number,
): { frame: Uint8Array; ego: Uint8Array | null } {
  const frame = encodeEnvelope({
    senderId: vehicleId,
    payload: {
      kind: 'frame',
      frame: {
        sourceId: vehicleId, sourceKind: 'vehicle', sequence, captureTimeNs: batch.captureTimeNs, publishTimeNs: arrivedAtNs,
        mapFrame, sensorPose: batch.ego?.pose ?? ZERO_POSE, objects: batch.objects,
      },
    },
  });
  const ego = batch.ego
    ? encodeEnvelope({
      senderId: vehicleId,
      payload: {
        kind: 'intent',
        intent: {
          vehicleId, sequence, timeNs: batch.captureTimeNs, pose: batch.ego.pose, speedMps: batch.ego.speedMps,
          mapFrame, path: [], horizonS: 0,
        },
      },
    })
    : null;
  return { frame, ego };
}

/** The detection batch an own frame (and its ego state) stands for. Throws if the envelopes are not that. */
export function ownBatch(frame: Envelope, ego: Envelope | null): DetectionBatch {
  if (frame.payload.kind !== 'frame') throw new Error(`own channel carries ${frame.payload.kind}, expected a frame`);
  const f = frame.payload.frame;
  if (ego && ego.payload.kind !== 'intent') throw new Error(`ego channel carries ${ego.payload.kind}, expected an intent`);
  const e = ego?.payload.kind === 'intent' ? ego.payload.intent : null;
  return { captureTimeNs: f.captureTimeNs, objects: f.objects, ...(e ? { ego: { pose: e.pose, speedMps: e.speedMps } } : {}) };
}

export interface RecordingTransportOptions {
  /** Record what arrives (each delivered copy, on its rx channel). */
  rx: boolean;
  /** Record what is published (once per payload, on its tx channel). */
  tx: boolean;
}

/**
 * A transparent decorator: one inner subscription per subscribe() (an impaired inner transport draws once per
 * subscription, so adding the recorder must not add subscriptions), recording synchronously in the same call.
 */
export class RecordingTransport implements Transport {
  readonly kind: TransportKind;

  constructor(private readonly inner: Transport, private readonly rec: ProcessRecorder, private readonly o: RecordingTransportOptions) {
    this.kind = inner.kind;
  }

  publish(topic: string, payload: Uint8Array, options?: PublishOptions): Promise<void> {
    if (this.o.tx) this.rec.sent(topic, payload);
    return this.inner.publish(topic, payload, options);
  }

  subscribe(topicFilter: string): Observable<Message> {
    const in$ = this.inner.subscribe(topicFilter);
    return this.o.rx ? in$.pipe(tap((m) => this.rec.received(m))) : in$;
  }

  stats(): TransportStats {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
