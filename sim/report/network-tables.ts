// The per-network-condition breakdown of a run's metrics (docs/metrics.md, "Per-stretch breakdown"): where on
// the link each strategy wins or loses.
import { fmt, fmtPct, table } from './html.js';
import type { NetworkCondition, RunMetrics, StretchMetrics } from './types.js';

const CONDITIONS: ReadonlyArray<[NetworkCondition, string]> = [
  ['good', 'good (< 100 ms)'], ['degraded', 'degraded (100 ms – 1 s)'], ['outage', 'outage (≥ 1 s or silent)'],
];

const COLUMNS: ReadonlyArray<[string, (s: StretchMetrics) => string]> = [
  ['frames', (s) => fmt(s.frames, 0)],
  ['fusion_miss_ratio', (s) => fmt(s.fusion_miss_ratio)],
  ['gospa.roi.mean_m (m)', (s) => fmt(s.gospa?.roi.mean_m)],
  ['gospa.occluded.mean_m (m)', (s) => fmt(s.gospa?.occluded.mean_m)],
  ['stale_objects.count', (s) => fmt(s.stale_objects?.count, 0)],
  ['false_object_ratio', (s) => fmt(s.false_object_ratio)],
  ['planning_displacement_error_m.mean (m)', (s) => fmt(s.planning_displacement_error_m.mean, 2)],
  ['e2e_latency_ms.p50 (ms)', (s) => fmt(s.e2e_latency_ms.p50, 1)],
  ['vehicle-only share', (s) => fmtPct(s.mode_residency['vehicle-only'])],
];

/** One row per network condition of the run's frames; empty when the run has no breakdown (an older file). */
export function networkStretchTable(m: RunMetrics): string {
  const by = m.by_network;
  if (!by) return '';
  const rows = CONDITIONS.map(([k, label]) => [label, ...COLUMNS.map(([, f]) => f(by[k]))]);
  return table('Per network condition (the freshest roadside frame\'s one-way latency at each output)',
    ['network', ...COLUMNS.map(([h]) => h)], rows, 'network');
}
