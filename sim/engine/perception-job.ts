// What the main thread hands a perception worker for one run, and the slots of the run's shared signal. Its own
// module so that both sides import it without loading the other side's code.
import type { MessagePort } from 'node:worker_threads';
import type { PerceptionSpec } from './roadside-perception.js';

export interface PerceptionJob {
  spec: PerceptionSpec;
  /** Chunks go here (perception-feed.ts: PerceptionChunk). */
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer of SIGNAL_SLOTS slots. */
  signal: Int32Array;
}

/** Slots of a job's shared signal. */
export const SIGNAL = {
  /** Bumped (and notified) after each chunk posted: the main thread sleeps on it when it has caught up. */
  chunks: 0,
  /** Set by the main thread when the run no longer wants chunks (it ended, or failed): the worker stops early. */
  cancel: 1,
  /** Set (and notified) by the worker when it has left the job: it may take the next one. */
  done: 2,
  /** Chunks the main thread has taken (and notified): the worker stays at most MAX_CHUNKS_AHEAD ahead of it. */
  taken: 3,
} as const;
export const SIGNAL_SLOTS = 4;

/**
 * How far the worker may run ahead of the run, in chunks (a chunk is a second of virtual time): enough that the
 * main thread does not wait in a steady run, bounded so that a long scenario does not pile up in memory.
 */
export const MAX_CHUNKS_AHEAD = 16;
