// Input of the visual report. The simulator fills these; the report only reads them, so every field is plain
// JSON (numbers, strings, nulls) and a run's report can be rebuilt from a saved file.

/** The scores every set of frames has: a whole run (RunMetrics) or one network condition's frames (StretchMetrics). */
export interface FrameScores {
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

/** Scores of one (scenario, network, strategy, seed) run. `null`: not defined for this run (e.g. no occluded actor). */
export interface RunMetrics extends FrameScores {
  scenario: string;
  network: string;
  strategy: string;
  seed: number;
  durationS: number;
  /** GOSPA over the ROI and its occluded part (docs/metrics.md); null for a field drive (no truth). Absent in
   * files written before they existed. */
  gospa?: { roi: GospaSummary; occluded: GospaSummary } | null;
  stale_objects?: StaleSummary | null;
  /** Every metric per network condition of the frames. */
  by_network?: Record<NetworkCondition, StretchMetrics>;
  /** The same frames scored at their capture instants: what latency costs is the difference. */
  capture_time?: CaptureTimeMetrics;
}

/** A vehicle frame's network condition (sim/metrics/network-condition.ts). */
export type NetworkCondition = 'good' | 'degraded' | 'outage';

export interface GospaSummary {
  /** Mean and 95th percentile over frames of the per-frame GOSPA, m. */
  mean_m: number | null;
  p95_m: number | null;
  /** Per-frame means of the three parts, m² (they sum to the mean of GOSPA²). */
  mean_m2: { localisation: number | null; missed: number | null; false: number | null };
  /** The parts summed over frames, m². */
  total_m2: { localisation: number; missed: number; false: number };
  /** Assigned pairs, missed truths and false estimates, summed over frames. */
  assigned: number;
  missed: number;
  false: number;
}

export interface StaleSummary {
  /** Output objects stale by either rule, and their share of all output objects. */
  count: number;
  ratio: number | null;
  /** Derived from roadside data older than its method allows at the output instant. */
  too_old: number;
  /** More than the match radius from their own actor's true position at the output instant. */
  displaced: number;
}

/** Every metric over one set of frames (the whole run, or one network condition's frames). */
export interface StretchMetrics extends FrameScores {
  frames: number;
  /** null where there is no truth (a field drive). */
  gospa: { roi: GospaSummary; occluded: GospaSummary } | null;
  stale_objects: StaleSummary | null;
}

/** The frames scored at their capture instants, as before output-time scoring. */
export interface CaptureTimeMetrics {
  fusion_miss_ratio: number | null;
  recall: number | null;
  gospa_roi_mean_m: number | null;
  planning_displacement_error_m: { mean: number | null; p95: number | null };
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
  /** Over seeds: each run's mean per-frame GOSPA over the ROI and its occluded part, m; its stale objects (count
   * and share of output objects). Absent in files written before they existed. */
  gospa_roi_m?: MeanStd;
  gospa_occluded_m?: MeanStd;
  stale_objects?: MeanStd;
  stale_ratio?: MeanStd;
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
