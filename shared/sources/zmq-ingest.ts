// Live ingest from a local perception stack: it PUSHes one JSON detection batch per message (the trace-line
// format, with captureTimeNs instead of timeS) to a PULL socket this process binds. Bad messages are counted
// and logged (one summary line per reason per interval), never fatal: a perception stack restarting mid-message must not take the RSU down.
import { Observable } from 'rxjs';
import { Pull } from 'zeromq';
import type { Logger } from 'pino';
import { formatIssues } from '../config/load.js';
import type { Clock } from '../time/clock.js';
import type { DetectedObject } from '../model/types.js';
import { RejectionLog } from '../link/rejections.js';
import { batchJsonSchema, DETECTION_LIMITS, detectionFromJson, implausibleDetection, type DetectionBatch } from './detections.js';

export interface IngestCounters {
  /** Batches accepted (possibly with some detections dropped). */
  received: number;
  /** Batches rejected whole (too large, not JSON, not the schema, too many objects). */
  rejected: number;
  /** Detections dropped from accepted batches as implausible (DETECTION_LIMITS). */
  detectionsDropped?: number;
  /** Every rejection, batch or detection, per reason ('tooLarge', 'json', 'schema', 'tooManyObjects', 'implausible:FIELD'). */
  rejectedBy?: Record<string, number>;
}

/** Batches larger than this are dropped unread; with DETECTION_LIMITS.maxObjectsPerBatch it bounds memory. */
export const MAX_INGEST_MESSAGE_BYTES = 4 * 1024 * 1024;

export class IngestRejection extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/**
 * One ingest message as a batch: rejected whole (IngestRejection) if too large, not JSON, not the schema or with
 * too many objects; implausible detections are left out and reported through dropped(reason, detail).
 */
export function parseIngestMessage(
  bytes: Uint8Array, clock: Clock, dropped: (reason: string, detail: string) => void = () => undefined,
): DetectionBatch {
  if (bytes.length > MAX_INGEST_MESSAGE_BYTES) {
    throw new IngestRejection('tooLarge', `${bytes.length} bytes > ${MAX_INGEST_MESSAGE_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new IngestRejection('json', (err as Error).message);
  }
  const r = batchJsonSchema.safeParse(json);
  if (!r.success) throw new IngestRejection('schema', formatIssues(r.error.issues).replace(/\n/g, '; '));
  if (r.data.objects.length > DETECTION_LIMITS.maxObjectsPerBatch) {
    throw new IngestRejection('tooManyObjects', `${r.data.objects.length} objects > ${DETECTION_LIMITS.maxObjectsPerBatch}`);
  }
  const objects: DetectedObject[] = [];
  for (const d of r.data.objects) {
    const why = implausibleDetection(d);
    if (why === null) objects.push(detectionFromJson(d));
    else dropped(`implausible:${why.slice(0, why.indexOf(':'))}`, `detection ${d.id}: ${why}`);
  }
  return {
    captureTimeNs: r.data.captureTimeNs ?? clock.nowNs(),
    objects,
    ...(r.data.ego ? { ego: r.data.ego } : {}),
  };
}

/** Binds endpoint on subscription, emits each valid batch; closes the socket on unsubscribe. */
export function zmqIngest(endpoint: string, clock: Clock, log: Logger, counters: IngestCounters): Observable<DetectionBatch> {
  return new Observable<DetectionBatch>((subscriber) => {
    const sock = new Pull({ linger: 0, receiveHighWaterMark: 16 });
    let closed = false;
    (async () => {
      await sock.bind(endpoint);
      log.info({ endpoint }, 'detection ingest listening');
      const rejections = new RejectionLog();
      const reject = (reason: string, detail: string): void => {
        const line = rejections.note(reason, detail, Date.now());
        counters.rejectedBy = rejections.counts;
        if (line) log.warn({ reason: line.reason, count: line.count, last: line.detail }, 'detection input rejected');
      };
      const dropDetection = (reason: string, detail: string): void => {
        counters.detectionsDropped = (counters.detectionsDropped ?? 0) + 1;
        reject(reason, detail);
      };
      for await (const parts of sock) {
        const payload = parts[parts.length - 1];
        if (!payload) continue;
        let batch: DetectionBatch;
        try {
          batch = parseIngestMessage(payload, clock, dropDetection);
        } catch (err) {
          counters.rejected++;
          reject(err instanceof IngestRejection ? err.reason : 'error', (err as Error).message);
          continue;
        }
        counters.received++;
        subscriber.next(batch);
      }
    })().catch((err: unknown) => {
      if (!closed) subscriber.error(err);
    });
    return () => {
      closed = true;
      sock.close();
    };
  });
}
