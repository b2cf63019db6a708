// Opens the detection source a config names.
import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import { resolveFrom } from '../config/load.js';
import type { SourceConfig } from '../config/schemas.js';
import type { Clock } from '../time/clock.js';
import type { DetectionBatch } from './detections.js';
import { readTrace, replayTrace } from './trace.js';
import { zmqIngest, type IngestCounters } from './zmq-ingest.js';

export interface OpenedSource {
  batches$: Observable<DetectionBatch>;
  describe: string;
  ingest?: IngestCounters;
}

export interface OpenSourceOptions {
  /** Trace sources: start the replay at this wall-clock time, ms since epoch (aligns several processes). */
  startAtMs?: number;
}

/** Trace files are read (and validated) here, at start, so a bad file fails before anything is published. */
export function openSource(config: SourceConfig, baseDir: string, clock: Clock, log: Logger, options: OpenSourceOptions = {}): OpenedSource {
  if (config.type === 'trace') {
    const path = resolveFrom(baseDir, config.path);
    const rows = readTrace(path);
    const at = options.startAtMs;
    return {
      batches$: replayTrace(rows, { loop: config.loop, clock, ...(at !== undefined ? { startAtMs: at } : {}) }),
      describe: `trace ${path} (${rows.length} rows${at !== undefined ? `, from ${new Date(at).toISOString()}` : ''})`,
    };
  }
  const ingest: IngestCounters = { received: 0, rejected: 0 };
  return { batches$: zmqIngest(config.endpoint, clock, log, ingest), describe: `zmq-pull ${config.endpoint}`, ingest };
}
