// The roadside pipeline, independent of where its inputs come from: detection batches in, perception frames out
// on every transport, clock-sync requests answered. Used by the roadside process and by the simulator.
import { filter, map, merge, mergeMap, Subscription, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { PerceptionFrame, Pose } from '../shared/model/types.js';
import type { DetectionBatch } from '../shared/sources/detections.js';
import type { Clock } from '../shared/time/clock.js';
import {
  DEFAULT_DELIVERY, advisoryTopic, expirySecondsUntil, frameTopic, intentsFilter, syncRequestTopic, syncResponseTopic,
} from '../shared/transport/topics.js';
import type { DetectedObject } from '../shared/model/types.js';
import type { TrackerParams } from '../shared/tracking/tracker.js';
import { RoadsideTracker } from './tracking.js';
import { frameEnvelope } from './frames.js';
import { computeAdvisory, DEFAULT_ADVISORY_PARAMS, type AdvisoryParams } from '../shared/planning/conflicts.js';
import type { Message, Transport } from '../shared/transport/types.js';
import { answerSyncRequest } from '../shared/link/clock-sync.js';
import { decodeEnvelope, encodeEnvelope, WireError } from '../shared/wire/codec.js';
import { checkSize, validateEnvelope, type Rejection } from '../shared/wire/validate.js';
import { RejectionLog } from '../shared/link/rejections.js';
import type { Envelope } from '../shared/model/types.js';
import { checkBinding, checkSignature, ReplayGuard, type AuthPolicy, type AuthRejection } from '../shared/auth/authenticate.js';
import { SequenceGate } from '../shared/auth/replay-window.js';
import type { EnvelopeSealer } from '../shared/auth/signed-envelope.js';

export interface RoadsideIdentity {
  rsuId: string;
  region: string;
  mapFrame: string;
  sensorPose: Pose;
}

export interface RoadsideOptions extends RoadsideIdentity {
  rateHz: number;
  frameValidityMs: number;
  /** Track detections (velocities, covariances, stable ids) before publishing; off: publish them as they come. */
  tracking?: { enabled: boolean; params?: Partial<TrackerParams> };
  /**
   * Answer vehicle intents with planning advisories; answerWithinM: only intents from vehicles this near the RSU
   * (map frame, m; default: all). A vehicle farther away does not listen to this RSU (shared/link/relevance.ts).
   */
  advisories?: { enabled: boolean; params?: Partial<AdvisoryParams>; answerWithinM?: number };
  /**
   * How a frame becomes bytes; default frameEnvelope. The simulator passes one that returns the bytes its
   * perception worker encoded ahead for exactly this frame (sim/engine/perception-feed.ts).
   */
  frameEncoder?: (frame: PerceptionFrame) => Uint8Array;
  /**
   * How frames (unless frameEncoder), advisories and sync responses are sealed: the boot epoch and the RSU's
   * signature (shared/auth, docs/security.md). Default: unsigned, no boot epoch (the simulator's bytes).
   */
  seal?: EnvelopeSealer;
  /** Verify intents and sync requests against vehicle keys; absent: unsigned ones are accepted. */
  auth?: AuthPolicy;
}

export interface RoadsideCounters {
  batchesIn: number;
  /** Batches skipped because they came faster than rateHz. */
  batchesSkipped: number;
  framesPublished: number;
  objectsPublished: number;
  syncAnswered: number;
  intentsReceived: number;
  /** Intents from vehicles beyond advisories.answerWithinM, left unanswered. */
  intentsOutOfRange: number;
  advisoriesSent: number;
  /** Undecodable, invalid or unexpected messages received (counted, logged, never fatal). */
  badMessages: number;
  /**
   * badMessages per reason: 'undecodable', 'unexpected' (wrong kind), a shared/wire/validate.ts reason or an
   * authentication one (shared/auth/authenticate.ts: unsigned, unknownKey, badSignature, misBound, replayed, ...).
   * Absent until the first.
   */
  rejected?: Record<string, number>;
  publishErrors: number;
  /**
   * Batches the tracker threw on (dropped; the tracker restarts empty): the source edge's plausibility checks
   * should leave none, this is the net under them so that no batch kills the pipeline.
   */
  batchesFailed?: number;
}

export interface RoadsideHandle {
  counters: RoadsideCounters;
  /** Resolves (never rejects) if the pipeline dies: its source failed. The process must then exit non-zero. */
  failure: Promise<Error>;
  /** Resolves when every publish already started has completed. */
  stop(): Promise<void>;
}

/** Frames may be at most this much faster than rateHz: a source's timing jitter must not drop frames. */
const RATE_TOLERANCE = 0.8;

export function startRoadside(
  opts: RoadsideOptions,
  source$: Observable<DetectionBatch>,
  transports: readonly Transport[],
  clock: Clock,
  log: Logger,
): RoadsideHandle {
  const counters: RoadsideCounters = {
    batchesIn: 0, batchesSkipped: 0, framesPublished: 0, objectsPublished: 0, syncAnswered: 0, intentsReceived: 0,
    intentsOutOfRange: 0, advisoriesSent: 0, badMessages: 0, publishErrors: 0,
  };
  const topic = frameTopic(opts.region, opts.rsuId);
  const minIntervalNs = (1e9 / opts.rateHz) * RATE_TOLERANCE;
  const delivery = { ...DEFAULT_DELIVERY.frame, expirySeconds: Math.max(1, Math.ceil(opts.frameValidityMs / 1000)) };
  let sequence = 0;
  let lastCaptureNs = -Infinity;
  let tracker = opts.tracking?.enabled ? new RoadsideTracker(opts.tracking.params) : null;
  let fail!: (err: Error) => void;
  const failure = new Promise<Error>((resolve) => { fail = resolve; });
  /** The batch's tracks, or null if the tracker threw on it (then dropped, counted, and the tracker reset). */
  const trackedObjects = (batch: DetectionBatch): DetectedObject[] | null => {
    if (!tracker) return batch.objects;
    try {
      return tracker.update(batch);
    } catch (err) {
      counters.batchesFailed = (counters.batchesFailed ?? 0) + 1;
      log.error({ err: (err as Error).message, objects: batch.objects.length }, 'tracker failed on a batch: dropped, tracker reset');
      tracker = new RoadsideTracker(opts.tracking?.params);
      return null;
    }
  };
  const seal = opts.seal ?? encodeEnvelope;
  const encodeFrame = opts.frameEncoder ?? ((frame: PerceptionFrame) => frameEnvelope(opts.rsuId, opts.frameValidityMs, frame, seal));
  /** The objects of the last published frame and their capture time: what advisories are computed from. */
  let latestTracks: { objects: DetectedObject[]; timeNs: number } | null = null;
  const advisorySequence = new Map<string, number>();
  const rejections = new RejectionLog();
  const reject = (r: { reason: Rejection['reason'] | AuthRejection['reason'] | 'undecodable' | 'unexpected'; detail: string }, m: Message): void => {
    counters.badMessages++;
    const line = rejections.note(r.reason, r.detail, m.receivedAtNs / 1e6);
    counters.rejected = rejections.counts;
    if (line) log.warn({ reason: line.reason, count: line.count, last: line.detail, topic: m.topic }, 'received message rejected');
  };
  const replay = new ReplayGuard();
  /**
   * Size-checked, signature-checked (when auth is configured), decoded, validated (shared/wire/validate.ts) and
   * bound to the vehicle it names; null when rejected (counted).
   */
  const decodeChecked = (m: Message): Envelope | null => {
    try {
      const tooLarge = checkSize(m.payload);
      if (tooLarge) {
        reject(tooLarge, m);
        return null;
      }
      const signed = opts.auth ? checkSignature(m.payload, opts.auth) : { key: null };
      if ('rejection' in signed) {
        reject(signed.rejection, m);
        return null;
      }
      // The sender's clock offset is unknown here: validation assumes the unsynced uncertainty.
      const v = validateEnvelope(decodeEnvelope(m.payload), { nowSenderNs: m.receivedAtNs, offsetUncertaintyNs: null });
      for (const issue of v.issues) reject(issue, m);
      const e = v.envelope;
      if (!e || !signed.key) return e;
      // A vehicle key signs only for its vehicle; intents are also checked for replays (sync requests are
      // harmless to replay: the vehicle drops an answer to a request it has not pending).
      const p = e.payload;
      const bad = p.kind === 'intent'
        ? checkBinding(signed.key, p.intent.vehicleId, [e.senderId]) ?? replay.check({
          keyId: signed.key.keyId, stream: 'intent', path: m.transport, bootEpochNs: e.bootEpochNs,
          sequence: p.intent.sequence, timeNs: p.intent.timeNs, nowSenderNs: m.receivedAtNs,
        })
        : p.kind === 'syncRequest' ? checkBinding(signed.key, p.syncRequest.clientId, [e.senderId]) : null;
      if (bad) {
        reject(bad, m);
        return null;
      }
      return e;
    } catch (err) {
      reject({ reason: 'undecodable', detail: (err as Error).message }, m);
      return null;
    }
  };
  /** First copy of each vehicle's intent by (boot epoch, sequence): a vehicle restart starts a later boot epoch. */
  const answeredIntent = new Map<string, SequenceGate>();

  // Publishes in flight, for stop(): a count and one waiter rather than a set of chained promises per publish (a
  // virtual-time run settles none of them before it ends, so they all piled up).
  let inFlight = 0;
  let drained: { promise: Promise<void>; resolve: () => void } | null = null;
  const settled = (): void => {
    if (--inFlight === 0 && drained) {
      drained.resolve();
      drained = null;
    }
  };
  const whenDrained = (): Promise<void> => {
    if (inFlight === 0) return Promise.resolve();
    if (!drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      drained = { promise, resolve };
    }
    return drained.promise;
  };
  const failed = (err: unknown): void => {
    counters.publishErrors++;
    log.warn({ err }, 'publish failed');
    settled();
  };
  const track_ = (p: Promise<void>): void => {
    inFlight++;
    p.then(settled, failed);
  };

  const frames$ = source$.pipe(
    filter((batch) => {
      counters.batchesIn++;
      // Publish on arrival (no resampling delay), but never faster than the configured rate.
      if (batch.captureTimeNs - lastCaptureNs < minIntervalNs) {
        counters.batchesSkipped++;
        return false;
      }
      lastCaptureNs = batch.captureTimeNs;
      return true;
    }),
    map((batch) => ({ batch, objects: trackedObjects(batch) })),
    filter((t): t is { batch: DetectionBatch; objects: DetectedObject[] } => t.objects !== null),
    map(({ batch, objects }): PerceptionFrame => ({
      sourceId: opts.rsuId, sourceKind: 'rsu', sequence: sequence++, captureTimeNs: batch.captureTimeNs,
      publishTimeNs: 0, mapFrame: opts.mapFrame, sensorPose: opts.sensorPose, objects,
    })),
  );

  const subs = new Subscription();
  subs.add(frames$.subscribe({
    next: (frame) => {
      frame.publishTimeNs = clock.nowNs();
      const bytes = encodeFrame(frame);
      for (const t of transports) track_(t.publish(topic, bytes, delivery));
      counters.framesPublished++;
      counters.objectsPublished += frame.objects.length;
      latestTracks = { objects: frame.objects, timeNs: frame.captureTimeNs };
    },
    error: (err: unknown) => {
      log.error({ err }, 'detection source failed: the pipeline is dead');
      fail(err instanceof Error ? err : new Error(String(err)));
    },
  }));

  // Clock sync: answer on the transport the request came in on, stamping t3 as late as possible.
  const requests$ = merge(...transports.map((t) => t.subscribe(syncRequestTopic(opts.region, opts.rsuId)).pipe(
    map((m) => ({ m, t })),
  )));
  subs.add(requests$.pipe(mergeMap(({ m, t }) => answerSync(m, t))).subscribe());

  // Planning advisories: each intent (once, whichever path brought it first) is answered on every transport.
  if (opts.advisories?.enabled) {
    const params = { ...DEFAULT_ADVISORY_PARAMS, ...opts.advisories.params };
    const intents$ = merge(...transports.map((t) => t.subscribe(intentsFilter())));
    const withinM = opts.advisories.answerWithinM ?? Infinity;
    subs.add(intents$.subscribe((m) => answerIntent(m, params, withinM)));
  }

  function answerIntent(m: Message, params: AdvisoryParams, withinM: number): void {
    const e = decodeChecked(m);
    if (!e) return;
    try {
      if (e.payload.kind !== 'intent') throw new WireError(`expected intent, got ${e.payload.kind}`);
      const intent = e.payload.intent;
      let gate = answeredIntent.get(intent.vehicleId);
      if (!gate) answeredIntent.set(intent.vehicleId, (gate = new SequenceGate()));
      if (!gate.accept(e.bootEpochNs, intent.sequence)) return; // the other path's copy
      counters.intentsReceived++;
      const p = opts.sensorPose;
      if (intent.mapFrame === opts.mapFrame && !(Math.hypot(intent.pose.xM - p.xM, intent.pose.yM - p.yM) <= withinM)) {
        counters.intentsOutOfRange++;
        return;
      }
      if (!latestTracks || intent.path.length < 2) return;
      const seq = advisorySequence.get(intent.vehicleId) ?? 0;
      advisorySequence.set(intent.vehicleId, seq + 1);
      // Issue time = the tracks' capture time: zone times and zone objects are then exactly of that instant.
      const advisory = computeAdvisory(latestTracks.objects, intent, latestTracks.timeNs, params, { rsuId: opts.rsuId, sequence: seq });
      const bytes = seal({
        senderId: opts.rsuId, payload: { kind: 'advisory', advisory }, expiresAtNs: advisory.validUntilNs,
      });
      const topic = advisoryTopic(opts.region, opts.rsuId, intent.vehicleId);
      const delivery = { qos: DEFAULT_DELIVERY.advisory.qos, expirySeconds: expirySecondsUntil(advisory.validUntilNs, clock.nowNs()) };
      for (const t of transports) track_(t.publish(topic, bytes, delivery));
      counters.advisoriesSent++;
    } catch (err) {
      reject({ reason: 'unexpected', detail: `intent: ${(err as Error).message}` }, m);
    }
  }

  function answerSync(m: Message, t: Transport): Promise<void> {
    const e = decodeChecked(m);
    if (!e) return Promise.resolve();
    try {
      if (e.payload.kind !== 'syncRequest') throw new WireError(`expected syncRequest, got ${e.payload.kind}`);
      const req = e.payload.syncRequest;
      const response = answerSyncRequest(req, opts.rsuId, m.receivedAtNs, clock.nowNs());
      const bytes = seal({ senderId: opts.rsuId, payload: { kind: 'syncResponse', syncResponse: response } });
      counters.syncAnswered++;
      const p = t.publish(syncResponseTopic(opts.region, opts.rsuId, req.clientId), bytes, DEFAULT_DELIVERY.syncResponse);
      track_(p);
      return p.catch(() => undefined);
    } catch (err) {
      reject({ reason: 'unexpected', detail: `sync request: ${(err as Error).message}` }, m);
      return Promise.resolve();
    }
  }

  return {
    counters,
    failure,
    async stop() {
      subs.unsubscribe();
      await whenDrained();
    },
  };
}
