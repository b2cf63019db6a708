// Scores a run frame by frame against ground truth (definitions: docs/metrics.md). Pure: it is handed the
// fused objects, the plans and the truth; it never looks at how they were produced.
import { quantileNearestRank } from '../../shared/link/window.js';
import type { FusedObject, FusionMethod } from '../../shared/fusion/types.js';
import type { Plan } from '../../shared/planning/planner.js';

/** What scoring needs of a plan: its points' positions, one per planner step. */
export interface PlanPath {
  points: ReadonlyArray<{ xM: number; yM: number }>;
}

export interface FrameTruthActor {
  id: number;
  xM: number;
  yM: number;
  /** In the region of interest (ahead on or near the ego's path). */
  inRoi: boolean;
  /** Seen by at least one RSU sensor at this instant (only evaluated in the ROI; false outside it). */
  rsuVisible: boolean;
  /** Seen by the ego's own sensor at this instant (only evaluated in the ROI; false outside it). */
  egoVisible: boolean;
}

export interface FrameScoreInput {
  timeS: number;
  objects: readonly FusedObject[];
  truth: readonly FrameTruthActor[];
  method: FusionMethod;
  e2eLatencyMs: number;
  /** The plan from the fused world and the same planner's plan from ground truth at zero latency. */
  plan: Plan | null;
  truthPlan: PlanPath | null;
}

export interface MetricsSummary {
  fusion_miss_ratio: number | null;
  recall: number | null;
  false_object_ratio: number | null;
  position_error_m: { mean: number | null; p95: number | null };
  planning_displacement_error_m: { mean: number | null; p95: number | null; max: number | null };
  mode_residency: Record<FusionMethod, number>;
  mode_switches: number;
  e2e_latency_ms: { p50: number | null; p99: number | null };
  counts: { frames: number; occludedPairs: number; missedPairs: number; roiPairs: number; fusedObjects: number; falseObjects: number };
}

const METHODS: readonly FusionMethod[] = ['intra', 'inter', 'planning', 'vehicle-only'];

const mean = (v: readonly number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
const q = (v: readonly number[], p: number): number | null => (v.length ? quantileNearestRank([...v].sort((a, b) => a - b), p) : null);

/** Mean distance between the points of two plans over the same steps (their common prefix). */
export function planDisplacementM(a: PlanPath, b: PlanPath): number {
  const n = Math.min(a.points.length, b.points.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.hypot(a.points[i]!.xM - b.points[i]!.xM, a.points[i]!.yM - b.points[i]!.yM);
  return n ? sum / n : 0;
}

export class MetricsAccumulator {
  private frames = 0;
  private occludedPairs = 0;
  private missedPairs = 0;
  private roiPairs = 0;
  private roiFound = 0;
  private fusedObjects = 0;
  private falseObjects = 0;
  private readonly positionErrors: number[] = [];
  private readonly planErrors: number[] = [];
  private readonly latencies: number[] = [];
  private readonly methodCounts: Record<FusionMethod, number> = { intra: 0, inter: 0, planning: 0, 'vehicle-only': 0 };
  private switches = 0;
  private lastMethod: FusionMethod | null = null;

  constructor(private readonly matchRadiusM = 2) {}

  /** Scores one vehicle frame; returns how many occluded ROI actors it missed (for the per-frame series). */
  add(f: FrameScoreInput): number {
    this.frames++;
    this.methodCounts[f.method]++;
    if (this.lastMethod !== null && f.method !== this.lastMethod) this.switches++;
    this.lastMethod = f.method;
    this.latencies.push(f.e2eLatencyMs);
    let missed = 0;
    for (const a of f.truth) {
      if (!a.inRoi) continue;
      const d = this.nearest(f.objects, a.xM, a.yM);
      const found = d <= this.matchRadiusM;
      this.roiPairs++;
      if (found) {
        this.roiFound++;
        this.positionErrors.push(d);
      }
      if (a.rsuVisible && !a.egoVisible) {
        this.occludedPairs++;
        if (!found) {
          this.missedPairs++;
          missed++;
        }
      }
    }
    const r2 = this.matchRadiusM * this.matchRadiusM;
    for (const o of f.objects) {
      this.fusedObjects++;
      if (!f.truth.some((a) => (a.xM - o.xM) ** 2 + (a.yM - o.yM) ** 2 <= r2)) this.falseObjects++;
    }
    if (f.plan && f.truthPlan) this.planErrors.push(planDisplacementM(f.plan, f.truthPlan));
    return missed;
  }

  private nearest(objects: readonly FusedObject[], x: number, y: number): number {
    let best = Infinity;
    for (const o of objects) best = Math.min(best, Math.hypot(o.xM - x, o.yM - y));
    return best;
  }

  summary(): MetricsSummary {
    const residency = Object.fromEntries(METHODS.map((m) => [m, this.frames ? this.methodCounts[m] / this.frames : 0])) as Record<FusionMethod, number>;
    return {
      fusion_miss_ratio: this.occludedPairs ? this.missedPairs / this.occludedPairs : null,
      recall: this.roiPairs ? this.roiFound / this.roiPairs : null,
      false_object_ratio: this.fusedObjects ? this.falseObjects / this.fusedObjects : null,
      position_error_m: { mean: mean(this.positionErrors), p95: q(this.positionErrors, 0.95) },
      planning_displacement_error_m: { mean: mean(this.planErrors), p95: q(this.planErrors, 0.95), max: this.planErrors.length ? Math.max(...this.planErrors) : null },
      mode_residency: residency,
      mode_switches: this.switches,
      e2e_latency_ms: { p50: q(this.latencies, 0.5), p99: q(this.latencies, 0.99) },
      counts: {
        frames: this.frames, occludedPairs: this.occludedPairs, missedPairs: this.missedPairs, roiPairs: this.roiPairs,
        fusedObjects: this.fusedObjects, falseObjects: this.falseObjects,
      },
    };
  }
}
