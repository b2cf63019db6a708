// Synthetic but realistic report data: an occluded-crossing drive (150 frames at 10 Hz) with a 5G outage, and a
// comparison of 4 strategies × 3 seeds. Seeded, so every test run sees the same data.
import type { ComparisonReportData, PointM, RunMetrics, RunReportData, RunSeries, SceneGeometry, StrategySummary } from '../../sim/report/index.js';
import { Rng } from '../../sim/world/rng.js';

function line(x0: number, y0: number, x1: number, y1: number, n: number): PointM[] {
  return Array.from({ length: n }, (_, i) => ({ xM: x0 + ((x1 - x0) * i) / (n - 1), yM: y0 + ((y1 - y0) * i) / (n - 1) }));
}

export function makeSeries(seed: number, frames = 150): RunSeries {
  const r = new Rng(seed);
  const s: RunSeries = { timeS: [], routeSM: [], egoXM: [], egoYM: [], latencyMs: [], method: [], missed: [] };
  let route = 0;
  for (let i = 0; i < frames; i++) {
    const t = i * 0.1;
    const speed = t > 9 && t < 10.5 ? 2 : 10; // slows down before the crossing
    route += speed * 0.1;
    let latency: number | null = 18 + 12 * r.next() + (r.next() < 0.05 ? 60 * r.next() : 0);
    if (t >= 5 && t < 6) latency = 150 + 900 * (t - 5); // the link degrades into an outage (queueing)
    if (t >= 6 && t < 7.5) latency = null; // outage: no roadside frame at all
    if (latency !== null && r.next() < 0.02) latency = null; // a lost frame now and then
    const method = latency === null ? 'vehicle-only' : latency < 45 ? 'intra' : latency < 400 ? 'inter' : 'planning';
    s.timeS.push(Number(t.toFixed(2)));
    s.routeSM.push(route);
    s.egoXM.push(route);
    s.egoYM.push(-1.75);
    s.latencyMs.push(latency === null ? null : Math.round(latency * 10) / 10);
    s.method.push(method);
    s.missed.push(method === 'vehicle-only' && t > 6.5 ? 1 + (r.next() < 0.3 ? 1 : 0) : 0);
  }
  return s;
}

export function makeScene(series: RunSeries): SceneGeometry {
  return {
    lanes: [line(0, -3.5, 200, -3.5, 2), line(0, 0, 200, 0, 2), line(0, 3.5, 200, 3.5, 2), line(108, -20, 108, 20, 2), line(116, -20, 116, 20, 2)],
    rsus: [
      { id: 'rsu-1', xM: 100, yM: 9, rangeM: 60 },
      { id: 'rsu-2', xM: 165, yM: -9, rangeM: 45 },
    ],
    egoPath: series.egoXM.map((x, i) => ({ xM: x, yM: series.egoYM[i] ?? 0 })),
    actorPaths: [
      { id: 1, objectClass: 'pedestrian', points: line(112, 14, 112, -12, 30) },
      { id: 2, objectClass: 'truck', points: line(96, 1.75, 96.5, 1.75, 2) },
      { id: 3, objectClass: 'car', points: line(190, 1.75, 20, 1.75, 40) },
      { id: 4, objectClass: 'cyclist', points: line(130, -16, 118, 5, 25) },
    ],
  };
}

function residency(method: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of method) out[m] = (out[m] ?? 0) + 1 / method.length;
  return out;
}

export function makeMetrics(strategy: string, seed: number, series: RunSeries, scenario = 'occluded-crossing', network = 'cicv5g-private-5g'): RunMetrics {
  const r = new Rng(seed * 7919 + strategy.length);
  const base = strategy === 'vehicle-only' ? 0.45 : strategy === 'adaptive-st' ? 0.08 : 0.2;
  return {
    scenario,
    network,
    strategy,
    seed,
    durationS: (series.timeS.length * 0.1),
    fusion_miss_ratio: Math.min(1, base + 0.06 * r.next()),
    recall: 0.8 + 0.15 * r.next(),
    false_object_ratio: 0.02 + 0.05 * r.next(),
    position_error_m: { mean: 0.4 + 0.3 * r.next(), p95: 1.1 + 0.6 * r.next() },
    planning_displacement_error_m: { mean: base * 3 + 0.3 * r.next(), p95: base * 6 + r.next(), max: base * 9 + 2 * r.next() },
    mode_residency: strategy === 'vehicle-only' ? { 'vehicle-only': 1 } : residency(series.method),
    mode_switches: strategy === 'vehicle-only' ? 0 : 6 + Math.floor(6 * r.next()),
    e2e_latency_ms: { p50: 35 + 10 * r.next(), p99: 900 + 400 * r.next() },
  };
}

export function makeRun(strategy = 'adaptive-st', seed = 1): RunReportData {
  const series = makeSeries(seed);
  return { metrics: makeMetrics(strategy, seed, series), series, scene: makeScene(series) };
}

function meanStd(xs: Array<number | null>): { mean: number | null; std: number | null } {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return { mean: null, std: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : null;
  return { mean, std };
}

export function makeComparison(strategies = ['adaptive-st', 'intra-only', 'planning-only', 'vehicle-only'], seeds = [1, 2, 3]): ComparisonReportData {
  const runs = strategies.flatMap((st) => seeds.map((seed) => makeMetrics(st, seed, makeSeries(seed))));
  const summary: StrategySummary[] = strategies.map((strategy) => {
    const mine = runs.filter((r) => r.strategy === strategy);
    const res: Record<string, number> = {};
    for (const r of mine) for (const [k, v] of Object.entries(r.mode_residency)) res[k] = (res[k] ?? 0) + v / mine.length;
    return {
      strategy,
      fusion_miss_ratio: meanStd(mine.map((r) => r.fusion_miss_ratio)),
      planning_displacement_error_m: meanStd(mine.map((r) => r.planning_displacement_error_m.mean)),
      mode_residency: res,
    };
  });
  return {
    scenario: 'occluded-crossing',
    network: 'cicv5g-private-5g',
    seeds,
    runs,
    summary,
    example: makeRun(strategies[0] ?? 'adaptive-st', seeds[0] ?? 1),
    attribution:
      'Network traces: CICV5G dataset (Zhang et al., Zenodo doi 10.5281/zenodo.17475688), licensed CC BY 4.0.',
  };
}
