// Parser and summary statistics for CICV5G real 5G delay traces (see docs/network-models.md for the format and
// the CC BY 4.0 attribution). Each row is one vehicle -> cloud -> vehicle (V2N2V) round trip with the car's pose
// and radio conditions; a bad link shows as a very large delay, never as a missing row.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

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

/** Credit the CICV5G data's licence asks for, shown wherever its traces shaped a result. */
export const CICV5G_ATTRIBUTION = 'Network traces: CICV5G dataset (Zhang, Xiong, Zhang, Feng, Huang, Wang & Tian, '
  + '"5G communication delay dataset for cloud-based vehicle planning and control", Zenodo 2025, '
  + 'doi 10.5281/zenodo.17475688), CC BY 4.0.';
