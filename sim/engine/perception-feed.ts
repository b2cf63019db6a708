// Where a run's roadside pipelines get their tracked batches: computed inline when asked, or computed ahead on a
// worker thread (a second core) and taken synchronously as the virtual clock reaches them. The run on the main
// thread is synchronous (one RxJS virtual-time flush), so it cannot await messages: it takes them with
// receiveMessageOnPort and sleeps on a shared counter (Atomics.wait) in the rare case it has caught up with the
// worker. The batches are the same either way (roadside-perception.ts), so a run's outputs are too.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { TruthTimeline } from '../world/truth.js';
import { RoadsidePerception, type PerceptionSpec } from './roadside-perception.js';
import { startEngineWorker } from './workers.js';

export interface PerceptionFeed {
  /** RSU i's next tracked batch. */
  next(i: number): DetectionBatch;
  close(): void;
}

/** What the worker posts: for each capture instant, every RSU's batch; or why it stopped. */
export type PerceptionChunk = { captures: DetectionBatch[][] } | { error: string };

/** A worker that says nothing for this long has died (its error event cannot reach a blocked main thread). */
const WORKER_SILENCE_LIMIT_MS = 60_000;

export function inlinePerception(spec: PerceptionSpec, truth: TruthTimeline): PerceptionFeed {
  const perception = new RoadsidePerception(spec, truth);
  return { next: (i) => perception.next(i), close: () => undefined };
}

export function workerPerception(spec: PerceptionSpec): PerceptionFeed {
  return new WorkerFeed(spec);
}

class WorkerFeed implements PerceptionFeed {
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  /** Per RSU, the batches received and not yet taken (from head on). */
  private readonly queues: DetectionBatch[][];
  private readonly heads: number[];

  constructor(spec: PerceptionSpec) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.queues = spec.scenario.rsus.map(() => []);
    this.heads = spec.scenario.rsus.map(() => 0);
    this.worker = startEngineWorker('perception-worker', { spec, port: port2, signal: this.signal }, [port2]);
    this.worker.unref();
  }

  next(i: number): DetectionBatch {
    while (this.heads[i]! >= this.queues[i]!.length) this.receive();
    const batch = this.queues[i]![this.heads[i]!]!;
    // Drop the reference: a long run would otherwise keep every batch alive.
    (this.queues[i]! as Array<DetectionBatch | undefined>)[this.heads[i]!++] = undefined;
    return batch;
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private receive(): void {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const m = receiveMessageOnPort(this.port);
      if (m) {
        const chunk = m.message as PerceptionChunk;
        if ('error' in chunk) throw new Error(`roadside perception worker failed: ${chunk.error}`);
        for (const capture of chunk.captures) capture.forEach((b, i) => this.queues[i]!.push(b));
        return;
      }
      if (Atomics.wait(this.signal, 0, seen, WORKER_SILENCE_LIMIT_MS) === 'timed-out') {
        throw new Error(`roadside perception worker sent nothing for ${WORKER_SILENCE_LIMIT_MS / 1000} s (did it fail to start?)`);
      }
    }
  }
}
