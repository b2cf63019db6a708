// Network models for the one-way RSU -> vehicle path: given when a message is sent (and where the ego is), decide
// whether it arrives and how late. Pure: time is an argument and all randomness comes from the caller's Rng, so a
// run with the same seed replays bit for bit. Models are stateful only where the real thing is (Gilbert-Elliott
// channel state, token bucket, per-stream FIFO), and then they must see messages in send order.
import type { Rng } from '../world/rng.js';
import { DEFAULT_LOSS_CUTOFF_RTT_MS } from '../../shared/netmap/build.js';
import { readCicv5g, tracePeriodMs, worstCicv5gWindow, type Cicv5gRow, type Cicv5gTrace } from './cicv5g.js';

const NS_PER_MS = 1e6;
const NS_PER_S = 1e9;

export interface NetworkContext {
  /** Ego position in the trace's frame (UTM 51N for CICV5G), m: needed by position-indexed traces. */
  egoXM?: number;
  egoYM?: number;
  /** Ego progress along its route, m: needed by route-indexed traces. */
  routeSM?: number;
  /** Encoded message size, bytes: needed by BandwidthLimit. */
  sizeBytes?: number;
  /** FifoLink keeps order per stream; messages without a stream id share one stream. */
  streamId?: string;
}

export interface NetworkSample {
  delivered: boolean;
  /** One-way delay, ms; Infinity when not delivered. */
  delayMs: number;
}

export interface NetworkModel {
  /** sendTimeNs: when the message enters this model, ns (epoch or sim time; only differences matter). */
  sample(sendTimeNs: number, ctx: NetworkContext, rng: Rng): NetworkSample;
  describe(): string;
}

const LOST: NetworkSample = Object.freeze({ delivered: false, delayMs: Infinity });
const delivered = (delayMs: number): NetworkSample => ({ delivered: true, delayMs });

function requireFinite(value: number, what: string, min = -Infinity): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${what} must be a finite number >= ${min}, got ${value}`);
}
function requireProbability(value: number, what: string): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${what} must be a probability in [0, 1], got ${value}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parametric delay models

export class FixedDelayModel implements NetworkModel {
  constructor(readonly delayMs: number) {
    requireFinite(delayMs, 'fixed delay (ms)', 0);
  }
  sample(): NetworkSample {
    return delivered(this.delayMs);
  }
  describe(): string {
    return `fixed(${this.delayMs} ms)`;
  }
}

export interface JitterOptions {
  meanMs: number;
  stdMs: number;
  /** Draws below this are clamped up to it (a real path has a floor), ms. Default 0. */
  minMs?: number;
  /** 'normal' (default) or 'gamma' (right-skewed like real latency; needs meanMs > 0). */
  distribution?: 'normal' | 'gamma';
}

/** Random delay per message. Independent draws reorder messages; wrap in FifoLink to keep stream order. */
export class JitterDelayModel implements NetworkModel {
  readonly meanMs: number;
  readonly stdMs: number;
  readonly minMs: number;
  readonly distribution: 'normal' | 'gamma';
  constructor(options: JitterOptions) {
    this.meanMs = options.meanMs;
    this.stdMs = options.stdMs;
    this.minMs = options.minMs ?? 0;
    this.distribution = options.distribution ?? 'normal';
    requireFinite(this.meanMs, 'jitter mean (ms)', 0);
    requireFinite(this.stdMs, 'jitter std (ms)', 0);
    requireFinite(this.minMs, 'jitter min (ms)', 0);
    if (this.distribution === 'gamma' && this.meanMs === 0) throw new RangeError('gamma jitter needs a mean > 0');
  }
  sample(_sendTimeNs: number, _ctx: NetworkContext, rng: Rng): NetworkSample {
    let d: number;
    if (this.stdMs === 0) d = this.meanMs;
    else if (this.distribution === 'normal') d = rng.normal(this.meanMs, this.stdMs);
    else {
      // Shape k and scale theta from mean = k*theta, var = k*theta^2.
      const theta = (this.stdMs * this.stdMs) / this.meanMs;
      d = sampleGamma(this.meanMs / theta, rng) * theta;
    }
    return delivered(Math.max(this.minMs, d));
  }
  describe(): string {
    return `jitter(${this.distribution} mean ${this.meanMs} ms, std ${this.stdMs} ms, min ${this.minMs} ms)`;
  }
}

/** Gamma(shape, 1) by Marsaglia-Tsang; shape < 1 via the boost Gamma(k) = Gamma(k + 1) * U^(1/k). */
function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.next(); // (0, 1]: log(u) is finite
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Loss, outages, bandwidth: stages that add loss or delay on top of a delay model (compose with SeriesModel)

export interface GilbertElliottParams {
  /** P(good -> bad) per message. */
  p: number;
  /** P(bad -> good) per message. */
  r: number;
  lossGood: number;
  lossBad: number;
}

/** Long-run loss rate: pi_bad = p / (p + r), loss = pi_good * lossGood + pi_bad * lossBad. */
export function gilbertElliottStationaryLoss({ p, r, lossGood, lossBad }: GilbertElliottParams): number {
  const piBad = p + r === 0 ? 0 : p / (p + r); // p = r = 0: the chain never leaves its start state, good
  return (1 - piBad) * lossGood + piBad * lossBad;
}

/**
 * Bursty loss: a two-state Markov channel stepped once per message. The message is lost with the current state's
 * loss probability, then the state moves. Always two draws per message so the stream of draws does not depend on
 * the state. Starts in the good state. Adds no delay.
 */
export class GilbertElliottLoss implements NetworkModel {
  private bad = false;
  constructor(readonly params: GilbertElliottParams) {
    requireProbability(params.p, 'Gilbert-Elliott p');
    requireProbability(params.r, 'Gilbert-Elliott r');
    requireProbability(params.lossGood, 'Gilbert-Elliott lossGood');
    requireProbability(params.lossBad, 'Gilbert-Elliott lossBad');
  }
  get inBadState(): boolean {
    return this.bad;
  }
  sample(_sendTimeNs: number, _ctx: NetworkContext, rng: Rng): NetworkSample {
    const lost = rng.next() < (this.bad ? this.params.lossBad : this.params.lossGood);
    const move = rng.next() < (this.bad ? this.params.r : this.params.p);
    if (move) this.bad = !this.bad;
    return lost ? LOST : delivered(0);
  }
  describe(): string {
    const { p, r, lossGood, lossBad } = this.params;
    const loss = gilbertElliottStationaryLoss(this.params);
    return `gilbert-elliott(p ${p}, r ${r}, loss good ${lossGood}, bad ${lossBad}; long-run loss ${round(loss, 4)})`;
  }
}

export interface OutageWindow {
  /** Seconds since the run start; the window is [startS, endS). */
  startS: number;
  endS: number;
}

/**
 * Scheduled link outages. 'hold' (default): a message that enters during a window is delivered when the window
 * ends; that is what our TCP transports (MQTT, ZeroMQ) do, and what the CICV5G traces show: messages sent into
 * an outage all come back together when the link returns. 'drop': it is lost (a datagram link, or a sender that
 * discards stale frames). Overlapping or touching windows are merged, so a held message waits for the whole outage.
 */
export class OutageModel implements NetworkModel {
  readonly windows: readonly OutageWindow[];
  constructor(
    windows: readonly OutageWindow[],
    readonly mode: 'hold' | 'drop' = 'hold',
    readonly runStartNs = 0,
  ) {
    for (const w of windows) {
      requireFinite(w.startS, 'outage start (s)');
      requireFinite(w.endS, 'outage end (s)');
      if (!(w.endS > w.startS)) throw new RangeError(`outage window must end after it starts, got [${w.startS}, ${w.endS})`);
    }
    const sorted = [...windows].sort((a, b) => a.startS - b.startS);
    const merged: OutageWindow[] = [];
    for (const w of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && w.startS <= last.endS) last.endS = Math.max(last.endS, w.endS);
      else merged.push({ startS: w.startS, endS: w.endS });
    }
    this.windows = merged;
  }
  sample(sendTimeNs: number, _ctx: NetworkContext, _rng: Rng): NetworkSample {
    // In ns from the run start: exact for whole-ns times, so a held delay comes out in whole ms where it should.
    const tNs = sendTimeNs - this.runStartNs;
    const w = this.windows.find((x) => tNs >= x.startS * NS_PER_S && tNs < x.endS * NS_PER_S);
    if (w === undefined) return delivered(0);
    return this.mode === 'drop' ? LOST : delivered((w.endS * NS_PER_S - tNs) / NS_PER_MS);
  }
  describe(): string {
    return `outage(${this.mode}, ${this.windows.map((w) => `[${w.startS} s, ${w.endS} s)`).join(', ')})`;
  }
}

/**
 * A link of rateBytesPerS behind a token bucket of burstBytes (initially full). Messages go out in the order they
 * are sampled: a message of N bytes leaves once the link is free and the bucket holds N tokens; if N exceeds what
 * the bucket holds it drains tokens as they arrive, so an oversize message leaves after (N - tokens) / rate. The
 * delay is the wait from entering the stage to leaving it. With the default burst 0 that is pure serialisation:
 * three 250 kB messages at t = 0 on 1e6 B/s leave at 250, 500, 750 ms; with a 250 kB burst at 0, 250, 500 ms.
 */
export class BandwidthLimit implements NetworkModel {
  private originNs: number | undefined;
  /** Relative to originNs (small numbers, so ns arithmetic stays exact). */
  private lastDepartNs = 0;
  private levelBytes: number;
  constructor(
    readonly rateBytesPerS: number,
    readonly burstBytes = 0,
    /** Size used when ctx.sizeBytes is absent; undefined means the caller must always give a size. */
    readonly defaultSizeBytes?: number,
  ) {
    if (!(Number.isFinite(rateBytesPerS) && rateBytesPerS > 0)) throw new RangeError(`bandwidth must be > 0 B/s, got ${rateBytesPerS}`);
    requireFinite(burstBytes, 'bandwidth burst (bytes)', 0);
    if (defaultSizeBytes !== undefined) requireFinite(defaultSizeBytes, 'default message size (bytes)', 0);
    this.levelBytes = burstBytes;
  }
  sample(sendTimeNs: number, ctx: NetworkContext, _rng: Rng): NetworkSample {
    const size = ctx.sizeBytes ?? this.defaultSizeBytes;
    if (size === undefined) throw new RangeError('BandwidthLimit needs ctx.sizeBytes (or a default message size)');
    requireFinite(size, 'message size (bytes)', 0);
    if (this.originNs === undefined) this.originNs = sendTimeNs;
    const arriveNs = sendTimeNs - this.originNs;
    const startNs = Math.max(arriveNs, this.lastDepartNs);
    const tokens = Math.min(this.burstBytes, this.levelBytes + (this.rateBytesPerS * (startNs - this.lastDepartNs)) / NS_PER_S);
    let departNs = startNs;
    if (tokens >= size) this.levelBytes = tokens - size;
    else {
      departNs = startNs + ((size - tokens) / this.rateBytesPerS) * NS_PER_S;
      this.levelBytes = 0;
    }
    this.lastDepartNs = departNs;
    return delivered((departNs - arriveNs) / NS_PER_MS);
  }
  describe(): string {
    return `bandwidth(${this.rateBytesPerS} B/s, burst ${this.burstBytes} B)`;
  }
}

/**
 * Stages in path order: each sees the time the message reaches it (send time plus the delays before it) and adds
 * its delay; a loss anywhere loses the message and later stages are not consulted (so a lost message takes no
 * link capacity and does not step a later Gilbert-Elliott channel).
 */
export class SeriesModel implements NetworkModel {
  constructor(readonly stages: readonly NetworkModel[]) {
    if (stages.length === 0) throw new RangeError('SeriesModel needs at least one stage');
  }
  sample(sendTimeNs: number, ctx: NetworkContext, rng: Rng): NetworkSample {
    let totalMs = 0;
    for (const stage of this.stages) {
      const s = stage.sample(sendTimeNs + totalMs * NS_PER_MS, ctx, rng);
      if (!s.delivered) return LOST;
      totalMs += s.delayMs;
    }
    return delivered(totalMs);
  }
  describe(): string {
    return this.stages.map((s) => s.describe()).join(' + ');
  }
}

/**
 * Keeps each stream in order: a message never arrives before the previous delivered message of its stream
 * (ctx.streamId), it waits for it instead. Real IP networks reorder rarely; our transports run over TCP, where
 * reordering cannot happen, so independent jitter draws must not produce it. Lost messages do not hold later ones.
 * Guaranteed on arrival = sendTimeNs + delayMs * 1e6 computed in doubles, the way a scheduler will compute it,
 * so messages held behind one another get equal (not one-ulp inverted) arrival times.
 */
export class FifoLink implements NetworkModel {
  private readonly lastArrivalNs = new Map<string, number>();
  constructor(readonly inner: NetworkModel) {}
  sample(sendTimeNs: number, ctx: NetworkContext, rng: Rng): NetworkSample {
    const s = this.inner.sample(sendTimeNs, ctx, rng);
    if (!s.delivered) return s;
    const key = ctx.streamId ?? '';
    const prevNs = this.lastArrivalNs.get(key);
    let delayMs = s.delayMs;
    if (prevNs !== undefined && sendTimeNs + delayMs * NS_PER_MS < prevNs) {
      // prevNs - sendTimeNs is exact when the two are within a factor of 2 (Sterbenz), e.g. any epoch-scale times;
      // the loop absorbs the rounding of the division so the double-computed arrival is not below prevNs.
      delayMs = (prevNs - sendTimeNs) / NS_PER_MS;
      for (let k = 0; k < 16 && sendTimeNs + delayMs * NS_PER_MS < prevNs; k++) {
        delayMs += Math.abs(delayMs) * Number.EPSILON || Number.MIN_VALUE;
      }
    }
    this.lastArrivalNs.set(key, Math.max(prevNs ?? -Infinity, sendTimeNs + delayMs * NS_PER_MS));
    return delayMs === s.delayMs ? s : delivered(delayMs);
  }
  describe(): string {
    return `fifo(${this.inner.describe()})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Trace replay

export type TraceIndex = 'time' | 'position' | 'route';

export interface TraceDelayOptions {
  /**
   * 'time': row at or before (sendTime - runStart) mod period, where period = span of pub times plus one mean
   * publish interval (so the last row gets its share before the loop). 'position': the row nearest to the ego
   * (ctx.egoXM/egoYM, in the trace's frame), ties to the earliest row. 'route': the row whose driven distance
   * from the trace's start is nearest to ctx.routeSM (clamped to the drive), for an ego route in another frame.
   */
  index: TraceIndex;
  /** Start of the run, ns, same clock as sendTimeNs. Default 0. */
  runStartNs?: number;
  /** Rows whose round-trip delay exceeds this are lost, ms. Default 10 000 (10 s). */
  lossCutoffRttMs?: number;
  /** Cell size of the spatial index for 'position', m. Default 10. */
  gridCellM?: number;
  /** 'time' only: the run starts this far into the trace, s (>= 0). Default 0. */
  offsetS?: number;
}

/**
 * Replays a CICV5G trace. One-way delay = round-trip / 2: a V2N2V round trip is two symmetric legs through the
 * cloud (vehicle -> cloud -> vehicle), and an RSU -> cloud -> vehicle message travels one of them. Rows above the
 * cut-off are lost. The result reorders only as much as the trace does; wrap in FifoLink for strict order.
 */
export class TraceDelayModel implements NetworkModel {
  readonly index: TraceIndex;
  readonly runStartNs: number;
  readonly lossCutoffRttMs: number;
  readonly offsetS: number;
  private readonly rows: readonly Cicv5gRow[];
  private readonly offsetsMs: number[];
  private readonly periodMs: number;
  private grid: PointGrid | undefined;
  private drivenM: number[] | undefined;

  constructor(readonly trace: Cicv5gTrace, options: TraceDelayOptions) {
    if (trace.rows.length === 0) throw new RangeError(`${trace.origin}: trace has no rows`);
    this.rows = trace.rows;
    this.index = options.index;
    this.runStartNs = options.runStartNs ?? 0;
    this.lossCutoffRttMs = options.lossCutoffRttMs ?? DEFAULT_LOSS_CUTOFF_RTT_MS;
    requireFinite(this.lossCutoffRttMs, 'loss cut-off (ms)', 0);
    this.offsetS = options.offsetS ?? 0;
    requireFinite(this.offsetS, 'trace offset (s)', 0);
    if (this.offsetS !== 0 && this.index !== 'time') throw new RangeError('a trace offset needs the time index');
    const first = this.rows[0]!.pubTimeMs;
    this.offsetsMs = this.rows.map((r) => r.pubTimeMs - first);
    this.periodMs = tracePeriodMs(this.rows);
    if (this.index === 'position') {
      this.grid = new PointGrid(this.rows, options.gridCellM ?? 10);
    } else if (this.index === 'route') {
      const d = [0];
      for (let i = 1; i < this.rows.length; i++) d.push(d[i - 1]! + Math.hypot(this.rows[i]!.xM - this.rows[i - 1]!.xM, this.rows[i]!.yM - this.rows[i - 1]!.yM));
      this.drivenM = d;
    } else if (this.index !== 'time') {
      throw new RangeError(`trace index must be time, position or route, got ${String(this.index)}`);
    }
  }

  /** Index of the row this message replays. */
  rowIndexFor(sendTimeNs: number, ctx: NetworkContext): number {
    if (this.grid !== undefined) {
      const { egoXM, egoYM } = ctx;
      if (egoXM === undefined || egoYM === undefined) throw new RangeError('position-indexed trace needs ctx.egoXM and ctx.egoYM');
      return this.grid.nearest(egoXM, egoYM);
    }
    if (this.drivenM !== undefined) {
      if (ctx.routeSM === undefined) throw new RangeError('route-indexed trace needs ctx.routeSM');
      return nearestSorted(this.drivenM, ctx.routeSM);
    }
    const elapsedMs = (sendTimeNs - this.runStartNs) / NS_PER_MS + this.offsetS * 1000;
    const tMs = ((elapsedMs % this.periodMs) + this.periodMs) % this.periodMs;
    // At epoch scale a double holds ns only to ~256 ns, so a send time meant to equal a row's pub time can land
    // just before it: within 1 us counts as at the row.
    return Math.max(0, upperBound(this.offsetsMs, tMs + 1e-3) - 1);
  }

  sample(sendTimeNs: number, ctx: NetworkContext, _rng: Rng): NetworkSample {
    const row = this.rows[this.rowIndexFor(sendTimeNs, ctx)]!;
    return row.delayMs > this.lossCutoffRttMs ? LOST : delivered(row.delayMs / 2);
  }

  describe(): string {
    const from = this.offsetS !== 0 ? `+${this.offsetS} s` : '';
    return `trace(${this.trace.origin} @${this.index}${from}, one-way = RTT/2, lost above RTT ${this.lossCutoffRttMs} ms)`;
  }
}

/** First index i with sorted[i] > value (sorted ascending). */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the value nearest to `value` in an ascending array; ties (and runs of equal values) to the earliest. */
function nearestSorted(sorted: readonly number[], value: number): number {
  let hi = 0; // first index with sorted[hi] >= value: already the earliest of its run
  let end = sorted.length;
  while (hi < end) {
    const mid = (hi + end) >>> 1;
    if (sorted[mid]! < value) hi = mid + 1;
    else end = mid;
  }
  if (hi === sorted.length) return firstOf(sorted, hi - 1);
  if (hi === 0) return 0;
  return value - sorted[hi - 1]! <= sorted[hi]! - value ? firstOf(sorted, hi - 1) : hi;
}

/** Earliest index holding the same value as sorted[i]. */
function firstOf(sorted: readonly number[], i: number): number {
  let j = i;
  while (j > 0 && sorted[j - 1] === sorted[i]) j--;
  return j;
}

/**
 * Uniform-grid nearest-neighbour index over the trace positions: cells are searched in square rings around the
 * query's cell and the search stops once no unsearched ring can hold a closer point, so a query costs a few cells
 * instead of a scan of every row.
 */
class PointGrid {
  private readonly minX: number;
  private readonly minY: number;
  private readonly nx: number;
  private readonly ny: number;
  /** CSR layout: points of cell c are items[start[c] .. start[c + 1]), in ascending row order. */
  private readonly start: Int32Array;
  private readonly items: Int32Array;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;

  constructor(points: readonly { xM: number; yM: number }[], private readonly cellM: number) {
    if (!(Number.isFinite(cellM) && cellM > 0)) throw new RangeError(`grid cell size must be > 0 m, got ${cellM}`);
    const n = points.length;
    this.xs = Float64Array.from(points, (p) => p.xM);
    this.ys = Float64Array.from(points, (p) => p.yM);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, this.xs[i]!); maxX = Math.max(maxX, this.xs[i]!);
      minY = Math.min(minY, this.ys[i]!); maxY = Math.max(maxY, this.ys[i]!);
    }
    this.minX = minX;
    this.minY = minY;
    this.nx = Math.floor((maxX - minX) / cellM) + 1;
    this.ny = Math.floor((maxY - minY) / cellM) + 1;
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(this.nx * this.ny + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cx(this.xs[i]!) * this.ny + this.cy(this.ys[i]!);
      cellOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 0; c < this.nx * this.ny; c++) counts[c + 1]! += counts[c]!;
    this.start = counts;
    this.items = new Int32Array(n);
    const fill = counts.slice(0, -1);
    for (let i = 0; i < n; i++) this.items[fill[cellOf[i]!]!++] = i;
  }

  private cx(x: number): number {
    return Math.floor((x - this.minX) / this.cellM);
  }
  private cy(y: number): number {
    return Math.floor((y - this.minY) / this.cellM);
  }

  nearest(x: number, y: number): number {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`ego position must be finite, got (${x}, ${y})`);
    const qi = this.cx(x);
    const qj = this.cy(y);
    // First ring that reaches the grid, and the ring that covers all of it.
    const r0 = Math.max(0, -qi, qi - (this.nx - 1), -qj, qj - (this.ny - 1));
    const rMax = Math.max(Math.abs(qi), Math.abs(qi - (this.nx - 1)), Math.abs(qj), Math.abs(qj - (this.ny - 1)));
    let best = -1;
    let bestD2 = Infinity;
    for (let r = r0; r <= rMax; r++) {
      const iLo = Math.max(0, qi - r), iHi = Math.min(this.nx - 1, qi + r);
      for (let i = iLo; i <= iHi; i++) {
        // Whole column on the ring's left/right edge, else only its top and bottom cells; clipped to the grid so
        // a query far outside (an ego in another frame) costs no more than the grid.
        const onEdge = i === qi - r || i === qi + r;
        const jLo = Math.max(0, qj - r), jHi = Math.min(this.ny - 1, qj + r);
        const jStep = onEdge || r === 0 ? 1 : 2 * r;
        for (let j = onEdge ? jLo : qj - r; j <= jHi; j += jStep) {
          if (j < jLo) continue;
          const c = i * this.ny + j;
          for (let k = this.start[c]!; k < this.start[c + 1]!; k++) {
            const idx = this.items[k]!;
            const d2 = (this.xs[idx]! - x) ** 2 + (this.ys[idx]! - y) ** 2;
            if (d2 < bestD2 || (d2 === bestD2 && idx < best)) {
              best = idx;
              bestD2 = d2;
            }
          }
        }
      }
      // Points in rings beyond r are at least r cells away; strict so an equally near, earlier row still wins.
      if (best >= 0 && Math.sqrt(bestD2) < r * this.cellM) break;
    }
    return best;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CLI spec

export class NetworkSpecError extends SyntaxError {}

export interface NetworkSpecOptions {
  /** Run start for time-indexed traces and outage windows, ns. Default 0. */
  runStartNs?: number;
  /** Loads `trace:PATH`; default readCicv5g (synchronous file read). */
  loadTrace?: (path: string) => Cicv5gTrace;
  /** Wrap the result in FifoLink (default true): our transports never reorder a stream. */
  fifo?: boolean;
  lossCutoffRttMs?: number;
}

export const NETWORK_SPEC_HELP = [
  'stages joined by "+", in path order:',
  '  fixed:MS                      constant delay',
  '  jitter:MEAN,STD[,MIN][@normal|@gamma]   random delay, clamped at MIN (default 0)',
  '  ge:P,R,LOSS_GOOD,LOSS_BAD     Gilbert-Elliott bursty loss',
  '  trace:PATH[@time|@position|@route]      CICV5G replay, one-way = RTT/2 (default @time)',
  '  trace:PATH@time+S | @worst[:S]            ... from S s into the trace / from its worst window of S s',
  '  outage:START-END[,START-END...][@hold|@drop]  outage windows, s since run start (default @hold)',
  '  bw:BYTES_PER_S[,BURST_BYTES]  token-bucket bandwidth limit',
].join('\n');

/**
 * Builds a model from a CLI spec such as `trace:data/urban.txt@position+ge:0.01,0.3,0,0.8` or
 * `fixed:20+jitter:0,5+bw:1e6`. Paths may not contain "+". Throws NetworkSpecError naming the bad stage.
 */
export function parseNetworkSpec(spec: string, options: NetworkSpecOptions = {}): NetworkModel {
  const fail = (msg: string): never => {
    throw new NetworkSpecError(`network spec "${spec}": ${msg}\n${NETWORK_SPEC_HELP}`);
  };
  if (spec.trim() === '') fail('empty');
  const stages = spec.split(/(?<!@time)\+/).map((raw, k) => {
    const part = raw.trim();
    try {
      return parseStage(part, options);
    } catch (e) {
      if (e instanceof NetworkSpecError || e instanceof RangeError) return fail(`stage ${k + 1} "${part}": ${e.message}`);
      throw e;
    }
  });
  const model = stages.length === 1 ? stages[0]! : new SeriesModel(stages);
  return options.fifo === false ? model : new FifoLink(model);
}

function parseStage(part: string, options: NetworkSpecOptions): NetworkModel {
  const colon = part.indexOf(':');
  if (colon < 0) throw new NetworkSpecError('expected KIND:ARGS');
  const kind = part.slice(0, colon);
  const body = part.slice(colon + 1);
  const { args, suffix } = splitSuffix(body);
  const numbers = (min: number, max: number): number[] => {
    const parts = args.split(',');
    if (parts.length < min || parts.length > max) {
      throw new NetworkSpecError(`${kind} takes ${min === max ? min : `${min} to ${max}`} comma-separated numbers, got ${parts.length}`);
    }
    return parts.map(parseNumber);
  };
  const noSuffix = (): void => {
    if (suffix !== undefined) throw new NetworkSpecError(`${kind} takes no @${suffix}`);
  };
  const runStartNs = options.runStartNs ?? 0;
  switch (kind) {
    case 'fixed': {
      noSuffix();
      return new FixedDelayModel(numbers(1, 1)[0]!);
    }
    case 'jitter': {
      const [meanMs, stdMs, minMs] = numbers(2, 3) as [number, number, number | undefined];
      if (suffix !== undefined && suffix !== 'normal' && suffix !== 'gamma') throw new NetworkSpecError(`jitter distribution must be @normal or @gamma, got @${suffix}`);
      return new JitterDelayModel({ meanMs, stdMs, minMs: minMs ?? 0, distribution: suffix ?? 'normal' });
    }
    case 'ge': {
      noSuffix();
      const [p, r, lossGood, lossBad] = numbers(4, 4) as [number, number, number, number];
      return new GilbertElliottLoss({ p, r, lossGood, lossBad });
    }
    case 'bw': {
      noSuffix();
      const [rate, burst] = numbers(1, 2) as [number, number | undefined];
      return new BandwidthLimit(rate, burst ?? 0);
    }
    case 'outage': {
      if (suffix !== undefined && suffix !== 'hold' && suffix !== 'drop') throw new NetworkSpecError(`outage mode must be @hold or @drop, got @${suffix}`);
      const windows = args.split(',').map((w) => {
        const ends = w.split('-');
        if (ends.length !== 2) throw new NetworkSpecError(`outage window must be START-END in seconds, got "${w}"`);
        return { startS: parseNumber(ends[0]!), endS: parseNumber(ends[1]!) };
      });
      return new OutageModel(windows, suffix ?? 'hold', runStartNs);
    }
    case 'trace': {
      // @time+S: S seconds into the trace; @worst[:S]: the start of its worst window of S seconds.
      const start = /^(.*)@(?:time\+(.*)|worst(?::(.*))?)$/.exec(body);
      const path = start ? start[1]! : args;
      if (path === '') throw new NetworkSpecError('trace needs a file path');
      if (!start && suffix !== undefined && suffix !== 'time' && suffix !== 'position' && suffix !== 'route') {
        throw new NetworkSpecError(`trace index must be @time, @time+S, @worst[:S], @position or @route, got @${suffix}`);
      }
      const load = options.loadTrace ?? readCicv5g;
      const trace = load(path);
      const cutoff = options.lossCutoffRttMs !== undefined ? { lossCutoffRttMs: options.lossCutoffRttMs } : {};
      let offsetS = 0;
      if (start?.[2] !== undefined) {
        offsetS = parseNumber(start[2]);
        if (offsetS < 0) throw new NetworkSpecError(`trace offset must be >= 0 s, got ${offsetS}`);
      } else if (start) {
        if (start[3] === undefined) throw new NetworkSpecError('trace @worst needs the window length here: @worst:SECONDS (iaad sim takes the scenario\'s duration)');
        const windowS = parseNumber(start[3]);
        if (!(windowS > 0)) throw new NetworkSpecError(`trace @worst window must be > 0 s, got ${windowS}`);
        offsetS = worstCicv5gWindow(trace, windowS, options.lossCutoffRttMs).startS;
      }
      return new TraceDelayModel(trace, {
        index: start ? 'time' : (suffix as TraceIndex | undefined) ?? 'time',
        runStartNs,
        ...cutoff,
        ...(offsetS !== 0 ? { offsetS } : {}),
      });
    }
    default:
      throw new NetworkSpecError(`unknown kind "${kind}" (expected fixed, jitter, ge, trace, outage, bw)`);
  }
}

/** Splits a trailing "@word" off the stage arguments (paths may contain "@" elsewhere). */
function splitSuffix(body: string): { args: string; suffix: string | undefined } {
  const m = /^(.*)@([A-Za-z]+)$/.exec(body);
  return m === null ? { args: body, suffix: undefined } : { args: m[1]!, suffix: m[2]! };
}

function parseNumber(s: string): number {
  const t = s.trim();
  const v = Number(t);
  if (t === '' || !Number.isFinite(v)) throw new NetworkSpecError(`"${s}" is not a number`);
  return v;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
