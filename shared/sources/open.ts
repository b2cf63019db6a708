// Opens the detection source a config names.
import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import { resolveFrom } from '../config/load.js';
import type { SourceConfig } from '../config/schemas.js';
import type { Clock } from '../time/clock.js';
import type { DetectionBatch } from './detections.js';
import { readTrace, replayTrace, tracePeriodS } from './trace.js';
import { zmqIngest, type IngestCounters } from './zmq-ingest.js';

export interface OpenedSource {
  batches$: Observable<DetectionBatch>;
  describe: string;
  ingest?: IngestCounters;
}

export interface OpenSourceOptions {
  /**
   * Trace sources: start the replay at this wall-clock time, ms since epoch (aligns several processes). A
   * looped trace without it replays on the wall clock modulo its period (docs/trace-format.md).
   */
  startAtMs?: number;
}

/**
 * Time origin of a looped trace replay when none is given: the Unix epoch, so the scenario instant is the wall
 * clock modulo the trace period. Every process whose clock is synchronised (as a deployment's are, by NTP or
 * PTP) replays the same instant, whenever it was started; one origin per process start would put an RSU's
 * and a vehicle's traces as far apart as the gap between their starts.
 */
export const WALL_CLOCK_ORIGIN_MS = 0;

/** Trace files are read (and validated) here, at start, so a bad file fails before anything is published. */
export function openSource(config: SourceConfig, baseDir: string, clock: Clock, log: Logger, options: OpenSourceOptions = {}): OpenedSource {
  if (config.type === 'trace') {
    const path = resolveFrom(baseDir, config.path);
    const rows = readTrace(path);
    const at = options.startAtMs ?? (config.loop ? WALL_CLOCK_ORIGIN_MS : undefined);
    const timing = options.startAtMs !== undefined ? `, from ${new Date(options.startAtMs).toISOString()}`
      : config.loop ? `, on the wall clock modulo ${Math.round(tracePeriodS(rows) * 1000) / 1000} s` : '';
    return {
      batches$: replayTrace(rows, { loop: config.loop, clock, ...(at !== undefined ? { startAtMs: at } : {}) }),
      describe: `trace ${path} (${rows.length} rows${timing})`,
    };
  }
  const ingest: IngestCounters = { received: 0, rejected: 0 };
  return { batches$: zmqIngest(config.endpoint, clock, log, ingest), describe: `zmq-pull ${config.endpoint}`, ingest };
}
