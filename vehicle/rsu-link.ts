// One RSU as the vehicle sees it: its frames over every configured path (MQTT, ZeroMQ), decoded, checked for
// expiry, measured by the link monitor, de-duplicated across paths (first arrival wins); and the clock-sync
// exchanges that keep the offset to the RSU's clock known.
import { concat, interval, merge, mergeMap, share, Subscription, take, timer, asyncScheduler,
  type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import { buildSyncRequest } from '../shared/link/clock-sync.js';
import { createDedupeStats, dedupeFrames, type DedupeStats } from '../shared/link/dedup.js';
import { LinkMonitor } from '../shared/link/link-monitor.js';
import type { PerceptionFrame } from '../shared/model/types.js';
import type { Point2 } from '../shared/geometry/transform.js';
import type { Clock } from '../shared/time/clock.js';
import {
  DEFAULT_DELIVERY, advisoryTopic, frameTopic, syncRequestTopic, syncResponseTopic,
} from '../shared/transport/topics.js';
import type { Envelope, PlanningAdvisory } from '../shared/model/types.js';
import type { Message, Transport, TransportKind } from '../shared/transport/types.js';
import { decodeEnvelope, encodeEnvelope, isExpired } from '../shared/wire/codec.js';
import { checkSize, DEFAULT_WIRE_LIMITS, validateEnvelope, type Rejection, type WireLimits } from '../shared/wire/validate.js';
import { RejectionLog } from '../shared/link/rejections.js';
import {
  checkBinding, checkSignature, ReplayGuard, type AuthPolicy, type AuthRejection, type TrustedKey,
} from '../shared/auth/authenticate.js';
import { SequenceGate } from '../shared/auth/replay-window.js';
import type { EnvelopeSealer } from '../shared/auth/signed-envelope.js';

export interface RoadsideArrival {
  frame: PerceptionFrame;
  receivedAtNs: number;
  transport: TransportKind;
  /** RSU clock minus vehicle clock when it arrived (0 until the first sync). */
  offsetNs: number;
}

export interface AdvisoryArrival {
  advisory: PlanningAdvisory;
  receivedAtNs: number;
  offsetNs: number;
}

export interface RsuLinkOptions {
  rsuId: string;
  region: string;
  vehicleId: string;
  staleAfterMs: number;
  latencyWindowMs: number;
  syncIntervalMs: number;
  /** Validation limits of received messages (shared/wire/validate.ts); default DEFAULT_WIRE_LIMITS. */
  wireLimits?: Partial<WireLimits>;
  /**
   * Where the RSU stands (configured, map frame): objects are checked against it, and a frame whose sensor pose
   * is beyond wireLimits.maxPoseOffsetM of it is rejected (poseMismatch). Absent: the frame's own sensor pose.
   */
  rsuPosition?: Point2;
  /**
   * Authentication of what the RSU sends (docs/security.md): frames, advisories and clock-sync responses are
   * verified against the trust store before anything else sees them. Absent: unsigned traffic is accepted.
   */
  auth?: AuthPolicy & {
    /** A frame or advisory whose own time is older than this (synced clock) is rejected as stale, ms; default 10 s. */
    maxAgeMs?: number;
  };
  /** How sync requests are sealed (boot epoch, the vehicle's signature); default unsigned without boot epoch. */
  seal?: EnvelopeSealer;
}

export interface RsuLinkCounters {
  /** Copies received per path, before any check. */
  receivedPerPath: Partial<Record<TransportKind, number>>;
  decodeErrors: number;
  /** Dropped because past their envelope expiry on arrival (stale perception is never used). */
  expired: number;
  /** A frame on this RSU's topic that claims another source. */
  wrongSource: number;
  syncRequestsSent: number;
  syncResponses: number;
  advisories: number;
  advisoriesExpired: number;
  /** Frames dropped undecoded while the RSU was out of range (shared/link/relevance.ts). */
  outOfRange: number;
  /** Advisories dropped undecoded while the RSU was out of range. */
  advisoriesOutOfRange: number;
  /**
   * Validation after decoding, per reason (shared/wire/validate.ts): whole messages rejected (tooLarge before
   * decoding, nonFinite, implausible, tooManyObjects, future, poseMismatch), objects dropped (nonFinite,
   * implausible, tooFar)
   * and covariances repaired (covarianceRepaired); also 'undecodable'; and authentication (shared/auth/
   * authenticate.ts: unsigned, unknownKey, badSignature, malformedSignature, misBound, replayed, stale), for
   * frames, advisories and sync responses alike. Absent until the first one.
   */
  rejected?: Record<string, number>;
}

/** Sync requests sent quickly at start so the offset is known within ~0.5 s, then every syncIntervalMs. */
const SYNC_BURST = { count: 5, intervalMs: 100 };

export class RsuLink {
  readonly monitor: LinkMonitor;
  readonly dedupe: DedupeStats = createDedupeStats();
  readonly counters: RsuLinkCounters = {
    receivedPerPath: {}, decodeErrors: 0, expired: 0, wrongSource: 0, syncRequestsSent: 0, syncResponses: 0,
    advisories: 0, advisoriesExpired: 0, outOfRange: 0, advisoriesOutOfRange: 0,
  };
  private inRange = true;
  /** Planning advisories for this vehicle, first copy of each (boot epoch, sequence), unexpired. Hot while subscribed. */
  readonly advisories$: Observable<AdvisoryArrival>;
  /** First copy of each advisory, by (boot epoch, sequence): an RSU restart starts a later boot epoch. */
  private readonly advisoryGate = new SequenceGate();
  private readonly replay: ReplayGuard;
  /** De-duplicated, unexpired frames of this RSU, in arrival order. Hot while start()ed. */
  readonly frames$: Observable<RoadsideArrival>;
  private readonly pendingSync = new Map<number, number>();
  private syncSequence = 0;
  private readonly rejections = new RejectionLog();
  private readonly limits: Readonly<WireLimits>;

  constructor(
    private readonly opts: RsuLinkOptions,
    private readonly paths: readonly Transport[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.limits = { ...DEFAULT_WIRE_LIMITS, ...opts.wireLimits };
    this.replay = new ReplayGuard((opts.auth?.maxAgeMs ?? 10_000) * 1e6);
    this.monitor = new LinkMonitor({
      sourceId: opts.rsuId, staleAfterMs: opts.staleAfterMs, latencyWindowMs: opts.latencyWindowMs,
    });
    const topic = frameTopic(opts.region, opts.rsuId);
    this.frames$ = merge(...paths.map((t) => t.subscribe(topic))).pipe(
      mergeMap((m) => this.accept(m)),
      dedupeFrames<RoadsideArrival>({
        key: (a) => a.frame, transport: (a) => a.transport, receivedAtNs: (a) => a.receivedAtNs, stats: this.dedupe,
      }),
      share(),
    );
    const advTopic = advisoryTopic(opts.region, opts.rsuId, opts.vehicleId);
    this.advisories$ = merge(...paths.map((t) => t.subscribe(advTopic))).pipe(
      mergeMap((m) => this.acceptAdvisory(m)),
      share(),
    );
  }

  /** Whether this RSU is near enough to listen to (the pipeline sets it from RsuRelevance); true by default. */
  get relevant(): boolean {
    return this.inRange;
  }

  setRelevant(relevant: boolean): void {
    this.inRange = relevant;
  }

  private acceptAdvisory(m: Message): AdvisoryArrival[] {
    if (!this.inRange) {
      this.counters.advisoriesOutOfRange++;
      return [];
    }
    try {
      const e = this.decodeChecked(m, 'advisory');
      if (!e || e.payload.kind !== 'advisory') return [];
      const advisory = e.payload.advisory;
      if (advisory.rsuId !== this.opts.rsuId) return [];
      // Late copies (the other path's) are dropped; one that resynchronises the gate is taken (SequenceGate).
      const newer = this.advisoryGate.isNewer(e.bootEpochNs, advisory.sequence);
      if (!newer && !this.advisoryGate.accept(e.bootEpochNs, advisory.sequence)) return [];
      const offsetNs = this.monitor.clockOffsetNs() ?? 0;
      if (advisory.validUntilNs < m.receivedAtNs + offsetNs) {
        this.counters.advisoriesExpired++;
        return [];
      }
      if (newer) this.advisoryGate.accept(e.bootEpochNs, advisory.sequence);
      this.counters.advisories++;
      return [{ advisory, receivedAtNs: m.receivedAtNs, offsetNs }];
    } catch (err) {
      this.noteRejection({ reason: 'undecodable', detail: (err as Error).message }, 'advisory', m);
      return [];
    }
  }

  /**
   * Size-checked, decoded and validated (shared/wire/validate.ts) envelope of the expected kind; null when
   * rejected (counted). Throws on undecodable bytes or another kind.
   */
  private decodeChecked(m: Message, kind: 'frame' | 'advisory'): Envelope | null {
    const tooLarge = checkSize(m.payload, this.limits);
    if (tooLarge) {
      this.noteRejection(tooLarge, kind, m);
      return null;
    }
    // Signature before decoding: a forged message costs a signature check, not a decode.
    const key = this.signer(m, kind);
    if (key === false) return null;
    const e = decodeEnvelope(m.payload);
    if (e.payload.kind !== kind) throw new Error(`expected ${kind === 'frame' ? 'a frame' : 'an advisory'}, got ${e.payload.kind}`);
    const nowSenderNs = m.receivedAtNs + (this.monitor.clockOffsetNs() ?? 0);
    const v = validateEnvelope(e, {
      nowSenderNs, offsetUncertaintyNs: this.monitor.clockUncertaintyNs(), senderPosition: this.opts.rsuPosition,
    }, this.limits);
    for (const issue of v.issues) this.noteRejection(issue, kind, m);
    if (!v.envelope || !key) return v.envelope;
    const p = v.envelope.payload;
    const [claimed, sequence, timeNs] = p.kind === 'frame'
      ? [p.frame.sourceId, p.frame.sequence, p.frame.captureTimeNs]
      : p.kind === 'advisory' ? [p.advisory.rsuId, p.advisory.sequence, p.advisory.issueTimeNs] : ['', 0, 0];
    const bad = checkBinding(key, this.opts.rsuId, [e.senderId, claimed])
      ?? this.replay.check({
        keyId: key.keyId, stream: kind, path: m.transport, bootEpochNs: e.bootEpochNs, sequence, timeNs, nowSenderNs,
      });
    if (bad) {
      this.noteRejection(bad, kind, m);
      return null;
    }
    return v.envelope;
  }

  /**
   * The trusted key that signed the message, null when unsigned and allowed (no trust store, or signatures not
   * required), false when rejected (counted).
   */
  private signer(m: Message, kind: string): TrustedKey | null | false {
    const auth = this.opts.auth;
    if (!auth) return null;
    const c = checkSignature(m.payload, auth);
    if ('rejection' in c) {
      this.noteRejection(c.rejection, kind, m);
      return false;
    }
    return c.key;
  }

  /** Counts a rejection (undecodable ones also as decodeErrors); logs one summary line per reason per interval. */
  private noteRejection(r: { reason: Rejection['reason'] | AuthRejection['reason'] | 'undecodable'; detail: string }, kind: string, m: Message): void {
    if (r.reason === 'undecodable') this.counters.decodeErrors++;
    const line = this.rejections.note(`${r.reason}`, `${kind}: ${r.detail}`, m.receivedAtNs / 1e6);
    this.counters.rejected = this.rejections.counts;
    if (line) {
      this.log.warn({ rsu: this.opts.rsuId, reason: line.reason, count: line.count, last: line.detail, transport: m.transport },
        'received message rejected');
    }
  }

  /** The transports this link receives on (for sending intents back). */
  get transports(): readonly Transport[] {
    return this.paths;
  }

  /** Decode, check and measure one received copy; [] when it must be dropped. */
  private accept(m: Message): RoadsideArrival[] {
    const perPath = this.counters.receivedPerPath;
    perPath[m.transport] = (perPath[m.transport] ?? 0) + 1;
    // Before decoding: an RSU out of range costs no more than receiving its bytes.
    if (!this.inRange) {
      this.counters.outOfRange++;
      return [];
    }
    let frame: PerceptionFrame;
    let expiresAtNs: number;
    try {
      // Validated before the link monitor sees it: a frame stamped in the future must not make the link look fresh.
      const e = this.decodeChecked(m, 'frame');
      if (!e || e.payload.kind !== 'frame') return [];
      frame = e.payload.frame;
      expiresAtNs = e.expiresAtNs;
    } catch (err) {
      this.noteRejection({ reason: 'undecodable', detail: (err as Error).message }, 'frame', m);
      return [];
    }
    if (frame.sourceId !== this.opts.rsuId) {
      this.counters.wrongSource++;
      return [];
    }
    const offsetNs = this.monitor.clockOffsetNs() ?? 0;
    // Measured before the expiry check, so that a link that only delivers stale frames shows its real latency.
    this.monitor.onFrame({
      sourceId: frame.sourceId, sequence: frame.sequence, captureTimeNs: frame.captureTimeNs,
      publishTimeNs: frame.publishTimeNs, receivedAtNs: m.receivedAtNs, transport: m.transport,
    });
    if (isExpired({ expiresAtNs }, m.receivedAtNs + offsetNs)) {
      this.counters.expired++;
      return [];
    }
    return [{ frame, receivedAtNs: m.receivedAtNs, transport: m.transport, offsetNs }];
  }

  /** Starts clock sync (frames flow to whoever subscribes frames$). */
  startSync(): Subscription {
    const subs = new Subscription();
    const responses = this.paths.map((t) => t.subscribe(syncResponseTopic(this.opts.region, this.opts.rsuId, this.opts.vehicleId)));
    subs.add(merge(...responses).subscribe((m) => this.onSyncResponse(m)));
    const ticks$ = concat(
      timer(0, SYNC_BURST.intervalMs, this.scheduler).pipe(take(SYNC_BURST.count)),
      interval(this.opts.syncIntervalMs, this.scheduler),
    );
    subs.add(ticks$.subscribe(() => this.sendSyncRequests()));
    return subs;
  }

  private sendSyncRequests(): void {
    const topic = syncRequestTopic(this.opts.region, this.opts.rsuId);
    for (const t of this.paths) {
      const seq = (this.syncSequence = (this.syncSequence + 1) >>> 0);
      const t1Ns = this.clock.nowNs();
      this.pendingSync.set(seq, t1Ns);
      const bytes = (this.opts.seal ?? encodeEnvelope)({
        senderId: this.opts.vehicleId,
        payload: { kind: 'syncRequest', syncRequest: buildSyncRequest(this.opts.vehicleId, seq, t1Ns) },
      });
      this.counters.syncRequestsSent++;
      t.publish(topic, bytes, DEFAULT_DELIVERY.syncRequest).catch((err: unknown) => {
        this.log.debug({ err }, 'sync request not sent');
      });
    }
    // Forget requests that were never answered (lost) after 10 s.
    const horizonNs = this.clock.nowNs() - 10e9;
    for (const [seq, t1] of this.pendingSync) if (t1 < horizonNs) this.pendingSync.delete(seq);
  }

  private onSyncResponse(m: Message): void {
    try {
      if (checkSize(m.payload, this.limits)) throw new Error(`${m.payload.length} bytes: too large`);
      // A forged response would shift the clock offset: only the RSU's key may answer (no replay window needed:
      // a response must echo the t1 of a request still pending, and is used once).
      const key = this.signer(m, 'sync response');
      if (key === false) return;
      const e = decodeEnvelope(m.payload);
      if (e.payload.kind !== 'syncResponse') return;
      const v = validateEnvelope(e, { nowSenderNs: 0, offsetUncertaintyNs: null }, this.limits);
      if (!v.envelope) throw new Error(v.issues.map((i) => i.detail).join('; '));
      const r = e.payload.syncResponse;
      const misBound = key && checkBinding(key, this.opts.rsuId, [e.senderId, r.serverId]);
      if (misBound) {
        this.noteRejection(misBound, 'sync response', m);
        return;
      }
      const t1 = this.pendingSync.get(r.sequence);
      if (t1 === undefined || t1 !== r.t1Ns || r.clientId !== this.opts.vehicleId) return;
      this.pendingSync.delete(r.sequence);
      this.counters.syncResponses++;
      this.monitor.onSync(r.t1Ns, r.t2Ns, r.t3Ns, m.receivedAtNs);
    } catch (err) {
      this.noteRejection({ reason: 'undecodable', detail: (err as Error).message }, 'sync response', m);
    }
  }
}
