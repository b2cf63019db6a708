// iaad sim run --realtime: the RSU and the vehicle as OS processes over real MQTT and ZeroMQ (embedded aedes),
// on one scenario clock, impaired in userspace, the vehicle recording; scored by the replay scorer. Agrees with
// the virtual-time run within the documented tolerance, when the machine kept the run to its scenario clock.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsJson } from '../../sim/metrics/metrics-json.js';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { readAll, recordingInfo } from '../../shared/record/reader.js';
import {
  realtimeDisagreements, REALTIME_TOLERANCE, REALTIME_TWIN_TOLERANCE, runRealtime, type RealtimeRun,
} from '../../sim/realtime/run.js';
import { scoreRecording } from '../../sim/replay/score.js';
import { occludedCrossing } from '../../sim/scenarios/occluded-crossing.js';

/** When each process of a run logged that it had started (pino's time, ms since the epoch), by log file. */
function startedAtMs(workDir: string): Map<string, number | null> {
  const logs = readdirSync(workDir).filter((f) => f.endsWith('.log'));
  return new Map(logs.map((f) => {
    const line = readFileSync(join(workDir, f), 'utf8').split('\n').find((l) => /"msg":"(vehicle|roadside) started"/.test(l));
    return [f, line ? (JSON.parse(line) as { time: number }).time : null];
  }));
}

/** The run's network (fixed delay, no loss) and frame period. */
const NETWORK = 'fixed:20';
const DELAY_MS = 20;
const PERIOD_MS = 1000 / occludedCrossing.frameRateHz;

/** Frames of the 150 each RSU must have published (a late frame makes the RSU drop the next as too soon). */
const MIN_RSU_FRAMES = 140;

/**
 * Where the run fell behind its scenario clock; empty when it kept to it. A process the machine holds up stamps
 * its frames late (a trace row is captured when its timer fires), receives late, and an RSU drops the frame after
 * a late one as too soon. Half a frame period late, a frame is nearer to another instant than to its own: such a
 * run has another timing than the virtual run it is compared with, and the comparison would measure the
 * machine's load rather than the code.
 */
async function fellBehind(rt: RealtimeRun): Promise<string[]> {
  const startNs = Number((await recordingInfo(rt.recording)).metadata.scenarioStartNs);
  let row = 0;
  let ownLateMs = 0;
  const firstArrivalMs = new Map<number, number>();
  for (const m of await readAll(rt.recording)) {
    const p = m.envelope?.payload;
    if (p?.kind !== 'frame') continue;
    if (m.channel.includes('/own')) ownLateMs = Math.max(ownLateMs, (p.frame.captureTimeNs - startNs) / 1e6 - PERIOD_MS * row++);
    else if (m.direction === 'rx') {
      const ms = (m.logTimeNs - p.frame.publishTimeNs) / 1e6 - DELAY_MS;
      firstArrivalMs.set(p.frame.sequence, Math.min(ms, firstArrivalMs.get(p.frame.sequence) ?? Infinity));
    }
  }
  const deliveryLateMs = Math.max(0, ...firstArrivalMs.values());
  const published = rt.pair.roadsides.map((r) => r?.counters.framesPublished ?? 0);
  return [
    ...(ownLateMs >= PERIOD_MS / 2 ? [`a vehicle frame stamped ${ownLateMs.toFixed(0)} ms late`] : []),
    ...(deliveryLateMs >= PERIOD_MS / 2 ? [`an RSU frame delivered ${deliveryLateMs.toFixed(0)} ms later than the network model`] : []),
    ...(published.some((n) => n < MIN_RSU_FRAMES) ? [`RSU frames published: ${published.join(', ')}`] : []),
  ];
}

describe('sim run --realtime (occluded-crossing, 15 s, fixed:20, inter)', function () {
  // Safety net for three runs with growing leads (see below); one run takes the lead + 16 s + scoring.
  this.timeout(300_000);
  const o = { scenario: occludedCrossing, network: NETWORK, strategy: 'inter' as const, seed: 1 };
  const notes: string[] = [];
  let rt: RealtimeRun;
  let where: string;

  before(async () => {
    // The processes get the scenario clock's start on their command line, so it must be far enough ahead for
    // them to start; one that starts late skips the rows already due. Start-up takes what a busy machine gives
    // it: when a process was late, the run is repeated with a lead three times what that start-up took.
    let leadMs = 8_000;
    for (let attempt = 1; ; attempt++) {
      const out = mkdtempSync(join(tmpdir(), 'iaad-realtime-'));
      rt = await runRealtime({ ...o, out, scenarioArg: 'occluded-crossing', leadMs, progress: (l) => notes.push(l) });
      const started = startedAtMs(rt.workDir);
      assert.ok(started.size === 2 && [...started.values()].every((t) => t !== null), `a process never started (logs in ${rt.workDir})`);
      const lateMs = Math.max(...(started.values() as IterableIterator<number>)) - rt.startAtMs;
      if (lateMs <= 0) break;
      assert.ok(attempt < 3, `a process still started ${lateMs} ms after the scenario clock with a ${leadMs} ms lead (logs in ${rt.workDir})`);
      console.log(`      a process started ${lateMs} ms after the scenario clock (lead ${leadMs} ms): again with a longer lead`);
      leadMs = 3 * (leadMs + lateMs);
    }
    where = `(logs in ${rt.workDir}; ${notes.join(' | ')})`;
  });

  it('records every process; the vehicle\'s recording names the scenario and replays deterministically', async () => {
    assert.ok(rt.result.scoredAgainstTruth, where);
    assert.equal(rt.result.metrics.strategy, 'inter');
    assert.ok(rt.result.details.frames >= 140, `${rt.result.details.frames} vehicle frames ${where}`);
    const info = await recordingInfo(rt.recording);
    assert.equal(info.metadata.mode, 'realtime');
    assert.equal(info.metadata.scenario, 'occluded-crossing');
    assert.equal(info.metadata.network, NETWORK);
    assert.ok(existsSync(join(rt.workDir, 'roadside-rsu-1.mcap')));
    const again = await scoreRecording(rt.recording);
    assert.equal(metricsJson({ ...again, details: rt.result.details }), metricsJson(rt.result));
    assert.ok(again.replay.syncReanchored > 0, 'real timers: responses re-anchored to the replayed requests');
  });

  it('agrees with the virtual-time run, when the machine kept the run to its scenario clock', async function () {
    const behind = await fellBehind(rt);
    if (behind.length > 0) {
      console.log(`      not compared: the machine held the run up (${behind.join('; ')}) ${where}`);
      this.skip();
    }
    const m = rt.result.metrics;
    const virtual = runVirtual(o).metrics;
    assert.deepEqual(realtimeDisagreements(virtual, m, REALTIME_TOLERANCE), [], where);
    // With the traces' sensor timing (the RSU sampled in phase with the vehicle) only real-time effects remain.
    const twin = runVirtual({ ...o, rsuPhaseMs: 0 }).metrics;
    assert.deepEqual(realtimeDisagreements(twin, m, REALTIME_TWIN_TOLERANCE), [], where);
  });
});
