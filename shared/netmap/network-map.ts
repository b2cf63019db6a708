// Network-quality map of the road: a uniform grid in the map frame where each cell summarises the one-way
// latency and outages seen there. The vehicle learns it online (add) or loads one built on earlier drives
// (fromJSON), and looks ahead along its path to change fusion method before it drives into a bad stretch.
// Cells keep a fixed-bucket histogram, so a summary is bounded in size, deterministic and exactly mergeable.

export interface NetworkMapOptions {
  /** Frame of the coordinates, e.g. 'utm51n' for CICV5G drives. Default 'map'. */
  mapFrame?: string;
  /** Cell edge length, m. Default 25. */
  cellSizeM?: number;
  /** Grid origin: cell (0, 0) is [originXM, originXM + cellSizeM) x [originYM, originYM + cellSizeM). Default 0. */
  originXM?: number;
  originYM?: number;
  /** A delivered sample strictly above this one-way latency counts as an outage, ms. Default 500. */
  outageThresholdMs?: number;
  /** query() and lookAhead() ignore cells with fewer samples than this. Default 10. */
  minCount?: number;
}

export interface CellIndex {
  i: number;
  j: number;
}

export interface CellSummary extends CellIndex {
  centerXM: number;
  centerYM: number;
  /** All samples, lost ones included. */
  count: number;
  lostCount: number;
  /** Fraction of samples that were lost or above the outage threshold. */
  outageRate: number;
  /**
   * Latency of delivered samples, ms; null when every sample was lost. Quantiles are nearest rank (the
   * ceil(p * n)-th smallest) read from the histogram: exact when the samples in the chosen bucket are equal (e.g.
   * whole or half ms below 100 ms), otherwise that bucket's largest sample, never below the true value.
   */
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LookAheadCell extends CellSummary {
  /** Arc length along the path where the path enters this cell, m. */
  enterSM: number;
}

/**
 * Histogram buckets: 0.5 ms wide below 100 ms (half-ms resolution, as one-way = RTT/2 of whole ms gives), 5 ms
 * up to 1 s, 50 ms up to 10 s, then one overflow bucket: 561 buckets, resolution about 1-5 % of the value.
 */
const TIERS = [
  { fromMs: 0, toMs: 100, widthMs: 0.5 },
  { fromMs: 100, toMs: 1000, widthMs: 5 },
  { fromMs: 1000, toMs: 10_000, widthMs: 50 },
] as const;
const HISTOGRAM_ID = 'tiers-0.5ms-5ms-50ms-v1';
const TIER_FIRST = TIERS.map((_, k) => TIERS.slice(0, k).reduce((n, t) => n + (t.toMs - t.fromMs) / t.widthMs, 0));
const OVERFLOW_BUCKET = TIER_FIRST[TIERS.length - 1]! + (TIERS[TIERS.length - 1]!.toMs - TIERS[TIERS.length - 1]!.fromMs) / TIERS[TIERS.length - 1]!.widthMs;
export const HISTOGRAM_BUCKETS = OVERFLOW_BUCKET + 1;

function bucketOf(ms: number): number {
  for (let k = 0; k < TIERS.length; k++) {
    const t = TIERS[k]!;
    if (ms < t.toMs) return TIER_FIRST[k]! + Math.floor((ms - t.fromMs) / t.widthMs);
  }
  return OVERFLOW_BUCKET;
}

/** [lo, hi) of a bucket, ms. */
function bucketRange(b: number): [number, number] {
  for (let k = TIERS.length - 1; k >= 0; k--) {
    const t = TIERS[k]!;
    if (b >= TIER_FIRST[k]! && b < OVERFLOW_BUCKET) {
      const lo = t.fromMs + (b - TIER_FIRST[k]!) * t.widthMs;
      return [lo, lo + t.widthMs];
    }
  }
  return [TIERS[TIERS.length - 1]!.toMs, Infinity];
}

interface Bucket {
  count: number;
  maxMs: number;
}

interface CellAcc {
  i: number;
  j: number;
  count: number;
  lost: number;
  /** Lost or above the threshold. */
  outage: number;
  sumMs: number;
  buckets: Map<number, Bucket>;
}

export const NETWORK_MAP_FORMAT = 'iaad-network-map';
export const NETWORK_MAP_VERSION = 1;

/** The file format (see docs/network-models.md). Cells sorted by (i, j), buckets by index. */
export interface NetworkMapJson {
  format: typeof NETWORK_MAP_FORMAT;
  version: typeof NETWORK_MAP_VERSION;
  histogram: string;
  mapFrame: string;
  cellSizeM: number;
  originXM: number;
  originYM: number;
  outageThresholdMs: number;
  minCount: number;
  cells: Array<{
    i: number;
    j: number;
    count: number;
    lost: number;
    outage: number;
    sumMs: number;
    /** [bucket index, count, largest sample in the bucket (ms)]. */
    buckets: Array<[number, number, number]>;
  }>;
}

const key = (i: number, j: number): string => `${i},${j}`;

export class NetworkMap {
  readonly mapFrame: string;
  readonly cellSizeM: number;
  readonly originXM: number;
  readonly originYM: number;
  readonly outageThresholdMs: number;
  readonly minCount: number;
  private readonly acc = new Map<string, CellAcc>();

  constructor(options: NetworkMapOptions = {}) {
    this.mapFrame = options.mapFrame ?? 'map';
    this.cellSizeM = options.cellSizeM ?? 25;
    this.originXM = options.originXM ?? 0;
    this.originYM = options.originYM ?? 0;
    this.outageThresholdMs = options.outageThresholdMs ?? 500;
    this.minCount = options.minCount ?? 10;
    if (!(Number.isFinite(this.cellSizeM) && this.cellSizeM > 0)) throw new RangeError(`cellSizeM must be > 0, got ${this.cellSizeM}`);
    if (!Number.isFinite(this.originXM) || !Number.isFinite(this.originYM)) throw new RangeError('grid origin must be finite');
    if (!(Number.isFinite(this.outageThresholdMs) && this.outageThresholdMs >= 0)) {
      throw new RangeError(`outageThresholdMs must be >= 0, got ${this.outageThresholdMs}`);
    }
    if (!(Number.isInteger(this.minCount) && this.minCount >= 1)) throw new RangeError(`minCount must be an integer >= 1, got ${this.minCount}`);
  }

  /** Grid cell holding (xM, yM); a point on a cell boundary belongs to the cell above/right of it. */
  cellOf(xM: number, yM: number): CellIndex {
    if (!Number.isFinite(xM) || !Number.isFinite(yM)) throw new RangeError(`position must be finite, got (${xM}, ${yM})`);
    return { i: Math.floor((xM - this.originXM) / this.cellSizeM), j: Math.floor((yM - this.originYM) / this.cellSizeM) };
  }

  /** Learns one sample: one-way latency in ms, or null for a lost message. */
  add(xM: number, yM: number, latencyMs: number | null): void {
    if (latencyMs !== null && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
      throw new RangeError(`latency must be a finite number >= 0 ms or null (lost), got ${latencyMs}`);
    }
    const { i, j } = this.cellOf(xM, yM);
    const k = key(i, j);
    let c = this.acc.get(k);
    if (c === undefined) {
      c = { i, j, count: 0, lost: 0, outage: 0, sumMs: 0, buckets: new Map() };
      this.acc.set(k, c);
    }
    c.count++;
    if (latencyMs === null) {
      c.lost++;
      c.outage++;
      return;
    }
    if (latencyMs > this.outageThresholdMs) c.outage++;
    c.sumMs += latencyMs;
    const b = bucketOf(latencyMs);
    const bucket = c.buckets.get(b);
    if (bucket === undefined) c.buckets.set(b, { count: 1, maxMs: latencyMs });
    else {
      bucket.count++;
      if (latencyMs > bucket.maxMs) bucket.maxMs = latencyMs;
    }
  }

  /** Summary of the cell holding (xM, yM) however few samples it has; null if it has none. */
  cell(xM: number, yM: number): CellSummary | null {
    const { i, j } = this.cellOf(xM, yM);
    return this.cellAt(i, j);
  }

  cellAt(i: number, j: number): CellSummary | null {
    const c = this.acc.get(key(i, j));
    return c === undefined ? null : this.summarize(c);
  }

  /** Summary of the cell holding (xM, yM), or null when it has fewer than minCount samples. */
  query(xM: number, yM: number): CellSummary | null {
    const s = this.cell(xM, yM);
    return s !== null && s.count >= this.minCount ? s : null;
  }

  /** All cells with at least minCount samples (default: the map's), sorted by (i, j). */
  cells(minCount = this.minCount): CellSummary[] {
    return this.sortedAcc().filter((c) => c.count >= minCount).map((c) => this.summarize(c));
  }

  /**
   * Cells the polyline passes through between arc lengths fromSM and fromSM + distanceM (measured from its first
   * point), in the order they are entered, each once, with the arc length where it is first entered. Includes
   * cells the map has no samples for (cellAt gives null for those).
   */
  cellsAlong(path: ReadonlyArray<{ xM: number; yM: number }>, fromSM: number, distanceM: number): Array<CellIndex & { enterSM: number }> {
    if (!Number.isFinite(fromSM) || !(Number.isFinite(distanceM) && distanceM >= 0)) {
      throw new RangeError(`lookahead needs finite fromSM and distanceM >= 0, got ${fromSM}, ${distanceM}`);
    }
    const out: Array<CellIndex & { enterSM: number }> = [];
    const seen = new Set<string>();
    const visit = (i: number, j: number, sM: number): void => {
      const k = key(i, j);
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ i, j, enterSM: sM });
    };
    if (path.length === 0) return out;
    const fromClamped = Math.max(0, fromSM);
    const toSM = fromSM + distanceM;
    if (toSM < 0) return out;
    if (path.length === 1) {
      const c = this.cellOf(path[0]!.xM, path[0]!.yM);
      if (fromClamped === 0) visit(c.i, c.j, 0);
      return out;
    }
    let segStartSM = 0;
    for (let k = 0; k + 1 < path.length; k++) {
      const a = path[k]!;
      const b = path[k + 1]!;
      const lenM = Math.hypot(b.xM - a.xM, b.yM - a.yM);
      const segEndSM = segStartSM + lenM;
      if (segEndSM >= fromClamped && segStartSM <= toSM) {
        const s0 = Math.max(segStartSM, fromClamped);
        const s1 = Math.min(segEndSM, toSM);
        const f0 = lenM === 0 ? 0 : (s0 - segStartSM) / lenM;
        const f1 = lenM === 0 ? 0 : (s1 - segStartSM) / lenM;
        this.traverse(
          a.xM + f0 * (b.xM - a.xM), a.yM + f0 * (b.yM - a.yM),
          a.xM + f1 * (b.xM - a.xM), a.yM + f1 * (b.yM - a.yM),
          s0, s1 - s0, visit,
        );
      }
      if (segStartSM > toSM) break;
      segStartSM = segEndSM;
    }
    return out;
  }

  /**
   * Where the last known cell that `bad` accepts along the next distanceM of the path from fromSM is left (arc
   * length, m; fromSM + distanceM at most), or null when no such cell lies ahead. Cells below minCount are skipped
   * as in lookAhead: unknown is not bad. What the vehicle sizes an advisory's horizon from: the path up to there is
   * where the map expects the link to fail.
   */
  badStretchEndSM(
    path: ReadonlyArray<{ xM: number; yM: number }>, fromSM: number, distanceM: number, bad: (cell: CellSummary) => boolean,
  ): number | null {
    const along = this.cellsAlong(path, fromSM, distanceM);
    let endSM: number | null = null;
    for (let k = 0; k < along.length; k++) {
      const s = this.cellAt(along[k]!.i, along[k]!.j);
      if (s === null || s.count < this.minCount || !bad(s)) continue;
      endSM = k + 1 < along.length ? along[k + 1]!.enterSM : fromSM + distanceM;
    }
    return endSM;
  }

  /**
   * The worst known cell along the next distanceM of the path from fromSM: highest outage rate, then highest p90
   * (a cell where everything was lost counts as infinitely slow), then the nearest. Cells with fewer than
   * minCount samples are skipped: unknown is not bad. Null when no known cell lies ahead.
   */
  lookAhead(path: ReadonlyArray<{ xM: number; yM: number }>, fromSM: number, distanceM: number): LookAheadCell | null {
    let worst: LookAheadCell | null = null;
    for (const { i, j, enterSM } of this.cellsAlong(path, fromSM, distanceM)) {
      const s = this.cellAt(i, j);
      if (s === null || s.count < this.minCount) continue;
      if (worst === null || worse(s, worst)) worst = { ...s, enterSM };
    }
    return worst;
  }

  /** Adds another map's samples into this one (exact: counts add, bucket maxima take the max). */
  merge(other: NetworkMap): this {
    const mismatch = (['mapFrame', 'cellSizeM', 'originXM', 'originYM', 'outageThresholdMs'] as const)
      .filter((f) => this[f] !== other[f]);
    if (mismatch.length > 0) {
      throw new RangeError(`cannot merge network maps with different ${mismatch.map((f) => `${f} (${String(this[f])} vs ${String(other[f])})`).join(', ')}`);
    }
    for (const o of other.acc.values()) {
      const k = key(o.i, o.j);
      let c = this.acc.get(k);
      if (c === undefined) {
        c = { i: o.i, j: o.j, count: 0, lost: 0, outage: 0, sumMs: 0, buckets: new Map() };
        this.acc.set(k, c);
      }
      c.count += o.count;
      c.lost += o.lost;
      c.outage += o.outage;
      c.sumMs += o.sumMs;
      for (const [b, ob] of o.buckets) {
        const cb = c.buckets.get(b);
        if (cb === undefined) c.buckets.set(b, { count: ob.count, maxMs: ob.maxMs });
        else {
          cb.count += ob.count;
          cb.maxMs = Math.max(cb.maxMs, ob.maxMs);
        }
      }
    }
    return this;
  }

  toJSON(): NetworkMapJson {
    return {
      format: NETWORK_MAP_FORMAT,
      version: NETWORK_MAP_VERSION,
      histogram: HISTOGRAM_ID,
      mapFrame: this.mapFrame,
      cellSizeM: this.cellSizeM,
      originXM: this.originXM,
      originYM: this.originYM,
      outageThresholdMs: this.outageThresholdMs,
      minCount: this.minCount,
      cells: this.sortedAcc().map((c) => ({
        i: c.i,
        j: c.j,
        count: c.count,
        lost: c.lost,
        outage: c.outage,
        sumMs: c.sumMs,
        buckets: [...c.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, v]) => [b, v.count, v.maxMs] as [number, number, number]),
      })),
    };
  }

  /** Loads a map written by toJSON (parsed JSON); throws a TypeError naming the first bad field. */
  static fromJSON(json: unknown): NetworkMap {
    const fail = (msg: string): never => {
      throw new TypeError(`NetworkMap.fromJSON: ${msg}`);
    };
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('expected an object');
    const o = json as Record<string, unknown>;
    if (o.format !== NETWORK_MAP_FORMAT) fail(`format must be "${NETWORK_MAP_FORMAT}", got ${JSON.stringify(o.format)}`);
    if (o.version !== NETWORK_MAP_VERSION) {
      fail(`unsupported version ${JSON.stringify(o.version)} (this build reads version ${NETWORK_MAP_VERSION})`);
    }
    if (o.histogram !== HISTOGRAM_ID) fail(`histogram must be "${HISTOGRAM_ID}", got ${JSON.stringify(o.histogram)}`);
    if (typeof o.mapFrame !== 'string' || o.mapFrame === '') fail('mapFrame must be a non-empty string');
    const num = (v: unknown, what: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`${what} must be a finite number`));
    const count = (v: unknown, what: string): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${what} must be a non-negative integer`));
    let map: NetworkMap;
    try {
      map = new NetworkMap({
        mapFrame: o.mapFrame as string,
        cellSizeM: num(o.cellSizeM, 'cellSizeM'),
        originXM: num(o.originXM, 'originXM'),
        originYM: num(o.originYM, 'originYM'),
        outageThresholdMs: num(o.outageThresholdMs, 'outageThresholdMs'),
        minCount: count(o.minCount, 'minCount'),
      });
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    if (!Array.isArray(o.cells)) return fail('cells must be an array');
    o.cells.forEach((raw: unknown, n) => {
      const at = `cells[${n}]`;
      if (typeof raw !== 'object' || raw === null) fail(`${at} must be an object`);
      const c = raw as Record<string, unknown>;
      const i = Number.isSafeInteger(c.i) ? (c.i as number) : fail(`${at}.i must be an integer`);
      const j = Number.isSafeInteger(c.j) ? (c.j as number) : fail(`${at}.j must be an integer`);
      if (map.acc.has(key(i, j))) fail(`${at}: duplicate cell (${i}, ${j})`);
      const acc: CellAcc = {
        i, j,
        count: count(c.count, `${at}.count`),
        lost: count(c.lost, `${at}.lost`),
        outage: count(c.outage, `${at}.outage`),
        sumMs: num(c.sumMs, `${at}.sumMs`),
        buckets: new Map(),
      };
      if (acc.lost > acc.outage || acc.outage > acc.count) fail(`${at}: needs lost <= outage <= count`);
      if (!Array.isArray(c.buckets)) fail(`${at}.buckets must be an array`);
      let delivered = 0;
      (c.buckets as unknown[]).forEach((rb, m) => {
        const bat = `${at}.buckets[${m}]`;
        if (!Array.isArray(rb) || rb.length !== 3) fail(`${bat} must be [bucket, count, maxMs]`);
        const [b, bc, bm] = rb as unknown[];
        const bi = count(b, `${bat}[0]`);
        if (bi >= HISTOGRAM_BUCKETS) fail(`${bat}: bucket ${bi} out of range (0..${HISTOGRAM_BUCKETS - 1})`);
        if (acc.buckets.has(bi)) fail(`${bat}: duplicate bucket ${bi}`);
        const n2 = count(bc, `${bat}[1]`);
        const maxMs = num(bm, `${bat}[2]`);
        const [lo, hi] = bucketRange(bi);
        if (n2 === 0 || maxMs < lo || maxMs >= hi) fail(`${bat}: needs count > 0 and ${lo} <= maxMs < ${hi}`);
        acc.buckets.set(bi, { count: n2, maxMs });
        delivered += n2;
      });
      if (delivered !== acc.count - acc.lost) fail(`${at}: bucket counts sum to ${delivered}, expected count - lost = ${acc.count - acc.lost}`);
      map.acc.set(key(i, j), acc);
    });
    return map;
  }

  private sortedAcc(): CellAcc[] {
    return [...this.acc.values()].sort((a, b) => a.i - b.i || a.j - b.j);
  }

  private summarize(c: CellAcc): CellSummary {
    const delivered = c.count - c.lost;
    const sorted = [...c.buckets.entries()].sort((a, b) => a[0] - b[0]);
    const quantile = (p: number): number | null => {
      if (delivered === 0) return null;
      // Nearest rank; the epsilon keeps p * n = 9.000000000000002 from becoming rank 10.
      const rank = Math.max(1, Math.ceil(p * delivered - 1e-9));
      let seen = 0;
      for (const [, b] of sorted) {
        seen += b.count;
        if (seen >= rank) return b.maxMs;
      }
      return sorted[sorted.length - 1]![1].maxMs;
    };
    return {
      i: c.i,
      j: c.j,
      centerXM: this.originXM + (c.i + 0.5) * this.cellSizeM,
      centerYM: this.originYM + (c.j + 0.5) * this.cellSizeM,
      count: c.count,
      lostCount: c.lost,
      outageRate: c.count === 0 ? 0 : c.outage / c.count,
      meanMs: delivered === 0 ? null : c.sumMs / delivered,
      p50Ms: quantile(0.5),
      p90Ms: quantile(0.9),
      p99Ms: quantile(0.99),
      maxMs: quantile(1),
    };
  }

  /**
   * Grid traversal (Amanatides-Woo) of the segment (x0, y0) -> (x1, y1), which starts at arc length s0M. Each
   * boundary crossing is computed from the boundary itself (not accumulated), as arc length, so axis-aligned
   * roads get exact entry points.
   */
  private traverse(
    x0: number, y0: number, x1: number, y1: number, s0M: number, lengthM: number,
    visit: (i: number, j: number, sM: number) => void,
  ): void {
    let { i, j } = this.cellOf(x0, y0);
    const end = this.cellOf(x1, y1);
    visit(i, j, s0M);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const c = this.cellSizeM;
    const stepI = Math.sign(dx);
    const stepJ = Math.sign(dy);
    const sPerX = dx === 0 ? Infinity : lengthM / Math.abs(dx);
    const sPerY = dy === 0 ? Infinity : lengthM / Math.abs(dy);
    // Arc length from s0M to the next vertical / horizontal boundary in the direction of travel.
    const nextSX = (): number => (dx === 0 ? Infinity : Math.abs(this.originXM + (stepI > 0 ? i + 1 : i) * c - x0) * sPerX);
    const nextSY = (): number => (dy === 0 ? Infinity : Math.abs(this.originYM + (stepJ > 0 ? j + 1 : j) * c - y0) * sPerY);
    // Bounded by the number of boundaries crossed; the guard protects against rounding at the last one.
    let steps = Math.abs(end.i - i) + Math.abs(end.j - j);
    while (steps-- > 0 && (i !== end.i || j !== end.j)) {
      const sx = nextSX();
      const sy = nextSY();
      if (sx < sy) i += stepI;
      else j += stepJ;
      visit(i, j, s0M + Math.min(lengthM, Math.min(sx, sy)));
    }
  }
}

function worse(a: CellSummary, b: CellSummary): boolean {
  if (a.outageRate !== b.outageRate) return a.outageRate > b.outageRate;
  const pa = a.p90Ms ?? Infinity;
  const pb = b.p90Ms ?? Infinity;
  return pa > pb; // equal: keep the nearer one
}
