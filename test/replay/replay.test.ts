// iaad sim replay: a recorded virtual-time run replays to the same metrics.json bytes; other strategies, field
// drives (no scenario) and truncated files replay too.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsJson } from '../../sim/metrics/metrics-json.js';
import { runVirtual, type SimRunOptions } from '../../sim/engine/virtual-run.js';
import { META } from '../../shared/record/metadata.js';
import { recordVirtualRun } from '../../sim/replay/record-run.js';
import { runSimReplay } from '../../sim/replay/command.js';
import { scoreRecording } from '../../sim/replay/score.js';
import { occludedCrossing } from '../../sim/scenarios/occluded-crossing.js';
import { benchCorridor } from '../../sim/scenarios/bench-corridor.js';
import { NetworkMap } from '../../shared/netmap/network-map.js';
import { McapRecorder } from '../../shared/record/recorder.js';
import { readAll, recordingInfo } from '../../shared/record/reader.js';
import type { StrategyName } from '../../vehicle/core.js';

/** Long enough for the pedestrian to be hidden and then step out; short enough to keep the suite quick. */
const scenario = { ...occludedCrossing, durationS: 9 };
const dir = mkdtempSync(join(tmpdir(), 'iaad-replay-'));
const opts = (network: string, strategy: StrategyName, seed = 2): SimRunOptions => ({ scenario, network, strategy, seed });

/** Runs a CLI entry without its progress lines on stdout/stderr (they would clutter the test report). */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const [out, err] = [process.stdout.write, process.stderr.write];
  const drop = (() => true) as typeof process.stdout.write;
  process.stdout.write = drop;
  process.stderr.write = drop;
  try {
    return await f();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** A copy of a recording with other metadata (what another recorder, or a field drive, would have written). */
async function copyWithMetadata(src: string, dst: string, metadata: Record<string, string>): Promise<void> {
  const rec = await McapRecorder.open(dst, { metadata, overwrite: true });
  for (const m of await readAll(src, { decode: false })) rec.record(m.channel, m.bytes, m.logTimeNs, m.publishTimeNs);
  await rec.close();
}

describe('sim replay', function () {
  this.timeout(120_000);

  it('reproduces the recorded run byte for byte (jitter, equal-time ties, loss; intra waits, advisories)', async () => {
    const cases: Array<[string, StrategyName]> = [
      ['jitter:30,10', 'adaptive'], // sub-microsecond arrival times, same-instant waits, intents and advisories
      ['fixed:70', 'intra'], // RSU frames arrive exactly when a same-instant wait times out
      ['ge:0.05,0.3,0,0.8+fixed:25', 'planning'],
    ];
    for (const [network, strategy] of cases) {
      const file = join(dir, `${strategy}.mcap`);
      const live = metricsJson(await recordVirtualRun(file, opts(network, strategy)));
      const replayed = await scoreRecording(file);
      assert.ok(replayed.scoredAgainstTruth);
      assert.equal(replayed.replay.syncReanchored, 0, 'virtual-time sync responses match the replayed requests as recorded');
      assert.equal(metricsJson(replayed), live, `${network} / ${strategy}`);
    }
  });

  it('replays which RSUs the vehicle listened to: far RSUs are dropped the same way', async () => {
    // RSUs every 150 m along 560 m: the vehicle lets go of those behind it and takes in those ahead.
    const o: SimRunOptions = { scenario: benchCorridor(10, 40), network: 'jitter:25,8', strategy: 'adaptive', seed: 3 };
    const file = join(dir, 'corridor.mcap');
    const live = await recordVirtualRun(file, o);
    assert.ok(live.details.roadsideFramesOutOfRange > 200, String(live.details.roadsideFramesOutOfRange));
    const replayed = await scoreRecording(file);
    assert.equal(metricsJson(replayed), metricsJson(live));
    assert.equal(replayed.details.roadsideFramesOutOfRange, live.details.roadsideFramesOutOfRange);
  });

  it('records without changing the run', async () => {
    const o = opts('jitter:30,10', 'adaptive');
    const plain = metricsJson(runVirtual(o));
    assert.equal(metricsJson(await recordVirtualRun(join(dir, 'same.mcap'), o)), plain);
  });

  it('starts adaptive-st from the network map the run started from (it learns online)', async () => {
    const learned = new NetworkMap({ mapFrame: scenario.mapFrame });
    runVirtual({ ...opts('ge:0.05,0.3,0,0.8+fixed:40', 'adaptive-st', 5), netmap: learned });
    assert.ok(learned.cells().length > 0);
    const file = join(dir, 'adaptive-st.mcap');
    const live = metricsJson(await recordVirtualRun(file, { ...opts('fixed:30', 'adaptive-st'), netmap: NetworkMap.fromJSON(learned.toJSON()) }));
    assert.equal(metricsJson(await scoreRecording(file)), live);
  });

  it('writes DIR/metrics.json and DIR/report.html like sim run (iaad sim replay)', async () => {
    const file = join(dir, 'cli.mcap');
    const live = metricsJson(await recordVirtualRun(file, opts('fixed:20', 'inter'), { scenarioArg: 'occluded-crossing' }));
    const out = join(dir, 'cli-out');
    assert.equal(await quietly(() => runSimReplay(file, { out })), 0);
    assert.equal(readFileSync(join(out, 'metrics.json'), 'utf8'), live);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg/);
  });

  it('replays with another strategy: it runs, and differs the way the strategies do', async () => {
    const file = join(dir, 'other.mcap');
    const recorded = (await recordVirtualRun(file, opts('fixed:20', 'adaptive'))).metrics;
    const aloneRun = await scoreRecording(file, { strategy: 'vehicle-only' });
    const alone = aloneRun.metrics;
    const inter = await scoreRecording(file, { strategy: 'inter' });
    assert.equal(alone.strategy, 'vehicle-only');
    assert.equal(alone.mode_residency['vehicle-only'], 1);
    assert.equal(inter.metrics.strategy, 'inter');
    assert.ok(inter.metrics.mode_residency.inter! > 0.9, JSON.stringify(inter.metrics.mode_residency));
    assert.equal(inter.details.intents, 0, 'inter sends no intents');
    // The occluded pedestrian: the vehicle alone misses it; with the roadside frames it is found.
    assert.ok(alone.fusion_miss_ratio! > 0.5, `vehicle-only miss ratio ${alone.fusion_miss_ratio}`);
    assert.ok(inter.metrics.fusion_miss_ratio! < 0.2 && recorded.fusion_miss_ratio! < 0.2);
    // The same recorded inputs: every own frame is fused once, whatever the strategy.
    assert.equal(inter.details.frames, aloneRun.details.frames);
    assert.equal(aloneRun.details.roadsideFramesSent, inter.details.roadsideFramesSent);
  });

  it('scores a field drive (no scenario in the metadata) with what needs no truth', async () => {
    const src = join(dir, 'field-src.mcap');
    const live = await recordVirtualRun(src, opts('jitter:25,8', 'adaptive'));
    const info = await recordingInfo(src);
    const noScenario = Object.fromEntries(Object.entries(info.metadata)
      .filter(([k]) => ![META.scenario, META.scenarioJson, META.seed, META.scenarioStartNs].includes(k as never)));
    const variants: Array<[string, Record<string, string>]> = [['field.mcap', noScenario], ['bare.mcap', {}]];
    for (const [name, metadata] of variants) {
      const file = join(dir, name);
      await copyWithMetadata(src, file, metadata);
      const r = await scoreRecording(file, { warn: () => undefined });
      assert.equal(r.scoredAgainstTruth, false);
      const m = r.metrics;
      assert.equal(m.fusion_miss_ratio, null);
      assert.equal(m.recall, null);
      assert.equal(m.false_object_ratio, null);
      assert.equal(m.position_error_m.mean, null);
      assert.equal(m.planning_displacement_error_m.mean, null);
      assert.equal(r.details.frames, live.details.frames, name);
      const residency = Object.values(m.mode_residency).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(residency - 1) < 1e-9);
      assert.ok(m.e2e_latency_ms.p50 !== null && r.details.roadside_latency_ms?.p50 != null);
      if (name === 'field.mcap') {
        // Same vehicle, same arrivals: the truth-free measures are the recorded run's.
        assert.deepEqual(m.mode_residency, live.metrics.mode_residency);
        assert.equal(m.mode_switches, live.metrics.mode_switches);
        assert.deepEqual(m.e2e_latency_ms, live.metrics.e2e_latency_ms);
      }
      const out = join(dir, `${name}-out`);
      assert.equal(await quietly(() => runSimReplay(file, { out })), 0);
      assert.ok(existsSync(join(out, 'report.html')));
    }
  });

  it('replays what a truncated recording holds', async () => {
    const file = join(dir, 'cut.mcap');
    const full = await recordVirtualRun(file, opts('fixed:20', 'adaptive'), { chunkSizeBytes: 16 * 1024 });
    const cut = join(dir, 'cut-half.mcap');
    copyFileSync(file, cut);
    truncateSync(cut, Math.floor(statSync(file).size / 2));
    const info = await recordingInfo(cut);
    assert.equal(info.complete, false);
    const r = await scoreRecording(cut);
    assert.ok(r.scoredAgainstTruth);
    assert.ok(r.details.frames > 10 && r.details.frames < full.details.frames, `${r.details.frames} of ${full.details.frames} frames`);
    const out = join(dir, 'cut-out');
    assert.equal(await quietly(() => runSimReplay(cut, { out })), 0);
  });
});
