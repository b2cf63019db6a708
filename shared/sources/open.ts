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

/** Trace files are read (and validated) here, at start, so a bad file fails before anything is published. */
export function openSource(config: SourceConfig, baseDir: string, clock: Clock, log: Logger): OpenedSource {
  if (config.type === 'trace') {
    const path = resolveFrom(baseDir, config.path);
    const rows = readTrace(path);
    return { batches$: replayTrace(rows, { loop: config.loop, clock }), describe: `trace ${path} (${rows.length} rows)` };
  }
  const ingest: IngestCounters = { received: 0, rejected: 0 };
  return { batches$: zmqIngest(config.endpoint, clock, log, ingest), describe: `zmq-pull ${config.endpoint}`, ingest };
}
