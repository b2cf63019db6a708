// Vega-lite specs of the report's plots. Pure: data in, spec out; nothing here renders.
// User-supplied names (strategies, methods, classes, RSU ids) only ever go into data values and scale domains,
// never into expression strings (vega-lite compiles e.g. custom sort arrays into expressions).
import type { TopLevelSpec } from 'vega-lite';
import type { PointM, RunMetrics, RunSeries, SceneGeometry, StrategySummary } from './types.js';

/** The vehicle's fusion methods in the order the report lists them (others follow, sorted). */
export const KNOWN_METHODS: readonly string[] = ['intra', 'inter', 'planning', 'vehicle-only'];

// Okabe-Ito colours (colour-blind safe); vehicle-only is grey because it means "no roadside help".
const METHOD_COLOURS: Readonly<Record<string, string>> = {
  intra: '#0072B2',
  inter: '#009E73',
  planning: '#E69F00',
  'vehicle-only': '#8C8C8C',
};
const EXTRA_COLOURS = ['#56B4E9', '#CC79A7', '#F0E442', '#D55E00', '#000000'];
const CLASS_COLOURS = ['#D55E00', '#CC79A7', '#009E73', '#56B4E9', '#E69F00', '#F0E442', '#0072B2'];
const LATENCY_COLOUR = '#0072B2';
const LOST_COLOUR = '#C00000';
export const LOST_LABEL = 'no roadside frame';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const TIME_W = 400;
const TIME_H = 190;
const BAR_H = 220;

// Shared look; generic font families so the page needs no web font. No ARIA label per mark: one per data point
// would triple the file size of a long run and drown a screen reader; axes and legends keep theirs.
const CONFIG = {
  font: 'sans-serif',
  mark: { aria: false },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 220 },
  view: { stroke: '#cccccc' },
};

/** Methods seen, the known ones first in their fixed order, then the others sorted. */
export function methodDomain(methods: Iterable<string>): string[] {
  const seen = new Set(methods);
  const known = KNOWN_METHODS.filter((m) => seen.has(m));
  const extra = [...seen].filter((m) => !KNOWN_METHODS.includes(m)).sort();
  return [...known, ...extra];
}

/** One colour per entry of `domain`; the known methods keep the same colour in every chart. */
export function methodColours(domain: readonly string[]): string[] {
  let extra = 0;
  return domain.map((m) => METHOD_COLOURS[m] ?? EXTRA_COLOURS[extra++ % EXTRA_COLOURS.length] ?? '#000000');
}

function colourScale(domain: readonly string[], range: readonly string[]) {
  return { domain: [...domain], range: [...range] };
}

// ---------------------------------------------------------------------------------------------------------------
// Latency

interface LatencyRow {
  timeS: number;
  routeSM: number;
  latencyMs: number | null;
  method: string;
}

function latencyRows(series: RunSeries): LatencyRow[] {
  return series.timeS.map((t, i) => ({
    timeS: t,
    routeSM: series.routeSM[i] ?? Number.NaN,
    latencyMs: finiteOrNull(series.latencyMs[i] ?? null),
    method: series.method[i] ?? 'unknown',
  }));
}

// Only null means "no roadside frame": 0 ms (e.g. `fixed:0`) is a frame that arrived at once, and a slightly
// negative value (clock offset error on a field drive) is still a frame.
function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

// 1-2-5 ticks (vega's default log ticks 10, 20, 30, 40, 100, … crowd the labels), mirrored below 0.
const POSITIVE_TICKS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
const LATENCY_TICKS_MS = [...POSITIVE_TICKS_MS.map((v) => -v).reverse(), 0, ...POSITIVE_TICKS_MS];

/**
 * The latency axis's domain: the data's range widened out to the ticks around it. Never empty: when every latency
 * is the same (a fixed delay), vega would map the whole axis, every tick label included, to one height.
 */
export function latencyDomainMs(latenciesMs: ReadonlyArray<number | null>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of latenciesMs) {
    if (x === null || !Number.isFinite(x)) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (lo > hi) lo = hi = 0; // no latency at all: only the "no roadside frame" marks are drawn
  let dLo = [...LATENCY_TICKS_MS].reverse().find((t) => t <= lo) ?? lo;
  let dHi = LATENCY_TICKS_MS.find((t) => t >= hi) ?? hi;
  if (dHi <= dLo) {
    // One value: a tick either side of it, but no negative axis for a latency that is not negative.
    const below = [...LATENCY_TICKS_MS].reverse().find((t) => t < dLo);
    if (below !== undefined && (below >= 0 || lo < 0)) dLo = below;
    dHi = LATENCY_TICKS_MS.find((t) => t > dHi) ?? dHi + 1;
  }
  return [dLo, dHi];
}

// Symmetric log (log above 1 ms, linear through 0): 5G latency is tens of ms normally and seconds in an outage, so
// a linear axis would flatten the former; a plain log axis cannot show 0 ms.
function latencyY(rows: readonly LatencyRow[]) {
  const domain = latencyDomainMs(rows.map((r) => r.latencyMs));
  return {
    field: 'latencyMs',
    type: 'quantitative' as const,
    title: 'one-way latency (ms, log)',
    scale: { type: 'symlog' as const, domain, nice: false },
    axis: { values: LATENCY_TICKS_MS.filter((t) => t >= domain[0] && t <= domain[1]), format: ',d' },
  };
}

/** One layer of a layered spec (derived: vega-lite's index exports only the top-level type). */
type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Frames without latency as short rules along the top edge, since they have no y value. */
function lostLayer(xField: 'timeS' | 'routeSM', scale: ReturnType<typeof colourScale>, legendTitle: string | null): Layer {
  return {
    transform: [{ filter: 'datum.latencyMs === null' }],
    mark: { type: 'rule', strokeWidth: 1.5 },
    encoding: {
      x: { field: xField, type: 'quantitative' },
      y: { value: 0 },
      y2: { value: 12 },
      color: { datum: LOST_LABEL, scale, title: legendTitle },
    },
  };
}

/** Latency of the freshest roadside frame against time; gaps and red marks where there was none. */
export function latencyOverTimeSpec(series: RunSeries): TopLevelSpec {
  const scale = colourScale(['one-way latency', LOST_LABEL], [LATENCY_COLOUR, LOST_COLOUR]);
  const rows = latencyRows(series);
  return {
    $schema: SCHEMA,
    width: TIME_W,
    height: TIME_H,
    config: CONFIG,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.3, point: { size: 10, filled: true } },
        encoding: {
          x: { field: 'timeS', type: 'quantitative', title: 'time (s)' },
          y: latencyY(rows),
          color: { datum: 'one-way latency', scale, title: null },
        },
      },
      lostLayer('timeS', scale, null),
    ],
  };
}

/** The same latency against distance along the route, coloured by the method chosen at that frame. */
export function latencyAlongRouteSpec(series: RunSeries): TopLevelSpec {
  const methods = methodDomain(series.method);
  const scale = colourScale([...methods, LOST_LABEL], [...methodColours(methods), LOST_COLOUR]);
  const rows = latencyRows(series);
  const y = latencyY(rows);
  return {
    $schema: SCHEMA,
    width: TIME_W,
    height: TIME_H,
    config: CONFIG,
    data: { values: rows },
    layer: [
      {
        // Grey line in time order joins the dots, so a stop (same route position) reads as a vertical run.
        mark: { type: 'line', color: '#bbbbbb', strokeWidth: 1 },
        encoding: {
          x: { field: 'routeSM', type: 'quantitative', title: 'distance along route (m)' },
          y,
          order: { field: 'timeS', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'circle', size: 18, opacity: 0.9 },
        encoding: {
          x: { field: 'routeSM', type: 'quantitative' },
          y,
          color: { field: 'method', type: 'nominal', scale, title: 'method' },
        },
      },
      lostLayer('routeSM', scale, 'method'),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Method over time

interface MethodSegment {
  t0: number;
  t1: number;
  method: string;
}

/** Consecutive frames with the same method merged into one segment, each ending where the next frame starts. */
export function methodSegments(series: RunSeries): MethodSegment[] {
  const t = series.timeS;
  const n = Math.min(t.length, series.method.length);
  if (n === 0) return [];
  const dt = medianStep(t.slice(0, n));
  const out: MethodSegment[] = [];
  for (let i = 0; i < n; i++) {
    const method = series.method[i] ?? 'unknown';
    const t0 = t[i] ?? 0;
    const t1 = i + 1 < n ? (t[i + 1] ?? t0) : t0 + dt;
    const last = out[out.length - 1];
    if (last && last.method === method && last.t1 === t0) last.t1 = t1;
    else out.push({ t0, t1, method });
  }
  return out;
}

function medianStep(t: number[]): number {
  const steps = t.slice(1).map((v, i) => v - (t[i] ?? v)).filter((d) => d > 0).sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? 0.1;
}

/** A strip per method showing when it was chosen, above the count of missed occluded actors (same time axis). */
export function methodOverTimeSpec(series: RunSeries): TopLevelSpec {
  const methods = methodDomain(series.method);
  const scale = colourScale(methods, methodColours(methods));
  const missed = series.timeS.map((timeS, i) => ({ timeS, missed: series.missed[i] ?? 0 }));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    spacing: 8,
    vconcat: [
      {
        width: TIME_W,
        height: Math.max(60, 26 * methods.length),
        data: { values: methodSegments(series) },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 't0', type: 'quantitative', title: null, axis: { labels: false } },
          x2: { field: 't1' },
          y: { field: 'method', type: 'nominal', title: 'method', scale: { domain: methods } },
          color: { field: 'method', type: 'nominal', scale, title: 'method' },
        },
      },
      {
        width: TIME_W,
        height: 70,
        data: { values: missed },
        mark: { type: 'area', interpolate: 'step-after', color: '#C00000', opacity: 0.7 },
        encoding: {
          x: { field: 'timeS', type: 'quantitative', title: 'time (s)' },
          y: { field: 'missed', type: 'quantitative', title: 'missed', axis: { tickMinStep: 1, format: 'd' } },
        },
      },
    ],
    resolve: { scale: { x: 'shared' } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Per-strategy comparisons

type MeanStdKey = 'fusion_miss_ratio' | 'planning_displacement_error_m';

function runValue(run: RunMetrics, key: MeanStdKey): number | null {
  return key === 'fusion_miss_ratio' ? run.fusion_miss_ratio : run.planning_displacement_error_m.mean;
}

/** Bars of the mean over seeds, ±1 std error bars, a dot per seed; "n/a" where no seed had a value. */
function meanStdBarsSpec(
  summary: readonly StrategySummary[],
  runs: readonly RunMetrics[],
  key: MeanStdKey,
  yTitle: string | string[],
  yFormat: string,
): TopLevelSpec {
  const strategies = summary.map((s) => s.strategy);
  const bars = summary.map((s) => {
    const { mean, std } = s[key];
    const sd = std ?? 0;
    // The error bar is clamped at 0: both metrics are non-negative.
    return { strategy: s.strategy, mean, lo: mean === null ? null : Math.max(0, mean - sd), hi: mean === null ? null : mean + sd };
  });
  const dots = runs
    .filter((r) => strategies.includes(r.strategy))
    .map((r) => ({ strategy: r.strategy, seed: r.seed, value: runValue(r, key) }))
    .filter((d) => d.value !== null && Number.isFinite(d.value));
  const x = {
    field: 'strategy',
    type: 'nominal',
    title: 'strategy',
    scale: { type: 'band', domain: strategies },
    axis: { labelAngle: -25, labelLimit: 160 },
  } as const;
  return {
    $schema: SCHEMA,
    width: Math.max(220, 70 * strategies.length),
    height: BAR_H,
    config: CONFIG,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar', color: '#9ecae1', width: { band: 0.6 } },
        encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, axis: { format: yFormat } } },
      },
      {
        data: { values: bars },
        mark: { type: 'rule', strokeWidth: 1.5, color: '#333333' },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values: bars },
        mark: { type: 'tick', color: '#333333', thickness: 1.5, size: 14 },
        encoding: { x, y: { field: 'hi', type: 'quantitative' } },
      },
      {
        data: { values: bars },
        mark: { type: 'tick', color: '#333333', thickness: 1.5, size: 14 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' } },
      },
      {
        data: { values: dots },
        // Seeds side by side within the band, so they do not hide behind the error bar.
        mark: { type: 'circle', size: 28, color: '#08519c', opacity: 0.8 },
        encoding: { x, xOffset: { field: 'seed', type: 'nominal', scale: { type: 'band', paddingOuter: 0.6 } }, y: { field: 'value', type: 'quantitative' } },
      },
      {
        data: { values: bars.filter((b) => b.mean === null) },
        mark: { type: 'text', dy: -8, color: '#666666', fontStyle: 'italic' },
        encoding: { x, y: { datum: 0 }, text: { value: 'n/a' } },
      },
    ],
  };
}

/** Fusion miss ratio per strategy: mean over seeds, ±1 std, one dot per seed. */
export function missRatioBarsSpec(summary: readonly StrategySummary[], runs: readonly RunMetrics[]): TopLevelSpec {
  return meanStdBarsSpec(summary, runs, 'fusion_miss_ratio', 'fusion miss ratio', '.0%');
}

/** Mean planning displacement error per strategy: mean over seeds, ±1 std, one dot per seed. */
export function planningErrorBarsSpec(summary: readonly StrategySummary[], runs: readonly RunMetrics[]): TopLevelSpec {
  return meanStdBarsSpec(summary, runs, 'planning_displacement_error_m', ['mean planning', 'displacement error (m)'], '.2f');
}

/** Share of vehicle frames per method, one horizontal stacked bar per strategy. */
export function modeResidencySpec(summary: readonly StrategySummary[]): TopLevelSpec {
  const methods = methodDomain(summary.flatMap((s) => Object.keys(s.mode_residency)));
  const rows = summary.flatMap((s) =>
    methods.map((method, order) => ({ strategy: s.strategy, method, order, fraction: s.mode_residency[method] ?? 0 })),
  );
  return {
    $schema: SCHEMA,
    width: TIME_W,
    height: { step: 28 },
    config: CONFIG,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: summary.map((s) => s.strategy) }, axis: { labelLimit: 160 } },
      x: {
        field: 'fraction',
        type: 'quantitative',
        aggregate: 'sum',
        title: 'share of vehicle frames',
        axis: { format: '.0%' },
        scale: { domain: [0, 1] },
      },
      color: { field: 'method', type: 'nominal', title: 'method', scale: colourScale(methods, methodColours(methods)) },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Top-down scene

const SCENE_MAX_W = 760;
const SCENE_MAX_H = 620;
const SCENE_MIN_W = 320;
const SCENE_MIN_H = 200;

interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Domains and pixel size with the same metres per pixel on both axes (equal aspect ratio). */
export function sceneFrame(scene: SceneGeometry): { x: [number, number]; y: [number, number]; width: number; height: number } {
  const e = sceneExtent(scene);
  const pad = 0.04 * Math.max(e.x1 - e.x0, e.y1 - e.y0, 1);
  let dx = e.x1 - e.x0 + 2 * pad;
  let dy = e.y1 - e.y0 + 2 * pad;
  const pxPerM = Math.min(SCENE_MAX_W / dx, SCENE_MAX_H / dy);
  // Too thin a picture is unreadable: widen the short side's domain (not its scale) to a minimum size.
  const width = Math.max(SCENE_MIN_W, dx * pxPerM);
  const height = Math.max(SCENE_MIN_H, dy * pxPerM);
  const cx = (e.x0 + e.x1) / 2;
  const cy = (e.y0 + e.y1) / 2;
  dx = width / pxPerM;
  dy = height / pxPerM;
  return {
    x: [cx - dx / 2, cx + dx / 2],
    y: [cy - dy / 2, cy + dy / 2],
    width: Math.round(width),
    height: Math.round(height),
  };
}

function sceneExtent(scene: SceneGeometry): Extent {
  const e: Extent = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  const add = (x: number, y: number, r = 0): void => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    e.x0 = Math.min(e.x0, x - r);
    e.x1 = Math.max(e.x1, x + r);
    e.y0 = Math.min(e.y0, y - r);
    e.y1 = Math.max(e.y1, y + r);
  };
  for (const lane of scene.lanes) for (const p of lane) add(p.xM, p.yM);
  for (const p of scene.egoPath) add(p.xM, p.yM);
  for (const a of scene.actorPaths) for (const p of a.points) add(p.xM, p.yM);
  for (const r of scene.rsus) add(r.xM, r.yM, Math.max(0, r.rangeM));
  if (e.x0 > e.x1) return { x0: -10, x1: 10, y0: -10, y1: 10 }; // empty scene: a small frame around the origin
  return e;
}

interface PathRow {
  path: string;
  series: string;
  idx: number;
  xM: number;
  yM: number;
}

function pathRows(path: string, series: string, points: readonly PointM[]): PathRow[] {
  return points.map((p, idx) => ({ path, series, idx, xM: p.xM, yM: p.yM }));
}

function ringPoints(cx: number, cy: number, r: number, n = 72): PointM[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    return { xM: cx + r * Math.cos(a), yM: cy + r * Math.sin(a) };
  });
}

/** Top-down view: lanes, RSUs with their range rings, the ego path and actor paths coloured by class. */
export function sceneSpec(scene: SceneGeometry): TopLevelSpec {
  const frame = sceneFrame(scene);
  const classes = [...new Set(scene.actorPaths.map((a) => a.objectClass))].sort();
  const domain = ['lane', 'RSU', 'RSU range', 'ego', ...classes];
  const range = ['#b0b0b0', '#333333', '#7f7f7f', '#000000', ...classes.map((_, i) => CLASS_COLOURS[i % CLASS_COLOURS.length] ?? '#000')];
  const color = { field: 'series', type: 'nominal', title: null, scale: colourScale(domain, range) } as const;
  const x = { field: 'xM', type: 'quantitative', title: 'x (m)', scale: { domain: frame.x, nice: false, zero: false } } as const;
  const y = { field: 'yM', type: 'quantitative', title: 'y (m)', scale: { domain: frame.y, nice: false, zero: false } } as const;
  // Lines keep the given point order (vega-lite would otherwise sort a line by x).
  const order = { field: 'idx', type: 'quantitative' } as const;
  const lanes = scene.lanes.flatMap((lane, i) => pathRows(`lane ${i}`, 'lane', lane));
  const rings = scene.rsus.flatMap((r) => pathRows(`ring ${r.id}`, 'RSU range', ringPoints(r.xM, r.yM, Math.max(0, r.rangeM))));
  const ego = pathRows('ego', 'ego', scene.egoPath);
  const actors = scene.actorPaths.flatMap((a) => pathRows(`actor ${a.id}`, a.objectClass, a.points));
  const starts = [...ego, ...actors].filter((p) => p.idx === 0);
  const rsus = scene.rsus.map((r) => ({ series: 'RSU', id: r.id, xM: r.xM, yM: r.yM }));
  const line = (values: PathRow[], strokeWidth: number, strokeDash?: number[]): Layer => ({
    data: { values },
    mark: { type: 'line', clip: true, strokeWidth, ...(strokeDash ? { strokeDash } : {}) },
    encoding: { x, y, color, detail: { field: 'path', type: 'nominal' }, order },
  });
  return {
    $schema: SCHEMA,
    width: frame.width,
    height: frame.height,
    config: CONFIG,
    layer: [
      line(lanes, 1.5),
      line(rings, 1, [4, 3]),
      line(actors, 2),
      line(ego, 3),
      {
        data: { values: starts },
        mark: { type: 'circle', size: 40, opacity: 1, clip: true },
        encoding: { x, y, color },
      },
      {
        data: { values: rsus },
        mark: { type: 'point', shape: 'square', filled: true, size: 90, clip: true },
        encoding: { x, y, color },
      },
      {
        data: { values: rsus },
        mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11, clip: true },
        encoding: { x, y, text: { field: 'id', type: 'nominal' } },
      },
    ],
  };
}
