// The README's three-terminal example (broker, roadside, vehicle, started by hand one after the other) used to
// replay the two traces from each process's own start: the RSU's track of the ego then lay seconds ahead of
// the ego, in its lane, and was fused as a car there (107 of 121 output frames). Looped traces now replay on the
// wall clock modulo their period, so processes started apart still replay the same instant.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { filter, firstValueFrom, Subject, take, toArray, timeout } from 'rxjs';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { connectMqtt } from '../../shared/transport/mqtt.js';
import { connectZmqClient } from '../../shared/transport/zmq.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import { outputTopic } from '../../vehicle/pipeline.js';
import { startChild, type Child } from '../../sim/realtime/children.js';
import { createLogger } from '../../shared/log.js';
import { freePort } from '../support/net.js';
import { exampleConfigs } from '../support/example-configs.js';

/** The ego drives along y = -1.75 (vehicle.yaml's route); a lane is 3.5 m wide. */
const EGO_LANE_Y_M = -1.75;
const HALF_LANE_M = 1.5;
/** RSU frames published before the vehicle starts: the gap between the second and the third terminal. */
const GAP_FRAMES = 40;
/** Output frames checked: one 15 s pass of the looped traces, all of the ego's drive past the RSU. */
const CHECKED_FRAMES = 150;

/** Period of the example's looped traces (150 rows 0.1 s apart), ms. */
const PERIOD_MS = 15_000;
/**
 * Frames this soon after the traces restart are not counted: the ego jumps from the end of its drive back to
 * its start, and the RSU's tracker coasts the ego's old track (ahead in the lane) until it gives it up, 7 frames
 * on a loaded machine. A seam of looping a finite trace, whether or not the processes are aligned.
 */
const LOOP_SEAM_MS = 2_000;

/** Output frames with a car in the ego's lane: the scenario has none but the ego, which fusion must not output. */
function phantomEgoFrames(frames: readonly PerceptionFrame[]): number {
  return frames.filter((f) => f.objects.some((o) => o.objectClass === 'car' && Math.abs(o.yM - EGO_LANE_Y_M) < HALF_LANE_M)).length;
}

/** Frames away from the loop seam (capture times are wall-clock here: no --clock-offset-ms). */
const awayFromSeam = (f: PerceptionFrame): boolean => (f.captureTimeNs / 1e6) % PERIOD_MS >= LOOP_SEAM_MS;

describe('the README three-terminal example', function () {
  this.timeout(180_000);

  it('started one process after the other, outputs no phantom car where the ego drives', async function () {
    const broker = await startEmbeddedBroker({ port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'iaad-3term-'));
    const outPort = await freePort();
    const cfg = exampleConfigs(dir, { 1883: broker.port, 5560: await freePort(), 5561: await freePort(), 5570: outPort });
    const children: Child[] = [];
    let result: { withRoadsideObjects: number; counted: number; phantoms: number } | null = null;
    let exits: Awaited<Child['done']>[] = [];
    const probe = await connectMqtt({ url: broker.url, clientName: 'iaad-test-3term', clock: systemClock, log: createLogger('test') });
    const planner = connectZmqClient({ downlink: `tcp://127.0.0.1:${outPort}`, clock: systemClock, reconnectMaxIntervalMs: 250 });
    try {
      // Terminal 2: the roadside. The vehicle starts once GAP_FRAMES of its frames went out (a few seconds).
      const rsuFrames = firstValueFrom(probe.subscribe(frameTopic('demo', 'rsu-1')).pipe(take(GAP_FRAMES), toArray(),
        timeout({ first: 60_000, with: () => { throw new Error(`no RSU frames (logs in ${dir})`); } })));
      children.push(startChild('roadside', ['roadside', '--config', cfg.roadside], join(dir, 'roadside.log')));
      await rsuFrames;
      // Terminal 3: the vehicle; its output is watched like a planner would.
      const frames$ = new Subject<PerceptionFrame>();
      planner.subscribe(outputTopic('veh-1')).subscribe((m) => {
        const e = decodeEnvelope(m.payload);
        if (e.payload.kind === 'frame') frames$.next(e.payload.frame);
      });
      const vehicle = startChild('vehicle', ['vehicle', '--config', cfg.vehicle], join(dir, 'vehicle.log'));
      children.push(vehicle);
      // Checked from the vehicle's first stats line that shows RSU frames fused (before it, vehicle-only).
      const fusing = new Promise<void>((ok) => {
        createInterface({ input: vehicle.process.stderr! }).on('line', (line) => {
          if (line.includes('"msg":"stats"') && /"roadsideFrames":[1-9]/.test(line)) ok();
        });
      });
      let fusingSeen = false;
      const checked = firstValueFrom(frames$.pipe(
        filter(() => fusingSeen), take(CHECKED_FRAMES), toArray(),
        timeout({ first: 120_000, with: () => { throw new Error(`too few output frames (logs in ${dir})`); } }),
      ));
      await fusing.then(() => (fusingSeen = true));
      const frames = await checked;
      const withRoadsideObjects = frames.filter((f) => f.objects.length > 0).length;
      const counted = frames.filter(awayFromSeam);
      const phantoms = phantomEgoFrames(counted);
      console.log(`      ${phantoms} of ${counted.length} output frames away from the loop seam with a car in the ego's lane `
        + `(${phantomEgoFrames(frames)} of all ${frames.length}; ${withRoadsideObjects} with objects)`);
      result = { withRoadsideObjects, counted: counted.length, phantoms };
    } finally {
      for (const c of children) c.stop();
      exits = await Promise.all(children.map((c) => c.done));
      await planner.close();
      await probe.close();
      await broker.close();
    }
    // A roadside process the machine held up for seconds replays its trace in a catch-up burst (batches skipped
    // to keep its rate), and its tracker coasts through the gap: that is an RSU stall, not the example as the
    // README runs it, so it is reported and not judged here.
    const roadsideSummary = exits[0]?.outputs.find((o) => (o as { role?: string }).role === 'roadside') as
      { counters?: { batchesSkipped?: number } } | undefined;
    const skipped = roadsideSummary?.counters?.batchesSkipped ?? 0;
    if (skipped > 0) {
      console.log(`      not judged: the roadside process was held up (${skipped} batches skipped in catch-up; logs in ${dir})`);
      this.skip();
    }
    assert.ok(result, `no result (logs in ${dir})`);
    assert.ok(result.withRoadsideObjects >= CHECKED_FRAMES / 2, `only ${result.withRoadsideObjects} output frames with objects (logs in ${dir})`);
    assert.ok(result.counted >= CHECKED_FRAMES * 0.8, `${result.counted} frames counted (logs in ${dir})`);
    // Unaligned (the base commit) nearly all show it; aligned, none should: 3 allows a stray track.
    assert.ok(result.phantoms <= 3, `${result.phantoms} of ${result.counted} output frames show a car in the ego's lane (logs in ${dir})`);
  });
});
