// Worker side of run-pool.ts: builds the setup once, then runs each job it is handed and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type RunJob } from './run-pool.js';
import { runSetup, type RunSetupArgs } from './run-setup.js';

const port = parentPort;
if (!port) throw new Error('run-worker.ts must run in a worker thread (see run-pool.ts)');
const setup = runSetup((workerData as { args: RunSetupArgs }).args);
port.on('message', (m: { index: number; job: RunJob }) => {
  try {
    port.postMessage({ index: m.index, result: runJob(setup, m.job) });
  } catch (err) {
    port.postMessage({ index: m.index, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
