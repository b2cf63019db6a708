// The bytes of metrics.json and comparison.json: no wall-clock values, numbers rounded to 1e-6, so that the same
// run gives the same file.
import type { RunMetrics } from '../report/types.js';

/** Numbers rounded to 1e-6 (non-finite ones kept), recursively: stable bytes across platforms. */
export function roundForJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : value;
  if (Array.isArray(value)) return value.map(roundForJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundForJson(v)]));
  return value;
}

/** metrics.json of a run: deterministic (no wall-clock values), numbers rounded so that the bytes are stable. */
export function metricsJson(r: { metrics: RunMetrics; details: object }): string {
  return `${JSON.stringify(roundForJson({ ...r.metrics, details: r.details }), null, 2)}\n`;
}
