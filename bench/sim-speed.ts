// The simulator-speed benchmark's runs (issue 4: a 3-minute scenario with 50 actors must replay in virtual time at
// least 50x faster than real time). bench/run.ts runs this module once per strategy in a fresh child process,
// compiled by tsc (how a deployment runs the code), and for reference as TypeScript under tsx (how the CLI runs
// from a checkout). Each process measures:
// - a cold run: the process's first, which also pays for JIT-compiling the whole simulator and starting the
//   perception worker (a one-off `iaad sim run`);
// - warm runs: the same scenario with other seeds in the same process, as a compare, a replay of several
//   recordings or any long-lived simulation service runs them (JIT code and perception worker reused).
// Run directly (as compiled JavaScript: `node .build/js/bench/sim-speed.js STRATEGY WARM_RUNS`), it prints its
// result as one JSON line.
import { pathToFileURL } from 'node:url';
import { runVirtual } from '../sim/engine/virtual-run.js';
import { spareCoreForPerception } from '../sim/engine/run-pool.js';
import { benchCorridor } from '../sim/scenarios/bench-corridor.js';
import { parseStrategy, type StrategyName } from '../shared/fusion/strategies.js';
import { threadCpuMeter, type ThreadCpuS } from './thread-cpu.js';

export interface SimSpeedRun {
  seed: number;
  wallS: number;
  /** Virtual seconds per wall-clock second. */
  factor: number;
  /** CPU time of the process (all threads) during the run, s. */
  cpuS: number;
  /** That CPU time by thread (Linux only): a cold run's extra is mostly V8 compiling on its own threads. */
  cpuByThread?: ThreadCpuS;
}

export interface SimSpeedRuns {
  scenario: string;
  actors: number;
  rsus: number;
  durationS: number;
  network: string;
  strategy: StrategyName;
  perceptionWorker: boolean;
  cold: SimSpeedRun;
  warm: SimSpeedRun[];
  /** Median factor of the warm runs. */
  warmMedianFactor: number;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const NETWORK = 'jitter:25,8,10@gamma';

export function measureSimSpeed(strategy: StrategyName, warmRuns: number): SimSpeedRuns {
  const scenario = benchCorridor(50, 180);
  // As `iaad sim run` does: the RSUs' perception on a second core when there is one.
  const perceptionWorker = spareCoreForPerception();
  const run = (seed: number): SimSpeedRun => {
    const cpu0 = process.cpuUsage();
    const threads = threadCpuMeter();
    const t0 = performance.now();
    runVirtual({ scenario, network: NETWORK, strategy, seed, collectSeries: false, perceptionWorker });
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuByThread = threads.stop();
    return {
      seed, wallS: r3(wallS), factor: r3(scenario.durationS / wallS), cpuS: r3((cpu.user + cpu.system) / 1e6),
      ...(cpuByThread ? { cpuByThread } : {}),
    };
  };
  const cold = run(1);
  const warm = Array.from({ length: warmRuns }, (_, i) => run(2 + i));
  const factors = warm.map((w) => w.factor).sort((a, b) => a - b);
  return {
    scenario: scenario.name, actors: scenario.actors.length, rsus: scenario.rsus.length, durationS: scenario.durationS,
    network: NETWORK, strategy, perceptionWorker, cold, warm, warmMedianFactor: factors[Math.floor((factors.length - 1) / 2)] ?? 0,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const strategy = parseStrategy(process.argv[2] ?? 'adaptive-st', 'sim-speed STRATEGY');
  const warmRuns = Number(process.argv[3] ?? 3);
  if (!Number.isInteger(warmRuns) || warmRuns < 1) throw new RangeError(`warm runs must be a positive integer, got ${process.argv[3]}`);
  process.stdout.write(`${JSON.stringify(measureSimSpeed(strategy, warmRuns))}\n`);
}
