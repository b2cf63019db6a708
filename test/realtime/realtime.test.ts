// iaad sim run --realtime: the RSU and the vehicle as OS processes over real MQTT and ZeroMQ (embedded aedes),
// on one scenario clock, impaired in userspace, the vehicle recording; scored by the replay scorer. Agrees with
// the virtual-time run within the documented tolerance.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsJson } from '../../sim/commands.js';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { recordingInfo } from '../../shared/record/reader.js';
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

describe('sim run --realtime', function () {
  // Safety net for three runs with growing leads (see below); one run takes the lead + 16 s + scoring.
  this.timeout(300_000);

  it('agrees with the virtual-time run (occluded-crossing, 15 s, fixed:20, inter)', async () => {
    const o = { scenario: occludedCrossing, network: 'fixed:20', strategy: 'inter' as const, seed: 1 };
    const notes: string[] = [];
    // The processes get the scenario clock's start on their command line, so it must be far enough ahead for them
    // to start; one that starts late skips the rows already due and the run is not comparable. Start-up takes
    // what a busy machine gives it: when a process was late, the run is repeated with a lead three times what
    // that start-up took.
    let leadMs = 8_000;
    let rt: RealtimeRun;
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
    const where = `(logs in ${rt.workDir}; ${notes.join(' | ')})`;
    assert.ok(rt.result.scoredAgainstTruth, where);
    const m = rt.result.metrics;
    assert.equal(m.strategy, 'inter');
    assert.ok(rt.result.details.frames >= 140, `${rt.result.details.frames} vehicle frames ${where}`);
    assert.ok(rt.pair.roadsides.every((r) => r && r.counters.framesPublished >= 140), where);

    const virtual = runVirtual(o).metrics;
    assert.deepEqual(realtimeDisagreements(virtual, m, REALTIME_TOLERANCE), [], where);
    // With the traces' sensor timing (the RSU sampled in phase with the vehicle) only real-time effects remain.
    const twin = runVirtual({ ...o, rsuPhaseMs: 0 }).metrics;
    assert.deepEqual(realtimeDisagreements(twin, m, REALTIME_TWIN_TOLERANCE), [], where);

    // Every process recorded; the vehicle's recording names the scenario and replays deterministically.
    const info = await recordingInfo(rt.recording);
    assert.equal(info.metadata.mode, 'realtime');
    assert.equal(info.metadata.scenario, 'occluded-crossing');
    assert.equal(info.metadata.network, 'fixed:20');
    assert.ok(existsSync(join(rt.workDir, 'roadside-rsu-1.mcap')));
    const again = await scoreRecording(rt.recording);
    assert.equal(metricsJson({ ...again, details: rt.result.details }), metricsJson(rt.result));
    assert.ok(again.replay.syncReanchored > 0, 'real timers: responses re-anchored to the replayed requests');
  });
});
