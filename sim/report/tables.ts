// The report's metric tables: which metric fields are shown, with what unit and precision.
import { methodDomain } from './charts.js';
import { fmt, fmtMeanStd, fmtPct, table } from './html.js';
import type { RunMetrics, StrategySummary } from './types.js';

export interface MetricField {
  /** The metric's path in `RunMetrics`, as shown in the table header. */
  key: string;
  unit: string;
  meaning: string;
  format: (m: RunMetrics) => string;
}

/** Every scalar metric of `RunMetrics` (mode_residency, a map, is shown separately). */
export const METRIC_FIELDS: readonly MetricField[] = [
  { key: 'durationS', unit: 's', meaning: 'simulated duration', format: (m) => fmt(m.durationS, 1) },
  { key: 'fusion_miss_ratio', unit: 'ratio', meaning: 'share of occluded actors missed by the fused output', format: (m) => fmt(m.fusion_miss_ratio) },
  { key: 'recall', unit: 'ratio', meaning: 'ground-truth actors matched by a fused object', format: (m) => fmt(m.recall) },
  { key: 'false_object_ratio', unit: 'ratio', meaning: 'fused objects matching no actor', format: (m) => fmt(m.false_object_ratio) },
  { key: 'position_error_m.mean', unit: 'm', meaning: 'mean position error of matched objects', format: (m) => fmt(m.position_error_m.mean, 2) },
  { key: 'position_error_m.p95', unit: 'm', meaning: '95th percentile position error', format: (m) => fmt(m.position_error_m.p95, 2) },
  { key: 'gospa.roi.mean_m', unit: 'm', meaning: 'mean per-frame GOSPA over the region of interest, at output time', format: (m) => fmt(m.gospa?.roi.mean_m) },
  { key: 'gospa.occluded.mean_m', unit: 'm', meaning: 'mean per-frame GOSPA over its occluded part', format: (m) => fmt(m.gospa?.occluded.mean_m) },
  { key: 'stale_objects.count', unit: 'count', meaning: 'output objects from too-old roadside data or > 2 m from their actor', format: (m) => fmt(m.stale_objects?.count, 0) },
  { key: 'stale_objects.ratio', unit: 'ratio', meaning: 'share of output objects that are stale', format: (m) => fmt(m.stale_objects?.ratio) },
  { key: 'planning_displacement_error_m.mean', unit: 'm', meaning: 'mean displacement of the plan from the ground-truth plan', format: (m) => fmt(m.planning_displacement_error_m.mean, 2) },
  { key: 'planning_displacement_error_m.p95', unit: 'm', meaning: '95th percentile planning displacement', format: (m) => fmt(m.planning_displacement_error_m.p95, 2) },
  { key: 'planning_displacement_error_m.max', unit: 'm', meaning: 'largest planning displacement', format: (m) => fmt(m.planning_displacement_error_m.max, 2) },
  { key: 'mode_switches', unit: 'count', meaning: 'changes of fusion method', format: (m) => fmt(m.mode_switches, 0) },
  { key: 'e2e_latency_ms.p50', unit: 'ms', meaning: 'median end-to-end latency', format: (m) => fmt(m.e2e_latency_ms.p50, 1) },
  { key: 'e2e_latency_ms.p99', unit: 'ms', meaning: '99th percentile end-to-end latency', format: (m) => fmt(m.e2e_latency_ms.p99, 1) },
];

/** "intra 62.0% · inter 30.0% · …" in the report's method order. */
export function residencyText(residency: Record<string, number>): string {
  return methodDomain(Object.keys(residency)).map((k) => `${k} ${fmtPct(residency[k])}`).join(' · ') || '—';
}

/** One run: a row per metric, then one per method of mode_residency. */
export function runMetricsTable(m: RunMetrics): string {
  const rows = METRIC_FIELDS.map((f) => [f.key, f.format(m), f.unit, f.meaning]);
  for (const method of methodDomain(Object.keys(m.mode_residency))) {
    rows.push([`mode_residency.${method}`, fmtPct(m.mode_residency[method]), 'share', `vehicle frames fused with ${method}`]);
  }
  return table('Run metrics', ['metric', 'value', 'unit', 'meaning'], rows, 'metrics');
}

/** Every (strategy, seed) run, a column per metric. */
export function runsTable(runs: readonly RunMetrics[]): string {
  const head = ['strategy', 'seed', ...METRIC_FIELDS.map((f) => `${f.key} (${f.unit})`), 'mode_residency'];
  const rows = runs.map((r) => [r.strategy, String(r.seed), ...METRIC_FIELDS.map((f) => f.format(r)), residencyText(r.mode_residency)]);
  return table('Every run (strategy × seed)', head, rows, 'runs');
}

/** Per-strategy means ± std over seeds. */
export function summaryTable(summary: readonly StrategySummary[]): string {
  const head = [
    'strategy', 'fusion_miss_ratio (mean ± std)', 'gospa.roi.mean_m (m, mean ± std)', 'gospa.occluded.mean_m (m, mean ± std)',
    'stale_objects.count (mean ± std)', 'planning_displacement_error_m.mean (m, mean ± std)', 'mode_residency',
  ];
  const rows = summary.map((s) => [
    s.strategy,
    fmtMeanStd(s.fusion_miss_ratio.mean, s.fusion_miss_ratio.std, 3),
    fmtMeanStd(s.gospa_roi_m?.mean ?? null, s.gospa_roi_m?.std ?? null, 3),
    fmtMeanStd(s.gospa_occluded_m?.mean ?? null, s.gospa_occluded_m?.std ?? null, 3),
    fmtMeanStd(s.stale_objects?.mean ?? null, s.stale_objects?.std ?? null, 1),
    fmtMeanStd(s.planning_displacement_error_m.mean, s.planning_displacement_error_m.std, 2),
    residencyText(s.mode_residency),
  ]);
  return table('Per strategy, over seeds', head, rows, 'summary');
}
