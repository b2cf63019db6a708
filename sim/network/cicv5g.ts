// Parser and summary statistics for CICV5G real 5G delay traces (see docs/network-models.md for the format and
// the CC BY 4.0 attribution). Each row is one vehicle -> cloud -> vehicle (V2N2V) round trip with the car's pose
// and radio conditions; a bad link shows as a very large delay, never as a missing row.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DEFAULT_LOSS_CUTOFF_RTT_MS } from '../../shared/netmap/build.js';

export interface Cicv5gRow {
  /** Publish time on the car's logger, ms since the epoch. */
  pubTimeMs: number;
  /** Time the echoed message came back, same clock, ms since the epoch. */
  subTimeMs: number;
  /** Round-trip (V2N2V) delay, ms: subTimeMs - pubTimeMs. */
  delayMs: number;
  /** UTM zone 51N easting, m. */
  xM: number;
  /** UTM zone 51N northing, m. */
  yM: number;
  headingRad: number;
  speedMps: number;
  /** Serving cell id, as written (hex text). */
  cellId: string;
  sinrDb: number;
  rsrpDb: number;
}

export interface Cicv5gTrace {
  /** Where the rows came from (a file name or a label), used in messages. */
  origin: string;
  /** Rows in file order; pub times are non-decreasing (checked by the parser). */
  rows: readonly Cicv5gRow[];
}

const REQUIRED_COLUMNS = 10;
/** The logger writes delay = sub - pub in whole ms; allow 1 ms of rounding before calling a row inconsistent. */
const DELAY_CONSISTENCY_MS = 1;

/**
 * Parses CICV5G text. The first non-empty line is skipped when it is a header (its first field is not a number).
 * Columns past the tenth (currentX/currentY/currentHeading in some files) are ignored; trailing spaces and CRLF
 * are tolerated. A malformed row throws a SyntaxError naming `origin:line`.
 */
export function parseCicv5g(text: string, origin = '<text>'): Cicv5gTrace {
  const lines = text.split(/\r?\n/);
  const rows: Cicv5gRow[] = [];
  let sawContent = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    if (!sawContent) {
      sawContent = true;
      if (!isNumber(fields[0]!)) continue; // header
    }
    const where = `${origin}:${i + 1}`;
    if (fields.length < REQUIRED_COLUMNS) {
      throw new SyntaxError(`${where}: expected at least ${REQUIRED_COLUMNS} columns, got ${fields.length}`);
    }
    const num = (col: number, name: string): number => {
      const raw = fields[col]!;
      if (!isNumber(raw)) throw new SyntaxError(`${where}: column ${col + 1} (${name}) is not a number: "${raw}"`);
      return Number(raw);
    };
    const row: Cicv5gRow = {
      pubTimeMs: num(0, 'pub_time'),
      subTimeMs: num(1, 'sub_time'),
      delayMs: num(2, 'delay'),
      xM: num(3, 'utmX'),
      yM: num(4, 'utmY'),
      headingRad: num(5, 'heading'),
      speedMps: num(6, 'velocity'),
      cellId: fields[7]!,
      sinrDb: num(8, 'sinr'),
      rsrpDb: num(9, 'rsrp'),
    };
    if (row.delayMs < 0) throw new SyntaxError(`${where}: negative delay ${row.delayMs} ms`);
    if (Math.abs(row.subTimeMs - row.pubTimeMs - row.delayMs) > DELAY_CONSISTENCY_MS) {
      throw new SyntaxError(
        `${where}: delay ${row.delayMs} ms disagrees with sub_time - pub_time = ${row.subTimeMs - row.pubTimeMs} ms`,
      );
    }
    const prev = rows[rows.length - 1];
    // Time indexing binary-searches pub times, so they must not go backwards.
    if (prev !== undefined && row.pubTimeMs < prev.pubTimeMs) {
      throw new SyntaxError(`${where}: pub_time ${row.pubTimeMs} goes backwards (previous row ${prev.pubTimeMs})`);
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new SyntaxError(`${origin}: no data rows`);
  return { origin, rows };
}

/** Reads and parses one CICV5G file; messages name the file by its base name. */
export function readCicv5g(path: string): Cicv5gTrace {
  return parseCicv5g(readFileSync(path, 'utf8'), basename(path));
}

function isNumber(s: string): boolean {
  return s !== '' && Number.isFinite(Number(s));
}

/**
 * Quantile of an ascending sample: the element at 0-based index floor(p * (n - 1)), i.e. numpy's
 * `method='lower'` (Hyndman-Fan type 3 gives the same values here). This is the definition that reproduces the
 * data README's table exactly; nearest rank (ceil(p * n)) differs on the sparse tails, e.g. south p95 5014 vs
 * 4960 and w2s p99 283 vs 278.
 */
export function quantileLower(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be in [0, 1], got ${p}`);
  return sortedAsc[Math.floor(p * (sortedAsc.length - 1))]!;
}

export interface Cicv5gSummary {
  rows: number;
  /** Last minus first pub time, s. */
  durationS: number;
  /** Sum of straight-line steps between consecutive positions, m. */
  distanceM: number;
  /** Round-trip delay statistics, ms (quantiles by quantileLower). */
  delayMs: { p50: number; p95: number; p99: number; max: number; mean: number };
}

export function summarizeCicv5g(trace: Cicv5gTrace): Cicv5gSummary {
  const { rows } = trace;
  const delays = rows.map((r) => r.delayMs).sort((a, b) => a - b);
  let distanceM = 0;
  for (let i = 1; i < rows.length; i++) {
    distanceM += Math.hypot(rows[i]!.xM - rows[i - 1]!.xM, rows[i]!.yM - rows[i - 1]!.yM);
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  return {
    rows: rows.length,
    durationS: (last.pubTimeMs - first.pubTimeMs) / 1000,
    distanceM,
    delayMs: {
      p50: quantileLower(delays, 0.5),
      p95: quantileLower(delays, 0.95),
      p99: quantileLower(delays, 0.99),
      max: delays[delays.length - 1]!,
      mean: delays.reduce((s, d) => s + d, 0) / delays.length,
    },
  };
}

/** A run of consecutive rows whose round-trip delay is above a threshold. */
export interface Cicv5gOutage {
  firstRow: number;
  rowCount: number;
  /** Pub time of the first affected row, ms since the epoch. */
  startMs: number;
  /** When the link came back: the latest sub time in the run, ms since the epoch. */
  endMs: number;
  /** endMs - startMs, s: how long messages sent into the run were held up. */
  durationS: number;
  maxDelayMs: number;
  /** Straight-line distance between the first and last affected positions, m. */
  extentM: number;
}

/**
 * Finds runs of rows with round-trip delay > rttAboveMs (default 1000 ms, i.e. one-way > 500 ms, the network
 * map's outage threshold). In CICV5G an outage looks like a queue: messages sent into it all come back at the
 * same moment when the link returns, so their delays fall by one publish interval per row.
 */
export function findCicv5gOutages(trace: Cicv5gTrace, rttAboveMs = 1000): Cicv5gOutage[] {
  const { rows } = trace;
  const out: Cicv5gOutage[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]!.delayMs <= rttAboveMs) {
      i++;
      continue;
    }
    let j = i;
    let endMs = -Infinity;
    let maxDelayMs = 0;
    while (j < rows.length && rows[j]!.delayMs > rttAboveMs) {
      endMs = Math.max(endMs, rows[j]!.subTimeMs);
      maxDelayMs = Math.max(maxDelayMs, rows[j]!.delayMs);
      j++;
    }
    const a = rows[i]!;
    const b = rows[j - 1]!;
    out.push({
      firstRow: i,
      rowCount: j - i,
      startMs: a.pubTimeMs,
      endMs,
      durationS: (endMs - a.pubTimeMs) / 1000,
      maxDelayMs,
      extentM: Math.hypot(b.xM - a.xM, b.yM - a.yM),
    });
    i = j;
  }
  return out;
}

/** Link conditions by one-way delay (RTT / 2): good below 100 ms, degraded to 1 s, outage from 1 s or lost. */
export const LINK_DEGRADED_FROM_MS = 100;
export const LINK_OUTAGE_FROM_MS = 1000;
export type LinkCondition = 'good' | 'degraded' | 'outage';

/** A one-way delay's condition; null (lost) is an outage. */
export function linkCondition(oneWayMs: number | null): LinkCondition {
  if (oneWayMs === null || oneWayMs >= LINK_OUTAGE_FROM_MS) return 'outage';
  return oneWayMs >= LINK_DEGRADED_FROM_MS ? 'degraded' : 'good';
}

/**
 * How long one pass of a trace lasts, ms: first to last publish time plus one mean publish interval (the last row
 * stands for one interval, as the time-indexed replay loops); 1 ms for a single row.
 */
export function tracePeriodMs(rows: ReadonlyArray<{ pubTimeMs: number }>): number {
  const n = rows.length;
  const spanMs = n > 0 ? rows[n - 1]!.pubTimeMs - rows[0]!.pubTimeMs : 0;
  return n > 1 && spanMs > 0 ? spanMs + spanMs / (n - 1) : 1;
}

/**
 * What counts as a bad stretch of a drive (a site of its own in cicv5g-drive, the suite's "stretches" claim): at
 * least this much degraded-or-outage time (ten frames at 10 Hz or more), good gaps shorter than STRETCH_BRIDGE_S
 * joined (an outage's queue drains in a few seconds).
 */
export const STRETCH_MIN_S = 1;
export const STRETCH_BRIDGE_S = 3;

/**
 * How much of a stretch of a trace's own time (s since the first row's pub time) the link was degraded or out.
 * Row i stands for [t_i, t_i+1), the last row for one mean publish interval (as the time-indexed replay loops),
 * with the condition of its one-way delay RTT / 2; an RTT above lossCutoffRttMs is lost, an outage.
 */
export class Cicv5gConditionTimeline {
  /** End of the last row's interval, s. */
  readonly endS: number;
  private readonly boundsS: number[];
  /** Cumulative non-good and outage time at each boundary, s. */
  private readonly bad: number[] = [0];
  private readonly out: number[] = [0];

  constructor(trace: Cicv5gTrace, lossCutoffRttMs = DEFAULT_LOSS_CUTOFF_RTT_MS) {
    const { rows } = trace;
    const t0 = rows[0]!.pubTimeMs;
    this.boundsS = rows.map((r) => (r.pubTimeMs - t0) / 1000);
    this.endS = tracePeriodMs(rows) / 1000;
    this.boundsS.push(this.endS);
    rows.forEach((r, i) => {
      const c = linkCondition(r.delayMs > lossCutoffRttMs ? null : r.delayMs / 2);
      const len = this.boundsS[i + 1]! - this.boundsS[i]!;
      this.bad.push(this.bad[i]! + (c === 'good' ? 0 : len));
      this.out.push(this.out[i]! + (c === 'outage' ? len : 0));
    });
  }

  /** Row boundaries, s (ascending; the last is endS). */
  get boundaries(): readonly number[] {
    return this.boundsS;
  }

  /** Degraded-or-outage time in [fromS, toS), s. */
  nonGoodS(fromS: number, toS: number): number {
    return this.cum(this.bad, toS) - this.cum(this.bad, fromS);
  }

  outageS(fromS: number, toS: number): number {
    return this.cum(this.out, toS) - this.cum(this.out, fromS);
  }

  /**
   * Stretches of degraded-or-outage rows: runs of non-good rows, joined across good gaps shorter than bridgeS,
   * kept when they hold at least minNonGoodS of non-good time; worst first (non-good time, then outage time,
   * then the earliest).
   */
  stretches(bridgeS = STRETCH_BRIDGE_S, minNonGoodS = STRETCH_MIN_S): Array<{ startS: number; endS: number; nonGoodS: number; outageS: number }> {
    const b = this.boundsS;
    const runs: Array<{ startS: number; endS: number }> = [];
    for (let i = 0; i < b.length - 1; i++) {
      if (this.bad[i + 1]! - this.bad[i]! <= 0) continue;
      const last = runs[runs.length - 1];
      if (last && b[i]! - last.endS < bridgeS) last.endS = b[i + 1]!;
      else runs.push({ startS: b[i]!, endS: b[i + 1]! });
    }
    return runs
      .map((r) => ({ ...r, nonGoodS: this.nonGoodS(r.startS, r.endS), outageS: this.outageS(r.startS, r.endS) }))
      .filter((r) => r.nonGoodS >= minNonGoodS)
      .sort((x, y) => y.nonGoodS - x.nonGoodS || y.outageS - x.outageS || x.startS - y.startS);
  }

  /** Cumulative time up to x, s: linear inside a row's interval. */
  private cum(acc: readonly number[], x: number): number {
    const b = this.boundsS;
    const n = b.length - 1;
    if (!(x > 0)) return 0;
    if (x >= this.endS) return acc[n]!;
    let lo = 0;
    let hi = n; // b[lo] <= x < b[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (b[mid]! <= x) lo = mid;
      else hi = mid;
    }
    const f = (x - b[lo]!) / (b[lo + 1]! - b[lo]! || 1);
    return acc[lo]! + f * (acc[lo + 1]! - acc[lo]!);
  }
}

/** The window of a trace with the most non-good time (see worstCicv5gWindow). */
export interface Cicv5gWindow {
  /** Start, s since the first row's pub time. */
  startS: number;
  durationS: number;
  /** Time inside the window whose row is degraded / an outage, s. */
  degradedS: number;
  outageS: number;
}

/**
 * The window of durationS with the most degraded-or-outage time, in the trace's own time (docs/network-models.md,
 * rows' conditions as in Cicv5gConditionTimeline). Ties go to the window with more outage time, then to the
 * earliest. A window at least as long as the trace starts at 0.
 */
export function worstCicv5gWindow(trace: Cicv5gTrace, durationS: number, lossCutoffRttMs = DEFAULT_LOSS_CUTOFF_RTT_MS): Cicv5gWindow {
  if (!(durationS > 0 && Number.isFinite(durationS))) throw new RangeError(`window duration must be > 0 s, got ${durationS}`);
  const tl = new Cicv5gConditionTimeline(trace, lossCutoffRttMs);
  const lastStart = Math.max(0, tl.endS - durationS);
  // The score is piecewise linear in the start: its maximum is at a start where either edge meets a boundary.
  const starts = new Set<number>([0, lastStart]);
  for (const b of tl.boundaries) {
    if (b <= lastStart) starts.add(b);
    if (b - durationS >= 0 && b - durationS <= lastStart) starts.add(b - durationS);
  }
  const EPS_S = 1e-9;
  let best = { startS: 0, bad: -1, out: -1 };
  for (const x of [...starts].sort((a, b) => a - b)) {
    const bad = tl.nonGoodS(x, x + durationS);
    const out = tl.outageS(x, x + durationS);
    if (bad > best.bad + EPS_S || (bad > best.bad - EPS_S && out > best.out + EPS_S)) best = { startS: x, bad, out };
  }
  return { startS: best.startS, durationS, degradedS: best.bad - best.out, outageS: best.out };
}

/** Credit the CICV5G data's licence asks for, shown wherever its traces shaped a result. */
export const CICV5G_ATTRIBUTION = 'Network traces: CICV5G dataset (Zhang, Xiong, Zhang, Feng, Huang, Wang & Tian, '
  + '"5G communication delay dataset for cloud-based vehicle planning and control", Zenodo 2025, '
  + 'doi 10.5281/zenodo.17475688), CC BY 4.0.';
