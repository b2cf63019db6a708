// Independent simulated runs (strategy x seed) spread over worker threads: each run is deterministic and shares
// nothing with the others, so a comparison scales with the cores while every metrics.json stays byte for byte
// what a single-threaded run writes. One job, or jobs = 1, runs inline.
import { availableParallelism } from 'node:os';
import { isThreadLocalStrategy, strategyDef, type StrategyName } from '../../shared/fusion/strategies.js';
import { runVirtual, type SimRunResult } from './virtual-run.js';
import { runSetup, type RunSetup, type RunSetupArgs } from './run-setup.js';
import { startEngineWorker } from './workers.js';

export interface RunJob {
  strategy: StrategyName;
  seed: number;
  /** Keep per-frame series (for a report). */
  collectSeries: boolean;
}

/**
 * One run of a job under a setup (what a worker does for each job it is handed). perceptionWorker: compute the
 * RSUs' perception on another core (for runs that go one at a time on a multi-core machine).
 */
export function runJob(setup: RunSetup, job: RunJob, perceptionWorker = false): SimRunResult {
  const { resolved } = setup;
  return runVirtual({
    scenario: resolved.scenario, network: resolved.network, strategy: job.strategy, seed: job.seed,
    netmap: strategyDef(job.strategy).needsNetmap ? setup.netmap() : null, collectSeries: job.collectSeries,
    // The perception worker builds the run's vehicle core too (for its planner): it must know the strategy.
    perceptionWorker: perceptionWorker && !isThreadLocalStrategy(job.strategy),
  });
}

/** A single run at a time leaves cores idle: give its roadside perception one of them. */
export const spareCoreForPerception = (): boolean => availableParallelism() > 1;

/** Default parallelism: one worker per core, never more than there are jobs. */
export function defaultJobs(jobCount: number): number {
  return Math.max(1, Math.min(availableParallelism(), jobCount));
}

type WorkerReply = { index: number; result: SimRunResult } | { index: number; error: string };

/**
 * Runs every job; results come back in job order. onDone is called as each finishes (any order), e.g. for a
 * progress bar. A failing run rejects with its error after the workers are stopped.
 */
export async function runJobs(
  args: RunSetupArgs, jobs: readonly RunJob[], parallel: number,
  onDone: (job: RunJob, result: SimRunResult) => void = () => undefined,
  /** The caller's setup of args, reused when the jobs run inline (workers build their own). */
  inlineSetup?: RunSetup,
): Promise<SimRunResult[]> {
  const results: SimRunResult[] = new Array(jobs.length);
  // A strategy registered at run time is known to this thread only: such jobs run here.
  const workers = jobs.some((j) => isThreadLocalStrategy(j.strategy)) ? 1 : Math.max(1, Math.min(parallel, jobs.length));
  if (workers <= 1) {
    const setup = inlineSetup ?? runSetup(args);
    jobs.forEach((job, i) => {
      results[i] = runJob(setup, job, spareCoreForPerception());
      onDone(job, results[i]!);
    });
    return results;
  }
  let next = 0;
  const pool = Array.from({ length: workers }, () => startEngineWorker('run-worker', { args }));
  try {
    await Promise.all(pool.map((w) => new Promise<void>((resolve, reject) => {
      const feed = (): void => {
        if (next >= jobs.length) {
          resolve();
          return;
        }
        const index = next++;
        w.postMessage({ index, job: jobs[index] });
      };
      w.on('message', (m: WorkerReply) => {
        if ('error' in m) {
          reject(new Error(`run ${jobs[m.index]!.strategy} seed ${jobs[m.index]!.seed} failed: ${m.error}`));
          return;
        }
        results[m.index] = m.result;
        onDone(jobs[m.index]!, m.result);
        feed();
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (code !== 0) reject(new Error(`simulation worker exited with code ${code}`));
      });
      feed();
    })));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
