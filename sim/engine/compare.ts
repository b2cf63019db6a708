// `iaad sim compare` and the reference suite: every strategy (or a subset) over seeds 1..N, in parallel on worker
// threads (run-pool.ts), summarised per strategy; comparison.json and its report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { parseStrategy, strategyNames } from '../../shared/fusion/strategies.js';
import { roundForJson } from '../metrics/metrics-json.js';
import { CICV5G_ATTRIBUTION } from '../network/cicv5g.js';
import { renderComparisonReport } from '../report/render.js';
import type { ComparisonReportData, MeanStd, RunMetrics, StrategySummary } from '../report/types.js';
import type { Scenario } from '../world/scenario.js';
import { defaultJobs, runJobs, type RunJob } from './run-pool.js';
import { runSetup, type SimCommonOptions } from './run-setup.js';

export type SimCompareOptions = SimCommonOptions & { seeds: number; strategies?: string | undefined; jobs?: number | undefined };

/** A run or comparison with nothing to score: its metrics would all be null, so it fails instead (exit 1). */
export class UnscorableError extends Error {
  override name = 'UnscorableError';
}

/** Why a scenario cannot produce a scorable pair before anything runs (it has no actors), else null. */
export function scenarioUnscorable(scenario: Pick<Scenario, 'name' | 'actors'>): string | null {
  return scenario.actors.length === 0
    ? `scenario ${scenario.name} has no actors: there is nothing to detect, so nothing to score (no run made)`
    : null;
}

/**
 * Why runs have no scorable pairs, else null: no actor ever in the region of interest (every metric undefined),
 * or none there hidden from the ego while an RSU saw it (the miss ratio undefined: the methods cannot differ).
 */
export function runsUnscorable(scenario: string, details: ReadonlyArray<{ roiPairs: number; occludedPairs: number }>): string | null {
  const roi = details.reduce((n, d) => n + d.roiPairs, 0);
  const occluded = details.reduce((n, d) => n + d.occludedPairs, 0);
  const runs = `${details.length} run${details.length === 1 ? '' : 's'}`;
  if (roi === 0) return `no scorable pairs in ${scenario} (${runs}): no actor was ever in the region of interest ahead of the ego`;
  if (occluded === 0) {
    return `no scorable pairs in ${scenario} (${runs}): none of the ${roi} (frame, actor) pairs in the region of interest `
      + 'was hidden from the ego while an RSU saw it, so the miss ratio is undefined and the methods cannot differ';
  }
  return null;
}

/** Every strategy (or the listed ones) over seeds 1..N, in parallel (see run-pool.ts); nothing written. */
export async function compareStrategies(o: Omit<SimCompareOptions, 'out'>): Promise<ComparisonReportData> {
  const strategies = (o.strategies ? o.strategies.split(',') : strategyNames()).map((s) => parseStrategy(s, '--strategies'));
  if (o.jobs !== undefined && !(Number.isInteger(o.jobs) && o.jobs >= 1)) throw new Error(`--jobs must be a whole number >= 1, got ${o.jobs}`);
  const setupArgs = { scenario: o.scenario, cicv5g: o.cicv5g, network: o.network, netmap: o.netmap };
  const setup = runSetup(setupArgs);
  const r = setup.resolved;
  const before = scenarioUnscorable(r.scenario);
  if (before !== null) throw new UnscorableError(before);
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  // The report's example run: adaptive-st's first seed, with its per-frame series.
  const jobs: RunJob[] = strategies.flatMap((strategy) => seeds.map((seed) => ({
    strategy, seed, collectSeries: strategy === 'adaptive-st' && seed === seeds[0],
  })));
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'sim compare [{bar}] {value}/{total} runs  {strategy} seed {seed}', hideCursor: true },
      cliProgress.Presets.shades_classic)
    : null;
  bar?.start(jobs.length, 0, { strategy: '', seed: '' });
  const results = await runJobs(setupArgs, jobs, o.jobs ?? defaultJobs(jobs.length), (job, result) => {
    bar?.increment({ strategy: job.strategy, seed: job.seed });
    if (!bar) process.stderr.write(`  ${job.strategy} seed ${job.seed}: miss ${fmt(result.metrics.fusion_miss_ratio)}, `
      + `GOSPA ${fmt(result.metrics.gospa?.roi.mean_m)} m, stale ${result.metrics.stale_objects?.count ?? '-'}, `
      + `planning error ${fmt(result.metrics.planning_displacement_error_m.mean)} m, `
      + `plan flips ${result.details.planDecisionFlips ?? '-'} (truth ${result.details.truthPlanDecisionFlips ?? '-'})\n`);
  }, setup);
  bar?.stop();
  const unscorable = runsUnscorable(r.scenario.name, results.map((x) => x.details));
  if (unscorable !== null) throw new UnscorableError(unscorable);
  const runs: RunMetrics[] = results.map((x) => x.metrics);
  const example = results.find((_, i) => jobs[i]!.collectSeries);
  return {
    scenario: r.scenario.name, network: r.network, seeds, runs,
    summary: strategies.map((strategy) => summarize(strategy, runs.filter((m) => m.strategy === strategy))),
    ...(example ? { example } : {}),
    ...(r.cicv5gPath ? { attribution: CICV5G_ATTRIBUTION } : {}),
  };
}

/** comparison.json (no wall-clock values, numbers rounded: stable bytes) and report.html in dir. */
export async function writeComparison(dir: string, comparison: ComparisonReportData): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'comparison.json'), `${JSON.stringify(roundForJson({ ...comparison, example: undefined }), null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), await renderComparisonReport(comparison));
}

const meanStd = (v: Array<number | null>): { mean: number | null; std: number | null } => {
  const x = v.filter((n): n is number => n !== null);
  if (x.length === 0) return { mean: null, std: null };
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean: m, std: Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length) };
};

function summarize(strategy: string, runs: RunMetrics[]): ComparisonReportData['summary'][number] {
  const residency: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.mode_residency)) residency[k] = (residency[k] ?? 0) + v / runs.length;
  return {
    strategy,
    fusion_miss_ratio: meanStd(runs.map((r) => r.fusion_miss_ratio)),
    planning_displacement_error_m: meanStd(runs.map((r) => r.planning_displacement_error_m.mean)),
    mode_residency: residency,
    gospa_roi_m: meanStd(runs.map((r) => r.gospa?.roi.mean_m ?? null)),
    gospa_occluded_m: meanStd(runs.map((r) => r.gospa?.occluded.mean_m ?? null)),
    stale_objects: meanStd(runs.map((r) => r.stale_objects?.count ?? null)),
    stale_ratio: meanStd(runs.map((r) => r.stale_objects?.ratio ?? null)),
  };
}

const fmt = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? '-' : v.toFixed(d));

export function formatComparisonTable(c: ComparisonReportData): string {
  const cols: Array<[string, (s: StrategySummary) => MeanStd | undefined, number]> = [
    ['miss ratio', (s) => s.fusion_miss_ratio, 3],
    ['GOSPA ROI m', (s) => s.gospa_roi_m, 3],
    ['GOSPA occl. m', (s) => s.gospa_occluded_m, 3],
    ['stale obj.', (s) => s.stale_objects, 1],
    ['stale ratio', (s) => s.stale_ratio, 3],
    ['plan. err. m', (s) => s.planning_displacement_error_m, 3],
  ];
  const cell = (v: MeanStd | undefined, d: number): string => `${fmt(v?.mean, d)} ±${fmt(v?.std, d)}`.padStart(16);
  const lines = [`${c.scenario} / ${c.network} / seeds ${c.seeds.join(',')} (scored at output time: docs/metrics.md)`,
    `${'strategy'.padEnd(20)}${cols.map(([name]) => name.padStart(16)).join('')}`];
  for (const s of c.summary) lines.push(`${s.strategy.padEnd(20)}${cols.map(([, get, d]) => cell(get(s), d)).join('')}`);
  return `${lines.join('\n')}\n`;
}
