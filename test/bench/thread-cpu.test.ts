// The benchmark's per-thread CPU meter (bench/thread-cpu.ts) puts each thread's CPU where it belongs: the main
// thread's own work under main, a worker thread started after the process under workers. The work is an amount of
// CPU time (the process's own, from process.cpuUsage), not of wall-clock time, so a busy machine only makes it take
// longer; and the meter's figures are compared with that process total, not with absolute numbers.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { threadCpuMeter } from '../../bench/thread-cpu.js';

/** CPU the spinning thread burns, s: well above /proc's 10 ms tick, so rounding stays a few percent. */
const SPIN_CPU_S = 0.4;

/** Process CPU (user + system, every thread) since `from`, s. */
const cpuSinceS = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

/** Spins until the process as a whole has used SPIN_CPU_S more CPU; the same body runs in the worker below. */
function spinCpu(): number {
  const from = process.cpuUsage();
  let x = 0;
  while (cpuSinceS(from) < SPIN_CPU_S) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
  return x;
}

describe('bench thread CPU meter', function () {
  this.timeout(60_000);

  before(function () {
    if (threadCpuMeter().stop() === null) {
      console.log('    skipped: this system has no per-thread CPU in /proc (the meter is Linux-only)');
      this.skip();
    }
  });

  it('counts the main thread\'s work under main', function () {
    const from = process.cpuUsage();
    const meter = threadCpuMeter();
    spinCpu();
    const cpu = meter.stop();
    const totalS = cpuSinceS(from);
    assert.ok(cpu);
    const where = `main ${cpu.mainS} s, workers ${cpu.workersS} s, V8 ${cpu.v8BackgroundS} s of a process total of ${totalS.toFixed(3)} s`;
    // The main thread did nearly all of it; the rest is V8's own threads (compiling the loop) and /proc's rounding.
    assert.ok(cpu.mainS >= 0.75 * totalS, where);
    assert.ok(cpu.mainS <= totalS + 0.02, where);
    assert.ok(cpu.workersS <= 0.1 * totalS, `no worker was running: ${where}`);
  });

  it('counts a worker thread started after the process under workers, not main', async function () {
    const from = process.cpuUsage();
    const meter = threadCpuMeter();
    // The worker spins, reports, then waits to be terminated: its thread must still exist when the meter stops
    // (an exited thread's time leaves /proc with it).
    const worker = new Worker(
      `const cpuSinceS = ${cpuSinceS.toString()}; const SPIN_CPU_S = ${SPIN_CPU_S}; ${spinCpu.toString()}
       const { parentPort } = require('node:worker_threads');
       parentPort.on('message', () => undefined);
       parentPort.postMessage(spinCpu());`,
      { eval: true },
    );
    try {
      const cpu = await new Promise<ReturnType<typeof meter.stop>>((resolve, reject) => {
        worker.once('message', () => resolve(meter.stop()));
        worker.once('error', reject);
      });
      const totalS = cpuSinceS(from);
      assert.ok(cpu);
      const where = `main ${cpu.mainS} s, workers ${cpu.workersS} s, V8 ${cpu.v8BackgroundS} s of a process total of ${totalS.toFixed(3)} s`;
      // The main thread only waited; the worker's spin (and its start-up) is most of the process's CPU.
      assert.ok(cpu.workersS >= 0.6 * totalS, where);
      assert.ok(cpu.mainS < cpu.workersS / 4, where);
    } finally {
      await worker.terminate();
    }
  });
});
