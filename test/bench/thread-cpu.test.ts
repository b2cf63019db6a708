// The benchmark's per-thread CPU meter (bench/thread-cpu.ts) puts each thread's CPU where it belongs: the main
// thread's own work under main, a worker thread started after the process under workers.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { threadCpuMeter } from '../../bench/thread-cpu.js';

const SPIN_MS = 400;

function spin(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

describe('bench thread CPU meter', function () {
  before(function () {
    if (threadCpuMeter().stop() === null) {
      console.log('    skipped: this system has no per-thread CPU in /proc (the meter is Linux-only)');
      this.skip();
    }
  });

  it('counts the main thread\'s work under main', function () {
    const meter = threadCpuMeter();
    spin(SPIN_MS);
    const cpu = meter.stop();
    assert.ok(cpu);
    assert.ok(cpu.mainS >= 0.25, `main ${cpu.mainS} s after spinning ${SPIN_MS} ms`);
    assert.ok(cpu.workersS <= 0.05, `workers ${cpu.workersS} s with no worker running`);
  });

  it('counts a worker thread started after the process under workers, not main', async function () {
    const meter = threadCpuMeter();
    const worker = new Worker(
      `const end = performance.now() + ${SPIN_MS}; let x = 0; while (performance.now() < end) x += Math.sqrt(x + 1);
       require('node:worker_threads').parentPort.postMessage(x);`,
      { eval: true },
    );
    // Stop while the worker's thread still exists (an exited thread's time leaves /proc with it).
    const cpu = await new Promise<ReturnType<typeof meter.stop>>((resolve, reject) => {
      worker.once('message', () => resolve(meter.stop()));
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.ok(cpu);
    assert.ok(cpu.workersS >= 0.25, `workers ${cpu.workersS} s after a worker spun ${SPIN_MS} ms`);
    assert.ok(cpu.mainS < cpu.workersS, `main ${cpu.mainS} s, workers ${cpu.workersS} s`);
  });
});
