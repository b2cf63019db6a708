// Input of the visual report. The simulator fills these; the report only reads them, so every field is plain
// JSON (numbers, strings, nulls) and a run's report can be rebuilt from a saved file.

/** Scores of one (scenario, network, strategy, seed) run. `null`: not defined for this run (e.g. no occluded actor). */
export interface RunMetrics {
  scenario: string;
  network: string;
  strategy: string;
  seed: number;
  durationS: number;
  fusion_miss_ratio: number | null;
  recall: number | null;
  false_object_ratio: number | null;
  position_error_m: { mean: number | null; p95: number | null };
  planning_displacement_error_m: { mean: number | null; p95: number | null; max: number | null };
  /** method -> fraction of vehicle frames; sums to 1. */
  mode_residency: Record<string, number>;
  mode_switches: number;
  e2e_latency_ms: { p50: number | null; p99: number | null };
}

/** Per-vehicle-frame time series of one run: every array has one entry per frame. */
export interface RunSeries {
  timeS: number[];
  routeSM: number[];
  egoXM: number[];
  egoYM: number[];
  /** One-way latency of the freshest roadside frame (null: none / lost). */
  latencyMs: Array<number | null>;
  /** 'intra' | 'inter' | 'planning' | 'vehicle-only' (other names are shown too, after these). */
  method: string[];
  /** Count of missed occluded actors at that frame. */
  missed: number[];
}

export interface PointM {
  xM: number;
  yM: number;
}

/** Geometry for the top-down view, in the scenario's local metric frame. */
export interface SceneGeometry {
  lanes: PointM[][];
  rsus: Array<{ id: string; xM: number; yM: number; rangeM: number }>;
  egoPath: PointM[];
  actorPaths: Array<{ id: number; objectClass: string; points: PointM[] }>;
}

export interface RunReportData {
  metrics: RunMetrics;
  series: RunSeries;
  scene: SceneGeometry;
}

export interface MeanStd {
  mean: number | null;
  std: number | null;
}

export interface StrategySummary {
  strategy: string;
  fusion_miss_ratio: MeanStd;
  planning_displacement_error_m: MeanStd;
  mode_residency: Record<string, number>;
}

export interface ComparisonReportData {
  scenario: string;
  network: string;
  seeds: number[];
  /** Every (strategy, seed) run. */
  runs: RunMetrics[];
  summary: StrategySummary[];
  /** One run (e.g. adaptive-st, first seed) for the time plots. */
  example?: RunReportData;
  /** Data attribution shown in the footer (e.g. the CICV5G CC BY 4.0 notice). */
  attribution?: string;
}

/** Options of `renderRunReport` (a run's data has no attribution field of its own). */
export interface RunReportOptions {
  attribution?: string;
}
