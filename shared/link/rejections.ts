// Counts rejected input per reason and decides when to log it: the first rejection of a reason is logged at
// once, later ones as one summary line per reason per interval. A flood of bad messages (10,000/s) used to log
// one line each; now it costs a counter increment. Pure: the caller hands in the time and does the logging.

/** One line to log: `count` rejections for `reason` since the last line for it; `detail` of the latest one. */
export interface RejectionSummary {
  reason: string;
  count: number;
  detail: string;
}

export class RejectionLog {
  /** Every rejection ever, per reason (for summaries and stats). */
  readonly counts: Record<string, number> = {};
  private readonly pending = new Map<string, { count: number; lastLoggedMs: number }>();

  constructor(private readonly intervalMs = 10_000) {}

  /** Counts one rejection; returns the line to log now, or null if this reason was logged within the interval. */
  note(reason: string, detail: string, nowMs: number): RejectionSummary | null {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const p = this.pending.get(reason);
    if (!p) {
      this.pending.set(reason, { count: 0, lastLoggedMs: nowMs });
      return { reason, count: 1, detail };
    }
    p.count++;
    if (nowMs - p.lastLoggedMs < this.intervalMs) return null;
    const line = { reason, count: p.count, detail };
    p.count = 0;
    p.lastLoggedMs = nowMs;
    return line;
  }

  /** The total over every reason. */
  total(): number {
    let n = 0;
    for (const k in this.counts) n += this.counts[k]!;
    return n;
  }
}
