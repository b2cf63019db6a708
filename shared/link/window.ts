// Sliding window of latency samples with order statistics. Two arrays are kept, one in time order (for eviction)
// and one sorted by value (for quantiles); at 100 Hz x 2 s that is 200 samples, so binary search plus an in-place shift
// costs far less than re-sorting on every query.

const NS_PER_MS = 1e6;

/**
 * Nearest-rank quantile of an ascending array: the smallest value v such that at least p of the samples are
 * <= v, i.e. sorted[ceil(p * n) - 1] (index 0 for p = 0). Always a value that was observed, no interpolation:
 * "p99 = 42 ms" means a real frame took 42 ms. Throws on an empty array or p outside [0, 1].
 */
export function quantileNearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be in [0, 1], got ${p}`);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

/** Order statistics of a window, ms. Every value is null when the window is empty. */
export interface LatencyStats {
  count: number;
  meanMs: number | null;
  minMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LatencyWindowOptions {
  /** Keep samples with timeNs >= newest - windowMs (default 2000). */
  windowMs?: number;
  /** And at most this many, the newest (default 1000): bounds memory whatever the rate. */
  maxSamples?: number;
}

interface Sample {
  timeNs: number;
  valueMs: number;
}

// Searches and in-place shifts specialised to the two arrays (no key callbacks, no splice): add() runs for every
// received frame, four windows deep, and splice's generic path (and the arrays it returns) showed in profiles.

/** First index i with byTime[i].timeNs > timeNs (byTime ascending by time). */
function upperBoundTime(byTime: readonly Sample[], timeNs: number): number {
  let lo = 0;
  let hi = byTime.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byTime[mid]!.timeNs <= timeNs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with byTime[i].timeNs >= timeNs. */
function lowerBoundTime(byTime: readonly Sample[], timeNs: number): number {
  let lo = 0;
  let hi = byTime.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byTime[mid]!.timeNs < timeNs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with sorted[i] > v (sorted ascending). */
function upperBoundValue(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with sorted[i] >= v. */
function lowerBoundValue(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** a.splice(i, 0, v) without the returned array. */
function insertAt<T>(a: T[], i: number, v: T): void {
  a.push(v);
  for (let k = a.length - 1; k > i; k--) a[k] = a[k - 1]!;
  a[i] = v;
}

/** a.splice(i, 1) without the returned array (i < a.length). */
function removeAt(a: number[], i: number): void {
  for (let k = i; k < a.length - 1; k++) a[k] = a[k + 1]!;
  a.pop();
}

export class LatencyWindow {
  readonly windowNs: number;
  readonly maxSamples: number;
  private readonly byTime: Sample[] = [];
  private readonly sorted: number[] = [];
  /** Statistics of the current samples, until they change: the vehicle asks every link several times a frame. */
  private cached: LatencyStats | null = null;

  constructor(options: LatencyWindowOptions = {}) {
    const windowMs = options.windowMs ?? 2000;
    this.maxSamples = options.maxSamples ?? 1000;
    if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
    if (!Number.isInteger(this.maxSamples) || this.maxSamples < 1) throw new RangeError('maxSamples must be a positive integer');
    this.windowNs = windowMs * NS_PER_MS;
  }

  /** Adds a sample observed at timeNs; evicts what fell out of the window relative to the newest sample. */
  add(timeNs: number, valueMs: number): void {
    if (!Number.isFinite(valueMs)) throw new RangeError(`latency sample must be finite, got ${valueMs}`);
    // Samples from two transports can arrive slightly out of time order: insert in place (usually at the end).
    insertAt(this.byTime, upperBoundTime(this.byTime, timeNs), { timeNs, valueMs });
    insertAt(this.sorted, upperBoundValue(this.sorted, valueMs), valueMs);
    this.cached = null;
    const newest = this.byTime[this.byTime.length - 1]!.timeNs;
    this.evict(newest);
  }

  /** Statistics of the samples with timeNs >= nowNs - windowMs (evicting older ones). */
  stats(nowNs: number): LatencyStats {
    this.evict(nowNs);
    if (this.cached === null) this.cached = this.computeStats();
    return { ...this.cached };
  }

  private computeStats(): LatencyStats {
    const n = this.sorted.length;
    if (n === 0) return { count: 0, meanMs: null, minMs: null, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };
    // Summed afresh rather than kept as a running sum, which would drift as samples come and go.
    let sum = 0;
    for (const v of this.sorted) sum += v;
    return {
      count: n,
      meanMs: sum / n,
      minMs: this.sorted[0]!,
      p50Ms: quantileNearestRank(this.sorted, 0.5),
      p90Ms: quantileNearestRank(this.sorted, 0.9),
      p99Ms: quantileNearestRank(this.sorted, 0.99),
      maxMs: this.sorted[n - 1]!,
    };
  }

  get size(): number {
    return this.sorted.length;
  }

  private evict(nowNs: number): void {
    const cutoffNs = nowNs - this.windowNs;
    const tooOld = lowerBoundTime(this.byTime, cutoffNs);
    const excess = Math.max(0, this.byTime.length - tooOld - this.maxSamples);
    const drop = tooOld + excess;
    if (drop === 0) return;
    this.cached = null;
    for (let i = 0; i < drop; i++) removeAt(this.sorted, lowerBoundValue(this.sorted, this.byTime[i]!.valueMs));
    this.byTime.splice(0, drop);
  }
}
