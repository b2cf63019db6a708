// The simulator-speed benchmark's runs (issue 4: a 3-minute scenario with 50 actors must replay in virtual time at
// least 50x faster than real time). bench/run.ts runs this module twice: compiled by tsc (how a deployment runs
// the code) in a child process, and as TypeScript under tsx (how the CLI runs from a checkout). Run directly (as
// compiled JavaScript), it prints its result as one JSON line.
import { pathToFileURL } from 'node:url';
import { runVirtual } from '../sim/engine/virtual-run.js';
import { spareCoreForPerception } from '../sim/engine/run-pool.js';
import { benchCorridor } from '../sim/scenarios/bench-corridor.js';

export interface SimSpeedRuns {
  scenario: string;
  actors: number;
  rsus: number;
  durationS: number;
  perceptionWorker: boolean;
  runs: Array<{ strategy: string; wallS: number; factor: number }>;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export function measureSimSpeed(): SimSpeedRuns {
  const scenario = benchCorridor(50, 180);
  // As `iaad sim run` does: the RSUs' perception on a second core when there is one.
  const perceptionWorker = spareCoreForPerception();
  const runs: SimSpeedRuns['runs'] = [];
  for (const strategy of ['adaptive-st', 'inter'] as const) {
    const t0 = performance.now();
    runVirtual({ scenario, network: 'jitter:25,8,10@gamma', strategy, seed: 1, collectSeries: false, perceptionWorker });
    const wallS = (performance.now() - t0) / 1000;
    runs.push({ strategy, wallS: r3(wallS), factor: r3(scenario.durationS / wallS) });
  }
  return { scenario: scenario.name, actors: scenario.actors.length, rsus: scenario.rsus.length, durationS: scenario.durationS, perceptionWorker, runs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${JSON.stringify(measureSimSpeed())}\n`);
