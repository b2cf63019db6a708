// `iaad demo`: the embedded broker in this process, one RSU and one vehicle as separate processes on the bundled
// scenario, over MQTT and ZeroMQ at once; then a summary of what crossed each path. Exits non-zero if a path
// delivered nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedBroker } from '../shared/transport/broker.js';
import { freePort } from '../shared/net/ports.js';
import { runProcessPair } from '../sim/realtime/process-pair.js';
import { formatDemoReport } from './demo-report.js';
import { occludedCrossing } from '../sim/scenarios/occluded-crossing.js';

/** The RSU pretends its clock is this far ahead, so the demo shows clock sync at work. */
const RSU_CLOCK_OFFSET_MS = 37.5;

export async function runDemo(o: { duration: number; scenario: string }): Promise<number> {
  const scenarioDir = resolve(o.scenario);
  const workDir = mkdtempSync(join(tmpdir(), 'iaad-demo-'));
  const broker = await startEmbeddedBroker({ port: 0 });
  const [pub, pull, out] = [await freePort(), await freePort(), await freePort()];
  process.stdout.write(`iaad demo: scenario ${scenarioDir}, ${o.duration} s\n`);
  process.stdout.write(`  embedded MQTT broker ${broker.url}; RSU ZeroMQ tcp://127.0.0.1:${pub} (PUB) / :${pull} (PULL)\n`);
  process.stdout.write(`  configs and process logs in ${workDir}\n`);
  try {
    const r = await runProcessPair({
      scenarioDir, mapFrame: 'enu:occluded-crossing', workDir, durationS: o.duration, mqttUrl: broker.url,
      zmq: { pubEndpoint: `tcp://127.0.0.1:${pub}`, pullEndpoint: `tcp://127.0.0.1:${pull}` },
      outputEndpoint: `tcp://127.0.0.1:${out}`, rsuClockOffsetMs: RSU_CLOCK_OFFSET_MS, strategy: 'adaptive',
      route: occludedCrossing.ego.route.map((w) => ({ xM: w.xM, yM: w.yM })),
    });
    if (!r.roadside || !r.vehicle) {
      process.stderr.write(`demo failed: a process gave no summary (roadside exit ${r.roadsideExit}, `
        + `vehicle exit ${r.vehicleExit}); see the logs in ${workDir}\n`);
      return 1;
    }
    const report = formatDemoReport(r.roadside, r.vehicle, {
      outputSeen: r.outputSeen, outputObjects: r.outputObjects, simulatedOffsetMs: RSU_CLOCK_OFFSET_MS,
    });
    process.stdout.write(report.text);
    if (report.problems.length > 0) {
      process.stderr.write(`demo failed:\n${report.problems.map((p) => `  - ${p}`).join('\n')}\nlogs: ${workDir}\n`);
      return 1;
    }
    return 0;
  } finally {
    await broker.close();
  }
}
