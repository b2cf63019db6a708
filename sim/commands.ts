// `iaad sim run | compare | netmap`: scenario + network + strategy -> metrics.json and report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildNetworkMapFromCicv5g } from '../shared/netmap/build.js';
import { CICV5G_ATTRIBUTION, readCicv5g } from './network/cicv5g.js';
import { parseStrategy, strategyDef } from '../shared/fusion/strategies.js';
import {
  compareStrategies, formatComparisonTable, runsUnscorable, scenarioUnscorable, UnscorableError, writeComparison,
  type SimCompareOptions,
} from './engine/compare.js';
import { runVirtual } from './engine/virtual-run.js';
import { spareCoreForPerception } from './engine/run-pool.js';
import { runSetup, type SimCommonOptions } from './engine/run-setup.js';
import { metricsJson } from './metrics/metrics-json.js';
import { recordVirtualRun } from './replay/record-run.js';
import { renderRunReport } from './report/render.js';

export async function runSimRun(o: SimCommonOptions & { strategy: string; seed: number; record?: string }): Promise<number> {
  const strategy = parseStrategy(o.strategy, '--strategy');
  const setup = runSetup(o);
  const r = setup.resolved;
  const before = scenarioUnscorable(r.scenario);
  if (before !== null) return unscorable(before);
  const run = {
    scenario: r.scenario, network: r.network, strategy, seed: o.seed,
    netmap: strategyDef(strategy).needsNetmap ? setup.netmap() : null, perceptionWorker: spareCoreForPerception(),
  };
  const result = o.record
    ? await recordVirtualRun(o.record, run, { scenarioArg: o.scenario, cicv5g: r.cicv5gPath })
    : runVirtual(run);
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'metrics.json'), metricsJson(result));
  writeFileSync(join(o.out, 'report.html'), await renderRunReport(result, r.cicv5gPath ? { attribution: CICV5G_ATTRIBUTION } : {}));
  process.stdout.write(`${join(o.out, 'metrics.json')}\n${join(o.out, 'report.html')}\n${o.record ? `${o.record}\n` : ''}`);
  // Written all the same (the report shows where the actors were), but a run with nothing to score fails.
  const after = runsUnscorable(r.scenario.name, [result.details]);
  return after === null ? 0 : unscorable(after);
}

/** The message of a run with nothing to score, and its exit code. */
function unscorable(why: string): number {
  process.stderr.write(`iaad: ${why}\n`);
  return 1;
}

export async function runSimCompare(o: SimCompareOptions): Promise<number> {
  let comparison;
  try {
    comparison = await compareStrategies(o);
  } catch (e) {
    if (e instanceof UnscorableError) return unscorable(e.message);
    throw e;
  }
  await writeComparison(o.out, comparison);
  process.stdout.write(formatComparisonTable(comparison));
  process.stdout.write(`${join(o.out, 'comparison.json')}\n${join(o.out, 'report.html')}\n`);
  return 0;
}

export function runSimNetmap(o: { cicv5g: string; out: string; cellM: number }): number {
  const map = buildNetworkMapFromCicv5g(readCicv5g(o.cicv5g), { cellSizeM: o.cellM });
  writeFileSync(o.out, `${JSON.stringify(map.toJSON())}\n`);
  process.stdout.write(`${o.out}: network map of ${basename(o.cicv5g)} (${map.cells().length} cells of ${o.cellM} m)\n`);
  return 0;
}
