// Live ingest from a local perception stack: it PUSHes one JSON detection batch per message (the trace-line
// format, with captureTimeNs instead of timeS) to a PULL socket this process binds. Bad messages are counted
// and logged, never fatal: a perception stack restarting mid-message must not take the RSU down.
import { Observable } from 'rxjs';
import { Pull } from 'zeromq';
import type { Logger } from 'pino';
import { formatIssues } from '../config/load.js';
import type { Clock } from '../time/clock.js';
import { batchJsonSchema, detectionFromJson, type DetectionBatch } from './detections.js';

export interface IngestCounters {
  received: number;
  rejected: number;
}

export function parseIngestMessage(bytes: Uint8Array, clock: Clock): DetectionBatch {
  const json: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
  const r = batchJsonSchema.safeParse(json);
  if (!r.success) throw new Error(formatIssues(r.error.issues).replace(/\n/g, '; '));
  return {
    captureTimeNs: r.data.captureTimeNs ?? clock.nowNs(),
    objects: r.data.objects.map(detectionFromJson),
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
      for await (const parts of sock) {
        const payload = parts[parts.length - 1];
        if (!payload) continue;
        try {
          const batch = parseIngestMessage(payload, clock);
          counters.received++;
          subscriber.next(batch);
        } catch (err) {
          counters.rejected++;
          log.warn({ err: (err as Error).message }, 'bad detection batch dropped');
        }
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
