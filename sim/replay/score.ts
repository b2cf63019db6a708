// Scores a replay of a recording: against the scenario's ground truth when the recording names one (exactly as
// runVirtual scores, so a virtual-time recording gives back its run's metrics.json), otherwise with what needs no
// truth (a field drive).
import type { StrategyName } from '../../vehicle/core.js';
import { linkCounts, runResult, type SimRunResult } from '../engine/virtual-run.js';
import type { MetricsSummary } from '../metrics/accumulator.js';
import type { RunMetrics } from '../report/types.js';
import { loadScenario } from '../scenarios/file.js';
import type { Scenario } from '../world/scenario.js';
import { loadRecording, replay, type LoadedRecording, type ReplayOutcome } from './engine.js';
import { LinkScorer, TruthScorer } from '../metrics/scoring.js';

export interface ScoreOptions {
  strategy?: StrategyName;
  /** RSU frames sent, when known from elsewhere (e.g. the RSU process's summary). */
  roadsideFramesSent?: number;
  /** The scenario the recording names, when the caller already has it (no reload). */
  scenario?: Scenario;
  /** Told why truth scoring was not possible although the recording names a scenario. */
  warn?: (message: string) => void;
}

/** Extra details of a field drive (no truth): the link itself is the measure. */
export interface FieldDetails {
  roadside_latency_ms: { p50: number | null; p99: number | null };
  /** Where roadsideFramesSent comes from: the recording/RSU, or estimated from received sequence numbers. */
  roadsideFramesSentFrom: 'recorded' | 'sequence numbers';
}

export interface ReplayResult extends SimRunResult {
  details: SimRunResult['details'] & Partial<FieldDetails>;
  /** Whether the frames were scored against ground truth. */
  scoredAgainstTruth: boolean;
  replay: ReplayOutcome;
  recording: LoadedRecording;
}

/** The scenario a recording names, or null (with a warning) if it cannot be had. */
function recordedScenario(rec: LoadedRecording, warn: (m: string) => void): Scenario | null {
  const s = rec.description.scenario;
  if (!s) return null;
  if (s.embedded) return s.embedded;
  try {
    return loadScenario(s.name, s.cicv5g ? { cicv5gFile: s.cicv5g } : {});
  } catch (err) {
    warn(`scenario "${s.name}" of the recording cannot be loaded (${(err as Error).message}); scoring without ground truth`);
    return null;
  }
}

export async function scoreRecording(file: string | LoadedRecording, o: ScoreOptions = {}): Promise<ReplayResult> {
  const rec = typeof file === 'string' ? await loadRecording(file) : file;
  const warn = o.warn ?? ((m: string) => process.stderr.write(`iaad: ${m}\n`));
  const scenario = rec.description.scenario ? (o.scenario ?? recordedScenario(rec, warn)) : null;
  const meta = rec.description.scenario;
  if (scenario && meta) {
    const scorer = new TruthScorer({ scenario, originNs: meta.startNs });
    const out = replay(rec, { ...(o.strategy ? { strategy: o.strategy } : {}), onStep: (own, result, t, core) => scorer.add(own, result, t, core) });
    const sent = o.roadsideFramesSent ?? rec.roadsideFramesSent ?? estimateSent(out);
    const result = runResult(scorer.summary(), scorer.series, scenario,
      { network: meta.network ?? 'recorded', strategy: out.strategy, seed: meta.seed }, counts(out, sent));
    return { ...result, scoredAgainstTruth: true, replay: out, recording: rec };
  }
  const scorer = new LinkScorer(rec.setup.route);
  const out = replay(rec, {
    ...(o.strategy ? { strategy: o.strategy } : {}),
    onStep: (own, result, t, core, ego) => scorer.add(own, result, t, core, ego),
  });
  const summary = scorer.summary();
  const sent = o.roadsideFramesSent ?? rec.roadsideFramesSent ?? estimateSent(out);
  const metrics: RunMetrics = {
    scenario: meta?.name ?? 'field', network: meta?.network ?? 'recorded', strategy: out.strategy, seed: meta?.seed ?? 0,
    durationS: scorer.durationS(),
    fusion_miss_ratio: null, recall: null, false_object_ratio: null, position_error_m: summary.position_error_m,
    planning_displacement_error_m: summary.planning_displacement_error_m, mode_residency: summary.mode_residency,
    mode_switches: summary.mode_switches, e2e_latency_ms: summary.e2e_latency_ms, by_network: summary.by_network,
    // Null without ground truth (docs/metrics.md), present so every metrics.json has the same fields.
    gospa: summary.gospa, stale_objects: summary.stale_objects, capture_time: summary.capture_time,
  };
  return {
    metrics, series: scorer.series, scene: scorer.scene(),
    details: {
      ...summary.counts, ...counts(out, sent), roadside_latency_ms: scorer.roadsideLatencyMs(),
      roadsideFramesSentFrom: o.roadsideFramesSent !== undefined || rec.roadsideFramesSent !== null ? 'recorded' : 'sequence numbers',
    },
    scoredAgainstTruth: false, replay: out, recording: rec,
  };
}

function counts(out: ReplayOutcome, sent: number): Omit<SimRunResult['details'], keyof MetricsSummary['counts']> {
  return linkCounts(sent, out.counters, out.links);
}

/** Frames the RSUs sent, from the sequence numbers that arrived (received + gaps per RSU; misses a lost tail). */
function estimateSent(out: ReplayOutcome): number {
  return out.links.reduce((n, l) => n + l.monitor.snapshot(0).merged.expected, 0);
}
