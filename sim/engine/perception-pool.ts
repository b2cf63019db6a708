// The process's perception workers (perception-worker.ts), kept between runs. A worker's first run pays for
// starting the thread and for JIT-compiling the sensors, trackers, encoder and planner (several seconds of a
// 3-minute run); later runs of the process (a compare with --jobs 1, a benchmark, a test suite) reuse the warm one.
// Idle workers are unref'd: they never keep the process alive.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { PerceptionSpec } from './roadside-perception.js';
import { SIGNAL, SIGNAL_SLOTS, type PerceptionJob } from './perception-job.js';
import { startEngineWorker } from './workers.js';

/** Idle workers kept at most (a process runs one virtual-time run at a time per thread). */
const MAX_IDLE = 2;
/** How long a new run waits for a cancelled job to stop (the worker finishes its current chunk first), ms. */
const CANCEL_WAIT_MS = 5_000;

interface PooledWorker {
  worker: Worker;
  /** Jobs it has taken, this one included. */
  jobs: number;
  exited: boolean;
  /** The signal of its last job (its `done` slot says when it is free). */
  signal: Int32Array | null;
}

const idle: PooledWorker[] = [];

/** A job running on a pooled worker; release() hands the worker back (cancelling the job if it still runs). */
export interface PerceptionLease {
  port: MessagePort;
  signal: Int32Array;
  /** The worker had run a job before this one (its code was compiled already). */
  warm: boolean;
  release(): void;
}

export function startPerceptionJob(spec: PerceptionSpec): PerceptionLease {
  const w = takeIdle() ?? newWorker();
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(SIGNAL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const job: PerceptionJob = { spec, port: port2, signal };
  w.worker.postMessage(job, [port2]);
  w.jobs++;
  w.signal = signal;
  let released = false;
  return {
    port: port1, signal, warm: w.jobs > 1,
    release: () => {
      if (released) return;
      released = true;
      Atomics.store(signal, SIGNAL.cancel, 1);
      // Wakes a worker held back by flow control, so that it sees the cancel at once.
      Atomics.notify(signal, SIGNAL.taken);
      port1.close();
      if (w.exited || idle.length >= MAX_IDLE) void w.worker.terminate();
      else idle.push(w);
    },
  };
}

function newWorker(): PooledWorker {
  const w: PooledWorker = { worker: startEngineWorker('perception-worker', {}), jobs: 0, exited: false, signal: null };
  w.worker.on('exit', () => { w.exited = true; });
  // An error ends the worker ('exit' follows); the run that used it has already failed on silence or on its message.
  w.worker.on('error', () => undefined);
  w.worker.unref();
  return w;
}

/** The most recently used idle worker that is alive and done with its last job (waiting briefly for a cancelled one). */
function takeIdle(): PooledWorker | undefined {
  for (let w = idle.pop(); w; w = idle.pop()) {
    const s = w.signal;
    const done = s === null || Atomics.load(s, SIGNAL.done) === 1 || Atomics.wait(s, SIGNAL.done, 0, CANCEL_WAIT_MS) !== 'timed-out';
    if (!w.exited && done) return w;
    void w.worker.terminate();
  }
  return undefined;
}
