// What `iaad roadside|vehicle` put around their transports for --impair and --record: the userspace impairment
// layer on what the process receives (the kernel here has no netem), and the recorder. Loaded only when one of
// those flags is given, so a plain process never loads the simulator or the MCAP writer.
import { asyncScheduler } from 'rxjs';
import { McapRecorder } from '../../shared/record/recorder.js';
import type { Clock } from '../../shared/time/clock.js';
import type { Transport } from '../../shared/transport/types.js';
import { ImpairedTransport } from '../network/impaired-transport.js';
import { parseNetworkSpec, type NetworkContext } from '../network/models.js';
import { Rng } from '../world/rng.js';
import { ProcessRecorder, RecordingTransport } from './recording.js';

export { ProcessRecorder, RecordingTransport } from './recording.js';
export { metadataFromEnv, roadsideMetadata, vehicleMetadata } from './metadata.js';

export interface ImpairArg {
  /** Network spec (docs/network-models.md). */
  spec: string;
  /** Seeds the model's randomness: the same seed, the same draws for the same message sequence. */
  seed: number;
}

/** Seed of `--impair SPEC` without one: fixed, so a run is repeatable unless told otherwise. */
export const DEFAULT_IMPAIR_SEED = 1;

/** `--impair` value: `SPEC` or `seed=N;SPEC`. The spec is parsed once here so a bad one fails at start. */
export function parseImpairArg(arg: string): ImpairArg {
  const m = /^\s*seed=(\d+)\s*;(.*)$/.exec(arg);
  const spec = (m ? m[2]! : arg).trim();
  parseNetworkSpec(spec);
  return { spec, seed: m ? Number(m[1]) : DEFAULT_IMPAIR_SEED };
}

/**
 * Throws unless the spec can be sampled without knowing where the ego is: a roadside process impairs its
 * uplink but has no ego position, which position- and route-indexed traces need.
 */
export function requireEgoFree(a: ImpairArg): void {
  try {
    parseNetworkSpec(a.spec).sample(0, { sizeBytes: 1000, streamId: 'probe' }, new Rng(0));
  } catch (err) {
    throw new Error(`--impair "${a.spec}": ${(err as Error).message}; a roadside process does not know the ego's position (use a time-indexed or parametric model)`);
  }
}

export interface ImpairOptions {
  /** Distinct per wrapped transport: each path draws from its own stream. */
  stream: number;
  clock: Clock;
  /** Time 0 of time-indexed traces and outage windows, ns (the aligned scenario start when there is one). */
  runStartNs: number;
  context?: () => NetworkContext;
}

/** Delays or drops what `t` delivers, on the wall clock; publishing is untouched (the peer impairs its side). */
export function impair(t: Transport, a: ImpairArg, o: ImpairOptions): Transport {
  return new ImpairedTransport(t, {
    model: parseNetworkSpec(a.spec, { runStartNs: o.runStartNs }), scheduler: asyncScheduler, clock: o.clock,
    rng: new Rng(a.seed).fork(o.stream), ...(o.context ? { context: o.context } : {}),
  });
}

export interface OpenedProcessRecording {
  recorder: McapRecorder;
  process: ProcessRecorder;
  /** Wraps a transport so that what arrives on it and what is published on it are recorded. */
  wrap(t: Transport): Transport;
}

/** Opens the file (refusing to replace an existing one: field data is precious) with its metadata. */
export async function openProcessRecording(path: string, clock: Clock, metadata: Record<string, string>): Promise<OpenedProcessRecording> {
  const recorder = await McapRecorder.open(path, { profile: 'iaad', metadata });
  const proc = new ProcessRecorder(recorder, clock);
  return { recorder, process: proc, wrap: (t) => new RecordingTransport(t, proc, { rx: true, tx: true }) };
}

export interface RecordingSummary {
  path: string;
  /** Messages written; -1 when closing failed (the file is incomplete). */
  recorded: number;
  errors: number;
  lastError: string | null;
}

/** Closes a process recording for its end-of-run summary; a failed close is logged and reported, never thrown. */
export async function closeProcessRecording(
  recording: OpenedProcessRecording, log: { error(obj: object, msg: string): void },
): Promise<RecordingSummary> {
  try {
    const c = await recording.recorder.close();
    return { path: recording.recorder.path, recorded: c.recorded, errors: c.errors, lastError: c.lastError };
  } catch (err) {
    log.error({ err: (err as Error).message }, 'recording incomplete');
    return { path: recording.recorder.path, recorded: -1, errors: -1, lastError: (err as Error).message };
  }
}
