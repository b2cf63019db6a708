// Dual-path de-duplication: an RSU's frames can reach the vehicle over both MQTT and ZeroMQ; only the first copy of
// each (sourceId, sequence) goes on. Per source this keeps a SequenceTracker (a bitmap of the last windowSize
// sequences), so memory is bounded and sender restarts are recognised exactly as the link statistics see them.
import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import {
  SequenceTracker, isAcceptedVerdict, type RestartPolicy,
} from './sequence-tracker.js';

export interface FrameKey {
  sourceId: string;
  sequence: number;
}

export interface DedupeStats {
  /** Items emitted (first arrivals). */
  passed: number;
  /** Copies of a sequence already emitted. */
  duplicatesDropped: number;
  /** Sequences older than the window: duplicate or very late, dropped either way. */
  tooOldDropped: number;
  /** Items with a sequence that is not a non-negative safe integer. */
  invalidDropped: number;
  /** Sender restarts seen (a new epoch started; that item was emitted). */
  restarts: number;
  /** Per transport: how many emitted items arrived there first. */
  firstArrivals: Record<string, number>;
}

export function createDedupeStats(): DedupeStats {
  return { passed: 0, duplicatesDropped: 0, tooOldDropped: 0, invalidDropped: 0, restarts: 0, firstArrivals: {} };
}

export interface DedupeOptions<T> {
  key: (item: T) => FrameKey;
  /** Transport (or any path label) of an item, for the first-arrival counters. */
  transport?: (item: T) => string;
  /** Receive time, ns: enables the restart-after-silence rule of RestartPolicy. */
  receivedAtNs?: (item: T) => number;
  /** Sequences remembered per source below the highest (default 1024). */
  windowSize?: number;
  restart?: Partial<RestartPolicy>;
  /** Counters updated in place; pass one to read them (shared by every subscription of the operator). */
  stats?: DedupeStats;
}

/**
 * Emits only the first arrival of each (sourceId, sequence), in arrival order and without delay. Each
 * subscription has its own memory; sources are never forgotten (one small bitmap per RSU ever seen).
 */
export function dedupeFrames<T>(options: DedupeOptions<T>): MonoTypeOperatorFunction<T> {
  const stats = options.stats ?? createDedupeStats();
  const windowSize = options.windowSize ?? 1024;
  return (source) => defer(() => {
    const trackers = new Map<string, SequenceTracker>();
    return source.pipe(filter((item) => {
      const { sourceId, sequence } = options.key(item);
      let tracker = trackers.get(sourceId);
      if (tracker === undefined) {
        tracker = new SequenceTracker({ historySize: windowSize, lossWindow: 1, restart: options.restart });
        trackers.set(sourceId, tracker);
      }
      const verdict = tracker.observe(sequence, options.receivedAtNs?.(item));
      if (!isAcceptedVerdict(verdict)) {
        if (verdict === 'duplicate') stats.duplicatesDropped++;
        else if (verdict === 'tooOld') stats.tooOldDropped++;
        else stats.invalidDropped++;
        return false;
      }
      if (verdict === 'restart') stats.restarts++;
      stats.passed++;
      if (options.transport) {
        const t = options.transport(item);
        stats.firstArrivals[t] = (stats.firstArrivals[t] ?? 0) + 1;
      }
      return true;
    }));
  });
}
