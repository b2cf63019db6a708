// Where a run's roadside pipelines get their tracked batches: computed inline when asked, or computed ahead on a
// worker thread (a second core) and taken synchronously as the virtual clock reaches them. The run on the main
// thread is synchronous (one RxJS virtual-time flush), so it cannot await messages: it takes them with
// receiveMessageOnPort and sleeps on a shared counter (Atomics.wait) in the rare case it has caught up with the
// worker. The worker also encodes each batch as the frame its pipeline will publish, so encoding runs on the second
// core too; the pipeline takes those bytes only for exactly that frame. The batches are the same either way
// (roadside-perception.ts), and so are the bytes, so a run's outputs are too. The worker stays at most
// MAX_CHUNKS_AHEAD seconds of virtual time ahead of the run (perception-job.ts), so memory stays bounded.
import { receiveMessageOnPort } from 'node:worker_threads';
import { frameEnvelope } from '../../roadside/frames.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { TruthTimeline } from '../world/truth.js';
import { captureMs, simTimeNs } from './sim-clock.js';
import { RoadsidePerception, type PerceivedCapture, type PerceptionSpec } from './roadside-perception.js';
import { simRoadsideOptions } from './run-config.js';
import { EgoSensing } from './ego-sensing.js';
import type { TruthFrame } from '../metrics/scoring.js';
import { unpackChunk, type PackedChunk } from './chunk-codec.js';
import { SIGNAL } from './perception-job.js';
import { startPerceptionJob, type PerceptionLease } from './perception-pool.js';

export interface PerceptionFeed {
  /** RSU i's tracked batch of capture k (each RSU's in increasing k; only active captures: rsu-activity.ts). */
  next(i: number, captureK: number): DetectionBatch;
  /** The vehicle's own sensor's next batch. */
  nextOwn(): DetectionBatch;
  /** The truth side of scoring the vehicle frame captured then, if computed ahead (else the scorer computes it). */
  truthFrame(captureTimeNs: number): TruthFrame | undefined;
  /**
   * RSU i's frame encoder: the bytes encoded ahead for the frame of the batch it was last given, when the frame
   * is exactly the one they were encoded for (else it encodes, as the pipeline would). Undefined: the default.
   */
  frameEncoder(i: number): ((frame: PerceptionFrame) => Uint8Array) | undefined;
  close(): void;
  /** Computed on a worker that had served an earlier run of this process (perception-pool.ts). */
  readonly warmWorker: boolean;
  /** Frames whose bytes came encoded ahead, and frames encoded here. */
  readonly encodedAhead: number;
  readonly encodedHere: number;
}

/**
 * What the worker posts: for each capture instant, every RSU's capture, and the vehicle's own capture with the truth
 * side of its score (until the own sensor's last capture), packed (chunk-codec.ts); or why it stopped.
 */
export type PerceptionChunk = PackedChunk | { error: string };

/** A worker that says nothing for this long has died (its error event cannot reach a blocked main thread). */
const WORKER_SILENCE_LIMIT_MS = 60_000;

export function inlinePerception(spec: PerceptionSpec, truth: TruthTimeline): PerceptionFeed {
  const perception = new RoadsidePerception(spec, truth);
  const own = new EgoSensing(spec.scenario, spec.seed, truth);
  return {
    next: (i, k) => perception.next(i, k).batch, nextOwn: () => own.next(), truthFrame: () => undefined,
    frameEncoder: () => undefined, close: () => undefined, warmWorker: false, encodedAhead: 0, encodedHere: 0,
  };
}

export function workerPerception(spec: PerceptionSpec): PerceptionFeed {
  return new WorkerFeed(spec);
}

class WorkerFeed implements PerceptionFeed {
  private readonly job: PerceptionLease;
  /** Per RSU, the captures received and not yet taken (from head on), and the last one taken. */
  private readonly queues: Array<Array<PerceivedCapture | undefined>>;
  private readonly heads: number[];
  private readonly taken: Array<PerceivedCapture | undefined>;
  private readonly own: Array<DetectionBatch | undefined> = [];
  private ownHead = 0;
  private readonly truth = new Map<number, TruthFrame>();
  encodedAhead = 0;
  encodedHere = 0;

  constructor(private readonly spec: PerceptionSpec) {
    this.queues = spec.scenario.rsus.map(() => []);
    this.heads = spec.scenario.rsus.map(() => 0);
    this.taken = spec.scenario.rsus.map(() => undefined);
    this.job = startPerceptionJob(spec);
  }

  get warmWorker(): boolean {
    return this.job.warm;
  }

  next(i: number, captureK: number): DetectionBatch {
    while (this.heads[i]! >= this.queues[i]!.length) this.receive();
    const capture = this.queues[i]![this.heads[i]!]!;
    // The worker and the run decide activity with the same function; a mismatch would pair wrong batches silently.
    if (capture.batch.captureTimeNs !== simTimeNs(captureMs(this.spec.scenario, this.spec.rsuPhaseMs, captureK))) {
      throw new Error(`perception worker out of step: RSU ${i} capture ${captureK}`);
    }
    // Drop the reference: a long run would otherwise keep every batch alive.
    this.queues[i]![this.heads[i]!++] = undefined;
    this.taken[i] = capture;
    return capture.batch;
  }

  nextOwn(): DetectionBatch {
    while (this.ownHead >= this.own.length) this.receive();
    const batch = this.own[this.ownHead]!;
    this.own[this.ownHead++] = undefined;
    return batch;
  }

  truthFrame(captureTimeNs: number): TruthFrame | undefined {
    // Posted with the own capture of that instant, so here by the time the vehicle has a frame to score.
    const f = this.truth.get(captureTimeNs);
    this.truth.delete(captureTimeNs);
    return f;
  }

  frameEncoder(i: number): (frame: PerceptionFrame) => Uint8Array {
    const o = simRoadsideOptions(this.spec.scenario, i);
    return (frame) => {
      const c = this.taken[i];
      const e = c?.encoded;
      // The same objects (by identity: the batch handed out), sequence and publish time as assumed ahead; the
      // rest of the frame is the RSU's fixed identity, the same on both sides (simRoadsideOptions).
      if (c && e && frame.objects === c.batch.objects && frame.sequence === e.sequence &&
        frame.publishTimeNs === e.publishTimeNs && frame.captureTimeNs === c.batch.captureTimeNs) {
        this.encodedAhead++;
        return e.bytes;
      }
      this.encodedHere++;
      return frameEnvelope(o.rsuId, o.frameValidityMs, frame);
    };
  }

  close(): void {
    this.job.release();
  }

  private receive(): void {
    for (;;) {
      const seen = Atomics.load(this.job.signal, SIGNAL.chunks);
      const m = receiveMessageOnPort(this.job.port);
      if (m) {
        const message = m.message as PerceptionChunk;
        if ('error' in message) throw new Error(`roadside perception worker failed: ${message.error}`);
        const chunk = unpackChunk(message);
        Atomics.add(this.job.signal, SIGNAL.taken, 1);
        Atomics.notify(this.job.signal, SIGNAL.taken);
        for (const instant of chunk.captures) {
          for (let i = 0; i < instant.length; i++) if (instant[i] !== undefined) this.queues[i]!.push(instant[i]);
        }
        this.own.push(...chunk.own);
        for (const f of chunk.truth) this.truth.set(f.captureTimeNs, f);
        return;
      }
      if (Atomics.wait(this.job.signal, SIGNAL.chunks, seen, WORKER_SILENCE_LIMIT_MS) === 'timed-out') {
        throw new Error(`roadside perception worker sent nothing for ${WORKER_SILENCE_LIMIT_MS / 1000} s (did it fail to start?)`);
      }
    }
  }
}
