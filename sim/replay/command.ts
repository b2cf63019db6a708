// `iaad sim replay FILE [--strategy NAME] --out DIR`: re-runs the vehicle's fusion on a recording and writes
// DIR/metrics.json and DIR/report.html, as `iaad sim run` does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsJson } from '../metrics/metrics-json.js';
import { CICV5G_ATTRIBUTION } from '../network/cicv5g.js';
import { renderRunReport } from '../report/render.js';
import { parseStrategy } from '../../shared/fusion/strategies.js';
import { scoreRecording, type ReplayResult } from './score.js';

/** Writes metrics.json and report.html for a scored replay; returns their paths. */
export async function writeReplayOutputs(result: ReplayResult, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const scenario = result.recording.description.scenario;
  const cicv5g = Boolean(scenario?.cicv5g) || /(^|\+)\s*trace:/.test(scenario?.network ?? '');
  const metrics = join(outDir, 'metrics.json');
  const report = join(outDir, 'report.html');
  writeFileSync(metrics, metricsJson(result));
  writeFileSync(report, await renderRunReport(result, cicv5g ? { attribution: CICV5G_ATTRIBUTION } : {}));
  return [metrics, report];
}

export async function runSimReplay(file: string, o: { strategy?: string; out: string }): Promise<number> {
  const result = await scoreRecording(file, o.strategy ? { strategy: parseStrategy(o.strategy, '--strategy') } : {});
  const rec = result.recording;
  if (!rec.info.complete) {
    process.stderr.write(`iaad: ${file} is incomplete (${rec.info.stopReason ?? 'no summary'}): replayed its ${rec.messages.length} readable messages\n`);
  }
  if (!result.scoredAgainstTruth) {
    process.stderr.write('iaad: the recording names no scenario: scored without ground truth (mode residency, switches, latencies)\n');
  }
  for (const p of await writeReplayOutputs(result, o.out)) process.stdout.write(`${p}\n`);
  return 0;
}
