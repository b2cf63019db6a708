// The vehicle pipeline: RSU links and own detections in; per own frame (after waiting briefly for a same-instant
// roadside frame when the core says it may pay off) the core picks the method, fuses and plans; the output
// frame goes to the downstream planner and due intents go to every RSU. RxJS wiring only: decisions are in
// core.ts, link measures in rsu-link.ts.
import { asyncScheduler, concatMap, filter, map, merge, of, race, Subscription, take, timer, type Observable,
  type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { PerceptionFrame } from '../shared/model/types.js';
import type { DetectionBatch } from '../shared/sources/detections.js';
import type { Clock } from '../shared/time/clock.js';
import { TOPIC_ROOT, validateId, DEFAULT_DELIVERY, intentTopic } from '../shared/transport/topics.js';
import type { Transport } from '../shared/transport/types.js';
import { encodeEnvelope } from '../shared/wire/codec.js';
import type { FusionMethod } from '../shared/fusion/types.js';
import type { VehicleCore, VehicleStepResult } from './core.js';
import type { RsuLink } from './rsu-link.js';
import type { RsuRelevance } from '../shared/link/relevance.js';
import type { EnvelopeSealer } from '../shared/auth/signed-envelope.js';

/** Where the vehicle's output frames go on its local output socket. */
export const outputTopic = (vehicleId: string): string => `${TOPIC_ROOT}/vehicle/${validateId(vehicleId, 'vehicleId')}/fused`;

export interface VehicleOptions {
  vehicleId: string;
  mapFrame: string;
  /** Own frame period, ms (100 at 10 Hz): a roadside frame within half of it is of the same instant. */
  framePeriodMs?: number;
  /** Longest wait for a same-instant roadside frame before fusing without it, ms. */
  intraWaitMs?: number;
  /** Listen only to the RSUs near the ego (from its own frames' poses); without it, to every link. */
  rsuRelevance?: RsuRelevance;
  scheduler?: SchedulerLike;
  /** How intents are sealed (boot epoch, the vehicle's signature: shared/auth); default unsigned. */
  seal?: EnvelopeSealer;
}

export interface VehicleCounters {
  ownFrames: number;
  outputFrames: number;
  roadsideFrames: number;
  advisories: number;
  intentsSent: number;
  outputErrors: number;
  /** Own frames fused per method. */
  methods: Record<FusionMethod, number>;
  methodSwitches: number;
  /** Frames that waited for a same-instant roadside frame, and how many of those it arrived for. */
  intraWaits: number;
  intraWaitHits: number;
  /** Capture of the own frame to output publish, ms, per output frame (kept for the summary's quantiles). */
  e2eLatencyMs: number[];
}

export interface VehicleHandle {
  counters: VehicleCounters;
  stop(): Promise<void>;
}

/** Called after every step: the simulator scores it, the process may record it. */
export type StepObserver = (own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number) => void;

const MAX_LATENCY_SAMPLES = 100_000;
const NS_PER_MS = 1e6;

export function startVehicle(
  opts: VehicleOptions,
  own$: Observable<DetectionBatch>,
  links: readonly RsuLink[],
  output: Transport | null,
  core: VehicleCore,
  clock: Clock,
  log: Logger,
  onStep?: StepObserver,
): VehicleHandle {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const intraWaitMs = opts.intraWaitMs ?? 100;
  const counters: VehicleCounters = {
    ownFrames: 0, outputFrames: 0, roadsideFrames: 0, advisories: 0, intentsSent: 0, outputErrors: 0,
    methods: { intra: 0, inter: 0, planning: 0, 'vehicle-only': 0 }, methodSwitches: 0,
    intraWaits: 0, intraWaitHits: 0, e2eLatencyMs: [],
  };
  const subs = new Subscription();
  const pending = new Set<Promise<void>>();
  const topic = outputTopic(opts.vehicleId);
  // One MQTT client may serve several RSU links: send each intent once per distinct transport.
  const uplinks = [...new Set(links.flatMap((l) => l.transports))];
  let sequence = 0;
  const egoOf = new Map<number, DetectionBatch['ego']>();

  const send = (t: Transport, topicName: string, bytes: Uint8Array, kind: 'frame' | 'intent'): void => {
    const p = t.publish(topicName, bytes, DEFAULT_DELIVERY[kind]).catch((err: unknown) => {
      counters.outputErrors++;
      log.warn({ err }, `${kind} publish failed`);
    }).finally(() => pending.delete(p));
    pending.add(p);
  };

  for (const link of links) {
    subs.add(link.startSync());
    subs.add(link.frames$.subscribe((a) => {
      counters.roadsideFrames++;
      core.onRoadsideFrame(a.frame, a.offsetNs, a.receivedAtNs);
    }));
    subs.add(link.advisories$.subscribe((a) => {
      counters.advisories++;
      core.onAdvisory(a.advisory, a.offsetNs);
    }));
  }

  // The links the vehicle listens to now: all of them, or those the relevance keeps (updated on each own frame).
  let listened: readonly RsuLink[] = links;
  const relevance = opts.rsuRelevance;
  const linkOf = new Map(links.map((l) => [l.monitor.sourceId, l]));
  const updateRelevance = (ego: DetectionBatch['ego']): void => {
    if (!relevance || !ego) return;
    const changes = relevance.update(ego.pose.xM, ego.pose.yM);
    if (changes.length === 0) return;
    for (const c of changes) {
      linkOf.get(c.rsuId)?.setRelevant(c.relevant);
      if (!c.relevant) core.forgetRsu(c.rsuId);
    }
    listened = links.filter((l) => l.relevant);
  };

  const periodNs = (opts.framePeriodMs ?? 100) * NS_PER_MS;
  const matches = (own: PerceptionFrame) => (a: { frame: PerceptionFrame; offsetNs: number }): boolean =>
    Math.abs(a.frame.captureTimeNs - a.offsetNs - own.captureTimeNs) <= periodNs / 2;

  /**
   * Completes when each RSU the core chose to wait for (under a fixed intra strategy every live link; under an
   * adaptive one those whose frame is likely to come in time and worth it) has delivered its frame of this instant,
   * or after the core's wait: fusing on the first RSU's arrival would leave the others' frames out of intra-frame
   * fusion.
   */
  const waitForSameInstant = (own: PerceptionFrame): Observable<unknown> => {
    if (listened.length === 0) return of(null);
    const wait = core.sameInstantWait(own, egoOf.get(own.sequence), listened.map((l) => l.monitor), clock.nowNs(), intraWaitMs);
    const complete = (): boolean => wait.rsuIds.every((id) => {
      const r = core.roadside.get(id);
      return r !== undefined && matches(own)(r.latest);
    });
    if (wait.waitMs <= 0 || complete()) return of(null);
    counters.intraWaits++;
    return race(
      merge(...listened.map((l) => l.frames$)).pipe(filter(complete), take(1), map(() => {
        counters.intraWaitHits++;
        return null;
      })),
      timer(wait.waitMs, scheduler),
    );
  };

  subs.add(own$.pipe(
    map((batch): PerceptionFrame => {
      counters.ownFrames++;
      const s = sequence++;
      egoOf.set(s, batch.ego);
      updateRelevance(batch.ego);
      return {
        sourceId: opts.vehicleId, sourceKind: 'vehicle', sequence: s, captureTimeNs: batch.captureTimeNs,
        publishTimeNs: 0, mapFrame: opts.mapFrame, sensorPose: batch.ego?.pose ?? { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 },
        objects: batch.objects,
      };
    }),
    concatMap((own) => waitForSameInstant(own).pipe(take(1), map(() => own))),
  ).subscribe({
    next: (own) => {
      const ego = egoOf.get(own.sequence);
      egoOf.delete(own.sequence);
      const nowNs = clock.nowNs();
      const result = core.step(own, ego, listened.map((l) => l.monitor.health(nowNs)), nowNs);
      counters.methods[result.method]++;
      if (result.switched) counters.methodSwitches++;
      const out = result.output;
      out.publishTimeNs = clock.nowNs();
      counters.outputFrames++;
      if (counters.e2eLatencyMs.length < MAX_LATENCY_SAMPLES) {
        counters.e2eLatencyMs.push((out.publishTimeNs - own.captureTimeNs) / NS_PER_MS);
      }
      if (output) send(output, topic, encodeEnvelope({ senderId: opts.vehicleId, payload: { kind: 'frame', frame: out } }), 'frame');
      if (result.intent) {
        const bytes = (opts.seal ?? encodeEnvelope)({ senderId: opts.vehicleId, payload: { kind: 'intent', intent: result.intent } });
        for (const t of uplinks) send(t, intentTopic(opts.vehicleId), bytes, 'intent');
        counters.intentsSent++;
      }
      onStep?.(own, result, out.publishTimeNs);
    },
    error: (err: unknown) => log.error({ err }, 'own detection source failed'),
  }));

  return {
    counters,
    async stop() {
      subs.unsubscribe();
      await Promise.all([...pending]);
    },
  };
}
