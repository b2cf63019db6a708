// JSON-lines trace files: one detection batch per line, replayed on the wall clock (or a virtual one) so that a
// recorded perception run looks live to the rest of the process.
import { readFileSync } from 'node:fs';
import { asyncScheduler, defer, filter, map, Observable, repeat, timer, concatMap, from, type SchedulerLike } from 'rxjs';
import type { Clock } from '../time/clock.js';
import { formatIssues } from '../config/load.js';
import { batchJsonSchema, DETECTION_LIMITS, detectionFromJson, implausibleDetection, type DetectionBatch, type EgoState } from './detections.js';

export interface TraceRow {
  timeS: number;
  batch: Omit<DetectionBatch, 'captureTimeNs'>;
}

/** Longest span of a trace: timers beyond 2^31 - 1 ms fire at once. */
const MAX_SPAN_MS = 2 ** 31 - 1;

export class TraceError extends Error {
  override name = 'TraceError';
}

/**
 * Parses a trace; every bad line is reported with its number. Rows must have non-decreasing timeS, not all the
 * same (several rows), spanning at most 2^31 ms.
 */
export function parseTrace(text: string, origin = 'trace'): TraceRow[] {
  const rows: TraceRow[] = [];
  let lastLine = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('//')) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new TraceError(`${origin}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
    const r = batchJsonSchema.safeParse(json);
    if (!r.success) throw new TraceError(`${origin}:${i + 1}: ${formatIssues(r.error.issues).replace(/\n/g, '; ')}`);
    if (r.data.timeS === undefined) throw new TraceError(`${origin}:${i + 1}: timeS: required in trace files`);
    const prev = rows[rows.length - 1];
    if (prev && r.data.timeS < prev.timeS) {
      throw new TraceError(`${origin}:${i + 1}: timeS ${r.data.timeS} goes back from ${prev.timeS}`);
    }
    if (r.data.objects.length > DETECTION_LIMITS.maxObjectsPerBatch) {
      throw new TraceError(`${origin}:${i + 1}: objects: ${r.data.objects.length} > ${DETECTION_LIMITS.maxObjectsPerBatch} per row`);
    }
    const bad = r.data.objects.map(implausibleDetection).findIndex((why) => why !== null);
    if (bad >= 0) throw new TraceError(`${origin}:${i + 1}: objects.${bad}.${implausibleDetection(r.data.objects[bad]!)!}`);
    // Past 2^31 ms a timer fires at once (Node clamps it): the replay would busy-loop.
    if (rows.length > 0 && (r.data.timeS - rows[0]!.timeS) * 1000 > MAX_SPAN_MS) {
      throw new TraceError(`${origin}:${i + 1}: timeS ${r.data.timeS}: more than 2^31 ms (24.8 days) after the first row's ${rows[0]!.timeS}`);
    }
    lastLine = i + 1;
    const ego: EgoState | undefined = r.data.ego;
    rows.push({ timeS: r.data.timeS, batch: { objects: r.data.objects.map(detectionFromJson), ...(ego ? { ego } : {}) } });
  }
  if (rows.length === 0) throw new TraceError(`${origin}: no rows`);
  // One instant for every row: a looped replay would have a period of 0 and busy-loop.
  if (rows.length > 1 && rows[rows.length - 1]!.timeS === rows[0]!.timeS) {
    throw new TraceError(`${origin}:${lastLine}: timeS: all ${rows.length} rows have timeS ${rows[0]!.timeS}: no timing to replay`);
  }
  return rows;
}

export function readTrace(path: string): TraceRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TraceError(`cannot read trace ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTrace(text, path);
}

/**
 * Loop period of a trace, s: its span plus one mean row interval (0.1 s for a single row), rounded to the
 * microsecond so that a period of 15 s is 15 and not 15.000000000000002 (pass n starts n periods after the origin).
 */
export function tracePeriodS(rows: readonly TraceRow[]): number {
  const spanS = rows[rows.length - 1]!.timeS - rows[0]!.timeS;
  return rows.length > 1 ? Math.round((spanS + spanS / (rows.length - 1)) * 1e6) / 1e6 : 0.1;
}

export interface ReplayOptions {
  /** Restart at the end; the loop period is the trace span plus one mean row interval. */
  loop?: boolean;
  scheduler?: SchedulerLike;
  /** Stamps capture times; defaults to the scheduler's clock, so virtual-time runs are exact. */
  clock?: Clock;
  /**
   * Start the first row at this scheduler time, ms (epoch ms on the wall clock) instead of at subscription:
   * processes given one start time replay their traces on one scenario clock. Rows already past due when
   * subscribed (a process that started late) are skipped, not emitted in a burst: on a shared scenario clock
   * a row stamped late would claim the wrong instant. A looped replay joins the pass under way, so 0 (the
   * Unix epoch) replays the trace on the wall clock modulo its period.
   */
  startAtMs?: number;
}

/**
 * Emits each row when its time comes, relative to subscription (or to startAtMs), stamped with the clock as
 * capture time. Due times are absolute (start + timeS), so timer jitter does not accumulate.
 */
export function replayTrace(rows: readonly TraceRow[], options: ReplayOptions = {}): Observable<DetectionBatch> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const clock: Clock = options.clock ?? { nowNs: () => Math.round(scheduler.now() * 1e6) };
  const t0 = rows[0]!.timeS;
  const periodMs = Math.round(tracePeriodS(rows) * 1e9) / 1e6;
  return defer(() => {
    const startMs = options.startAtMs ?? scheduler.now();
    const subscribedMs = scheduler.now();
    // A looped replay that starts late joins the pass under way (a start long ago, e.g. the epoch, would
    // otherwise walk through every pass since); a single pass only ever plays from its start.
    let pass = options.loop && options.startAtMs !== undefined ? Math.max(0, Math.floor((subscribedMs - startMs) / periodMs)) : 0;
    const onePass = defer(() => {
      const passStartMs = startMs + pass * periodMs;
      pass++;
      return from(rows).pipe(
        filter((row) => options.startAtMs === undefined || passStartMs + (row.timeS - t0) * 1000 >= subscribedMs),
        concatMap((row) => {
          const dueMs = passStartMs + (row.timeS - t0) * 1000;
          return timer(Math.max(0, dueMs - scheduler.now()), scheduler).pipe(
            map((): DetectionBatch => ({ ...row.batch, captureTimeNs: clock.nowNs() })),
          );
        }),
      );
    });
    return options.loop ? onePass.pipe(repeat()) : onePass;
  });
}
