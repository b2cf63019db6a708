// `iaad roadside|vehicle --record`: the MCAP file a process writes what it receives and sends to, opened with
// its metadata, and closed into the end-of-run summary.
import type { Clock } from '../time/clock.js';
import type { Transport } from '../transport/types.js';
import { ProcessRecorder, RecordingTransport } from './process-recorder.js';
import { McapRecorder } from './recorder.js';

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
