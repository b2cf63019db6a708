// Re-runs a vehicle's fusion on a recording, deterministically, in virtual time: the recorded arrivals ARE the
// network. Every rx message is delivered at its log time through in-memory transports into the same RsuLink /
// startVehicle / VehicleCore pipeline the vehicle ran; the vehicle's own timers (same-instant wait, clock-sync
// ticks) run on a VirtualTimeScheduler whose clock reads what the recording vehicle's clock read.
//
// Equal-time order. Live, the recorded log times are the vehicle's clock readings, and several events can share
// one (a virtual-time run's clock resolves 256 ns at its epoch; a same-instant wait can time out exactly when the
// next frame arrives). The recording keeps the live order of everything it logged (file order), including the
// vehicle's outputs, which mark its steps. So, per log time: rx messages logged before the first output at that
// time are delivered before the vehicle's timers due at that time; those logged after it, after those timers.
// With the recorded strategy this reproduces the live order exactly; with another one it is a fixed rule.
import { Subject, type VirtualTimeScheduler } from 'rxjs';
import { SimScheduler } from '../engine/sim-scheduler.js';
import { pino, type Logger } from 'pino';
import { fusedOutputChannel } from '../../shared/record/channels.js';
import { readAll, recordingInfo, type RecordedMessage, type RecordingInfo } from '../../shared/record/reader.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import { NetworkMap } from '../../shared/netmap/network-map.js';
import type { DetectionBatch, EgoState } from '../../shared/sources/detections.js';
import type { Clock } from '../../shared/time/clock.js';
import { advisoryTopic, frameTopic, syncResponseTopic } from '../../shared/transport/topics.js';
import type { TransportKind } from '../../shared/transport/types.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import { VehicleCore, type StrategyName, type VehicleStepResult } from '../../vehicle/core.js';
import { strategyDef } from '../../shared/fusion/strategies.js';
import { startVehicle, type VehicleCounters } from '../../vehicle/pipeline.js';
import { RsuLink } from '../../vehicle/rsu-link.js';
import { rsuRelevanceFor } from '../../shared/link/relevance.js';
import { parseFeedChannel, sentFrameRsu, type FeedChannel } from '../../shared/record/feed-channels.js';
import { describeRecording, type RecordingDescription } from './metadata.js';
import type { VehicleReplaySetup } from '../../shared/record/metadata.js';
import { ownBatch } from '../../shared/record/process-recorder.js';
import { ReplayTransport, SyncAnchors } from './replay-transport.js';

const NS_PER_MS = 1e6;
/** Topic region of the replay's links (the recording drops regions; any one works if used on both ends). */
const REPLAY_REGION = 'replay';
/** Timers still run this long after the last recorded message (the last frame's same-instant wait). */
const TAIL_NS = 1e9;

export interface LoadedRecording {
  path: string;
  info: RecordingInfo;
  description: RecordingDescription;
  /** Every message, log-time order, ties in recording order; bytes only (decoded where fed). */
  messages: RecordedMessage[];
  /** From the metadata, else inferred from the channels (a recording from another writer). */
  setup: VehicleReplaySetup;
  /** RSU frames the file says were sent (tx `/rsu/<id>/frame` channels, virtual-time recordings); null if none. */
  roadsideFramesSent: number | null;
}

export async function loadRecording(path: string): Promise<LoadedRecording> {
  const info = await recordingInfo(path);
  const description = describeRecording(info.metadata);
  if (description.role === 'roadside') throw new Error(`${path} is a roadside recording: a replay re-runs a vehicle's fusion`);
  const messages = await readAll(path, { decode: false });
  const sent = messages.filter((m) => m.direction === 'tx' && sentFrameRsu(m.channel) !== null).length;
  return {
    path, info, description, messages, setup: description.vehicle ?? inferSetup(messages),
    roadsideFramesSent: sent > 0 ? sent : null,
  };
}

/** A setup from the channels alone: the vehicle of the own channel, every RSU whose frames arrived, defaults. */
function inferSetup(messages: readonly RecordedMessage[]): VehicleReplaySetup {
  let vehicleId: string | undefined;
  let mapFrame = '';
  const captures: number[] = [];
  const rsus = new Map<string, string[]>();
  for (const m of messages) {
    const f = m.direction === 'rx' ? parseFeedChannel(m.channel) : null;
    if (!f) continue;
    if (f.kind === 'own') {
      vehicleId ??= f.vehicleId;
      try {
        const e = decodeEnvelope(m.bytes);
        if (e.payload.kind === 'frame') {
          mapFrame ||= e.payload.frame.mapFrame;
          captures.push(e.payload.frame.captureTimeNs);
        }
      } catch {
        // skipped here as in the replay
      }
    } else if (f.kind === 'frame') {
      const paths = rsus.get(f.rsuId!) ?? [];
      if (!paths.includes(f.transport)) paths.push(f.transport);
      rsus.set(f.rsuId!, paths);
    }
  }
  if (!vehicleId) throw new Error('the recording has no own frames (/vehicle/<id>/own@...): nothing to replay');
  const diffs = captures.slice(1).map((c, i) => c - captures[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  const periodMs = diffs.length ? Math.round(diffs[Math.floor(diffs.length / 2)]! / NS_PER_MS) : 100;
  return {
    vehicleId, mapFrame, framePeriodMs: periodMs > 0 ? periodMs : 100, intraWaitMs: 100,
    link: { staleAfterMs: 1000, latencyWindowMs: 2000, syncIntervalMs: 1000 },
    rsus: [...rsus].map(([id, paths]) => ({ id, paths })),
  };
}

/** Called after every replayed step, like startVehicle's observer, plus the core and the step's ego state. */
export type ReplayStepObserver = (
  own: PerceptionFrame, result: VehicleStepResult, outputTimeNs: number, core: VehicleCore, ego: EgoState | undefined,
) => void;

export interface ReplayOptions {
  /** Default: the recorded strategy (else adaptive, the vehicle's default). */
  strategy?: StrategyName;
  onStep?: ReplayStepObserver;
  log?: Logger;
}

export interface ReplayOutcome {
  strategy: StrategyName;
  counters: VehicleCounters;
  links: RsuLink[];
  /** Recorded messages delivered, by kind, and rx messages the replay does not use. */
  fed: Record<FeedChannel['kind'], number> & { unused: number; undecodable: number };
  /** Sync responses re-anchored to the replay's own requests (0 for virtual-time recordings). */
  syncReanchored: number;
}

const KINDS: readonly TransportKind[] = ['mqtt', 'zmq', 'memory'];
const asKind = (t: string): TransportKind => (KINDS as readonly string[]).includes(t) ? (t as TransportKind) : 'memory';

export function replay(rec: LoadedRecording, o: ReplayOptions = {}): ReplayOutcome {
  const setup = rec.setup;
  const strategy = o.strategy ?? rec.description.strategy ?? 'adaptive';
  const log = o.log ?? pino({ level: 'silent' });
  const first = rec.messages[0]?.logTimeNs;
  // The vehicle's timers count from when it started; the clock-sync ticks then fall where they fell live.
  const originNs = Math.min(rec.description.startedAtNs ?? first ?? 0, first ?? Infinity);
  const scheduler = new SimScheduler();
  const clockAt = (frameMs: number): number => originNs + Math.round(frameMs * NS_PER_MS);
  const clock: Clock = { nowNs: () => clockAt(scheduler.now()) };

  const anchors = new SyncAnchors();
  const transports = new Map<TransportKind, ReplayTransport>();
  const transport = (t: string): ReplayTransport => {
    const kind = asKind(t);
    let r = transports.get(kind);
    if (!r) transports.set(kind, (r = new ReplayTransport(kind, anchors)));
    return r;
  };
  const links = setup.rsus.map((r) => new RsuLink(
    { rsuId: r.id, region: REPLAY_REGION, vehicleId: setup.vehicleId, ...setup.link },
    r.paths.map(transport), clock, log, scheduler,
  ));
  const netmap = strategyDef(strategy).needsNetmap
    ? (rec.description.netmap ? NetworkMap.fromJSON(rec.description.netmap) : new NetworkMap({ mapFrame: setup.mapFrame }))
    : null;
  const core = new VehicleCore({
    vehicleId: setup.vehicleId, mapFrame: setup.mapFrame, strategy, ...(setup.route ? { route: setup.route } : {}), netmap,
    fusion: { vehicleFramePeriodMs: setup.framePeriodMs },
  });
  const own$ = new Subject<DetectionBatch>();
  const egoOfStep: Array<EgoState | undefined> = [];
  let steps = 0;
  // As live: only the RSUs near the ego, when the recording says the vehicle listened that way.
  const rsuRelevance = rsuRelevanceFor(setup.rsus, setup.rsuRelevance);
  const handle = startVehicle(
    {
      vehicleId: setup.vehicleId, mapFrame: setup.mapFrame, framePeriodMs: setup.framePeriodMs, intraWaitMs: setup.intraWaitMs, scheduler,
      ...(rsuRelevance ? { rsuRelevance } : {}),
    },
    own$, links, null, core, clock, log,
    (own, result, outputTimeNs) => o.onStep?.(own, result, outputTimeNs, core, egoOfStep[steps++]),
  );

  const fed = { frame: 0, advisory: 0, syncResponse: 0, own: 0, ego: 0, unused: 0, undecodable: 0 };
  const egoBySequence = new Map<number, EgoState>();
  const deliver = (m: RecordedMessage, f: FeedChannel): void => {
    switch (f.kind) {
      case 'frame':
        transport(f.transport).inject(frameTopic(REPLAY_REGION, f.rsuId!), m.bytes, m.logTimeNs);
        break;
      case 'advisory':
        transport(f.transport).inject(advisoryTopic(REPLAY_REGION, f.rsuId!, f.vehicleId!), m.bytes, m.logTimeNs);
        break;
      case 'syncResponse':
        transport(f.transport).inject(syncResponseTopic(REPLAY_REGION, f.rsuId!, f.vehicleId!), m.bytes, m.logTimeNs);
        break;
      case 'ego': {
        const e = tryDecode(m);
        if (e?.payload.kind !== 'intent') {
          fed.undecodable++;
          return;
        }
        egoBySequence.set(e.payload.intent.sequence, { pose: e.payload.intent.pose, speedMps: e.payload.intent.speedMps });
        break;
      }
      case 'own': {
        const e = tryDecode(m);
        if (e?.payload.kind !== 'frame' || f.vehicleId !== setup.vehicleId) {
          fed.undecodable++;
          return;
        }
        const ego = egoBySequence.get(e.payload.frame.sequence);
        egoBySequence.delete(e.payload.frame.sequence);
        const batch = ownBatch(e, null);
        if (ego) batch.ego = ego;
        egoOfStep.push(batch.ego);
        own$.next(batch);
        break;
      }
    }
    fed[f.kind]++;
  };

  const outputs = fusedOutputChannel(setup.vehicleId);
  const msgs = rec.messages;
  for (let i = 0; i < msgs.length;) {
    const logTimeNs = msgs[i]!.logTimeNs;
    let j = i;
    while (j < msgs.length && msgs[j]!.logTimeNs === logTimeNs) j++;
    const early: Array<[RecordedMessage, FeedChannel]> = [];
    const late: Array<[RecordedMessage, FeedChannel]> = [];
    let afterStep = false;
    for (let k = i; k < j; k++) {
      const m = msgs[k]!;
      if (m.channel === outputs) afterStep = true;
      if (m.direction !== 'rx') continue;
      const f = parseFeedChannel(m.channel);
      if (!f) fed.unused++;
      else (afterStep ? late : early).push([m, f]);
    }
    i = j;
    if (early.length + late.length === 0) continue;
    runWhile(scheduler, (due) => clockAt(due) < logTimeNs);
    const atMs = frameAt(logTimeNs, originNs, clockAt);
    scheduler.frame = atMs;
    for (const [m, f] of early) deliver(m, f);
    runWhile(scheduler, (due) => clockAt(due) <= logTimeNs);
    scheduler.frame = atMs;
    for (const [m, f] of late) deliver(m, f);
  }
  const lastNs = msgs.length ? msgs[msgs.length - 1]!.logTimeNs : originNs;
  runWhile(scheduler, (due) => clockAt(due) <= lastNs + TAIL_NS);
  own$.complete();
  void handle.stop();
  return { strategy, counters: handle.counters, links, fed, syncReanchored: anchors.rewritten };
}

function tryDecode(m: RecordedMessage) {
  try {
    return decodeEnvelope(m.bytes);
  } catch {
    return null;
  }
}

/**
 * The virtual frame (ms since origin) whose clock reading is logTimeNs. A virtual-time run's events fall on
 * whole microseconds (sensor periods and latencies, fixed delays), but its clock only resolves 256 ns at the
 * epoch, so the reading alone is ambiguous: prefer the whole-microsecond frame in that reading's bucket, which
 * puts own frames (whose same-instant waits are timed from their arrival) exactly where they were.
 */
export function frameAt(logTimeNs: number, originNs: number, clockAt: (frameMs: number) => number): number {
  const ns = logTimeNs - originNs;
  const us = Math.round(ns / 1000) * 1000;
  if (Math.abs(us - ns) <= 128 && clockAt(us / NS_PER_MS) === logTimeNs) return us / NS_PER_MS;
  return ns / NS_PER_MS;
}

/** Runs the scheduler's queued actions, in order, while their due frame satisfies `keep`. */
function runWhile(s: VirtualTimeScheduler, keep: (dueMs: number) => boolean): void {
  for (let a = s.actions[0]; a && keep(a.delay); a = s.actions[0]) {
    s.actions.shift();
    s.frame = a.delay;
    const error: unknown = a.execute(a.state, a.delay);
    if (error) {
      for (const rest of s.actions.splice(0)) rest.unsubscribe();
      throw error;
    }
  }
}
