// Sliding window of latency samples with order statistics. Two sequences are kept, one in time order (for eviction)
// and one sorted by value (for quantiles); at 100 Hz x 2 s that is 200 samples, so binary search plus an in-place shift
// costs far less than re-sorting on every query. Both live in typed arrays kept for the window's lifetime: add() runs
// for every received frame, four windows deep, and an object per sample (plus splice's arrays) cost more than the
// statistics.

const NS_PER_MS = 1e6;

/**
 * Nearest-rank quantile of an ascending array: the smallest value v such that at least p of the samples are
 * <= v, i.e. sorted[ceil(p * n) - 1] (index 0 for p = 0). Always a value that was observed, no interpolation:
 * "p99 = 42 ms" means a real frame took 42 ms. Throws on an empty array or p outside [0, 1].
 */
export function quantileNearestRank(sorted: ArrayLike<number>, p: number): number {
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

// Searches and in-place shifts specialised to the typed arrays (no key callbacks, no splice).

/** First index i in [lo, hi) with a[i] > v (a ascending on that range), else hi. */
function upperBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] >= v (a ascending on that range), else hi. */
function lowerBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts v at i into a[.., end), end < a.length. */
function insertAt(a: Float64Array, i: number, end: number, v: number): void {
  if (i < end) a.copyWithin(i + 1, i, end);
  a[i] = v;
}

const INITIAL_CAPACITY = 32;

export class LatencyWindow {
  readonly windowNs: number;
  readonly maxSamples: number;
  // Samples in time order (ties in arrival order) occupy [start, end) of timesNs and valuesMs; the same values
  // ascending occupy [0, end - start) of sorted. Evictions advance start; the buffers compact or grow when full.
  private timesNs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private valuesMs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private sorted: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private start = 0;
  private end = 0;
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
    this.makeRoom();
    // Samples from two transports can arrive slightly out of time order: insert in place (usually at the end).
    const at = upperBound(this.timesNs, this.start, this.end, timeNs);
    insertAt(this.timesNs, at, this.end, timeNs);
    insertAt(this.valuesMs, at, this.end, valueMs);
    const count = this.end - this.start;
    insertAt(this.sorted, upperBound(this.sorted, 0, count, valueMs), count, valueMs);
    this.end++;
    this.cached = null;
    this.evict(this.timesNs[this.end - 1]!);
  }

  /** Statistics of the samples with timeNs >= nowNs - windowMs (evicting older ones). */
  stats(nowNs: number): LatencyStats {
    return { ...this.sharedStats(nowNs) };
  }

  /** stats(nowNs) without the copy, for internal readers that only look (it is replaced when samples change). */
  sharedStats(nowNs: number): Readonly<LatencyStats> {
    this.evict(nowNs);
    if (this.cached === null) this.cached = this.computeStats();
    return this.cached;
  }

  private computeStats(): LatencyStats {
    const n = this.end - this.start;
    if (n === 0) return { count: 0, meanMs: null, minMs: null, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };
    const sorted = this.sorted.subarray(0, n);
    // Summed afresh rather than kept as a running sum, which would drift as samples come and go.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i]!;
    return {
      count: n,
      meanMs: sum / n,
      minMs: sorted[0]!,
      p50Ms: quantileNearestRank(sorted, 0.5),
      p90Ms: quantileNearestRank(sorted, 0.9),
      p99Ms: quantileNearestRank(sorted, 0.99),
      maxMs: sorted[n - 1]!,
    };
  }

  get size(): number {
    return this.end - this.start;
  }

  /** Ensures end < capacity: moves the samples to the front when at most half full, else doubles the buffers. */
  private makeRoom(): void {
    const capacity = this.timesNs.length;
    if (this.end < capacity) return;
    const count = this.end - this.start;
    if (2 * count <= capacity) {
      this.timesNs.copyWithin(0, this.start, this.end);
      this.valuesMs.copyWithin(0, this.start, this.end);
    } else {
      this.timesNs = grown(this.timesNs, this.start, this.end);
      this.valuesMs = grown(this.valuesMs, this.start, this.end);
      this.sorted = grown(this.sorted, 0, count);
    }
    this.start = 0;
    this.end = count;
  }

  private evict(nowNs: number): void {
    const cutoffNs = nowNs - this.windowNs;
    const count = this.end - this.start;
    const tooOld = lowerBound(this.timesNs, this.start, this.end, cutoffNs) - this.start;
    const excess = Math.max(0, count - tooOld - this.maxSamples);
    const drop = tooOld + excess;
    if (drop === 0) return;
    this.cached = null;
    let sortedCount = count;
    for (let i = 0; i < drop; i++) {
      const at = lowerBound(this.sorted, 0, sortedCount, this.valuesMs[this.start + i]!);
      this.sorted.copyWithin(at, at + 1, sortedCount);
      sortedCount--;
    }
    this.start += drop;
  }
}

/** A buffer of twice a's capacity holding a[from, to) at its start. */
function grown(a: Float64Array, from: number, to: number): Float64Array {
  const b = new Float64Array(2 * a.length);
  b.set(a.subarray(from, to));
  return b;
}
