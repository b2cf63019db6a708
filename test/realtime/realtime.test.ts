// iaad sim run --realtime: the RSU and the vehicle as OS processes over real MQTT and ZeroMQ (embedded aedes),
// on one scenario clock, impaired in userspace, the vehicle recording; scored by the replay scorer. Agrees with
// the virtual-time run within the documented tolerance.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsJson } from '../../sim/metrics/metrics-json.js';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { recordingInfo } from '../../shared/record/reader.js';
import {
  realtimeDisagreements, REALTIME_TOLERANCE, REALTIME_TWIN_TOLERANCE, runRealtime,
} from '../../sim/realtime/run.js';
import { scoreRecording } from '../../sim/replay/score.js';
import { occludedCrossing } from '../../sim/scenarios/occluded-crossing.js';

describe('sim run --realtime', function () {
  this.timeout(90_000);

  it('agrees with the virtual-time run (occluded-crossing, 15 s, fixed:20, inter)', async () => {
    const o = { scenario: occludedCrossing, network: 'fixed:20', strategy: 'inter' as const, seed: 1 };
    const out = mkdtempSync(join(tmpdir(), 'iaad-realtime-'));
    const notes: string[] = [];
    const rt = await runRealtime({ ...o, out, scenarioArg: 'occluded-crossing', progress: (l) => notes.push(l) });
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
