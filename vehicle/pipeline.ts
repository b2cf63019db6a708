// The vehicle pipeline: own detections in; the freshest roadside frame of every RSU link kept; one output frame
// per own frame, published for the downstream planner. The fusion step is pluggable (pass-through until the
// fusion engine picks a method per frame).
import { Subscription, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { PerceptionFrame } from '../shared/model/types.js';
import type { DetectionBatch } from '../shared/sources/detections.js';
import type { Clock } from '../shared/time/clock.js';
import { TOPIC_ROOT, validateId, DEFAULT_DELIVERY } from '../shared/transport/topics.js';
import type { Transport } from '../shared/transport/types.js';
import { encodeEnvelope } from '../shared/wire/codec.js';
import type { RoadsideArrival, RsuLink } from './rsu-link.js';

/** Where the vehicle's output frames go on its local output socket. */
export const outputTopic = (vehicleId: string): string => `${TOPIC_ROOT}/vehicle/${validateId(vehicleId, 'vehicleId')}/fused`;

export interface VehicleOptions {
  vehicleId: string;
  mapFrame: string;
}

/** Turns the vehicle's own frame and the latest roadside data into the output frame. */
export type FusionStep = (own: PerceptionFrame, roadside: ReadonlyMap<string, RoadsideArrival>, nowNs: number) => PerceptionFrame;

export const passThrough: FusionStep = (own) => own;

export interface VehicleCounters {
  ownFrames: number;
  outputFrames: number;
  roadsideFrames: number;
  outputErrors: number;
  /** Capture of the own frame to output publish, ms, per output frame (kept for the summary's quantiles). */
  e2eLatencyMs: number[];
}

export interface VehicleHandle {
  counters: VehicleCounters;
  latestRoadside: ReadonlyMap<string, RoadsideArrival>;
  stop(): Promise<void>;
}

const MAX_LATENCY_SAMPLES = 100_000;

export function startVehicle(
  opts: VehicleOptions,
  own$: Observable<DetectionBatch>,
  links: readonly RsuLink[],
  output: Transport | null,
  clock: Clock,
  log: Logger,
  fuse: FusionStep = passThrough,
): VehicleHandle {
  const counters: VehicleCounters = { ownFrames: 0, outputFrames: 0, roadsideFrames: 0, outputErrors: 0, e2eLatencyMs: [] };
  const latest = new Map<string, RoadsideArrival>();
  const subs = new Subscription();
  const pending = new Set<Promise<void>>();
  const topic = outputTopic(opts.vehicleId);
  let sequence = 0;

  for (const link of links) {
    subs.add(link.startSync());
    subs.add(link.frames$.subscribe((a) => {
      counters.roadsideFrames++;
      latest.set(a.frame.sourceId, a);
    }));
  }

  subs.add(own$.subscribe({
    next: (batch) => {
      counters.ownFrames++;
      const own: PerceptionFrame = {
        sourceId: opts.vehicleId, sourceKind: 'vehicle', sequence: sequence++, captureTimeNs: batch.captureTimeNs,
        publishTimeNs: 0, mapFrame: opts.mapFrame,
        sensorPose: batch.ego?.pose ?? { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 },
        objects: batch.objects,
      };
      const out = fuse(own, latest, clock.nowNs());
      out.publishTimeNs = clock.nowNs();
      counters.outputFrames++;
      if (counters.e2eLatencyMs.length < MAX_LATENCY_SAMPLES) {
        counters.e2eLatencyMs.push((out.publishTimeNs - own.captureTimeNs) / 1e6);
      }
      if (output) {
        const bytes = encodeEnvelope({ senderId: opts.vehicleId, payload: { kind: 'frame', frame: out } });
        const p = output.publish(topic, bytes, DEFAULT_DELIVERY.frame).catch((err: unknown) => {
          counters.outputErrors++;
          log.warn({ err }, 'output publish failed');
        }).finally(() => pending.delete(p));
        pending.add(p);
      }
    },
    error: (err: unknown) => log.error({ err }, 'own detection source failed'),
  }));

  return {
    counters,
    latestRoadside: latest,
    async stop() {
      subs.unsubscribe();
      await Promise.all([...pending]);
    },
  };
}
