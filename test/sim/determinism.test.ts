// Issue 4 acceptance: same seed, same metrics.json, byte for byte (and another seed gives another run).
import assert from 'node:assert/strict';
import { runVirtual } from '../../sim/engine/virtual-run.js';
import { metricsJson } from '../../sim/metrics/metrics-json.js';
import { builtinScenario } from '../../sim/scenarios/index.js';
import { runJobs } from '../../sim/engine/run-pool.js';
import { workerPerception } from '../../sim/engine/perception-feed.js';
import { startPerceptionJob } from '../../sim/engine/perception-pool.js';
import { MAX_CHUNKS_AHEAD, SIGNAL } from '../../sim/engine/perception-job.js';
import { benchCorridor } from '../../sim/scenarios/bench-corridor.js';
import { simRoadsideOptions } from '../../sim/engine/run-config.js';
import { ALL_RSUS_ACTIVE } from '../../sim/engine/rsu-activity.js';
import { frameEnvelope } from '../../roadside/frames.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { PerceptionFrame } from '../../shared/model/types.js';

describe('simulator determinism', function () {
  this.timeout(60_000);

  it('the same seed gives the same metrics.json bytes; another seed does not', () => {
    const run = (seed: number): string => metricsJson(runVirtual({
      scenario: builtinScenario('occluded-crossing'), network: 'jitter:30,10+ge:0.02,0.3,0,0.5', strategy: 'adaptive-st',
      seed, collectSeries: false,
    }));
    const a = run(7);
    const b = run(7);
    assert.equal(a, b);
    assert.notEqual(run(8), a);
    const m = JSON.parse(a) as { seed: number; details: { frames: number } };
    assert.equal(m.seed, 7);
    assert.equal(m.details.frames, 150);
  });
});

describe('roadside perception on a worker thread (sim/engine/perception-feed.ts)', function () {
  this.timeout(120_000);

  it('gives the same metrics.json and series as the inline run', () => {
    const o = {
      scenario: builtinScenario('highway-merge'), network: 'jitter:25,8,10@gamma+ge:0.02,0.3,0,0.5', strategy: 'adaptive-st' as const,
      seed: 11, collectSeries: true,
    };
    const inline = runVirtual(o);
    const worker = runVirtual({ ...o, perceptionWorker: true });
    assert.equal(metricsJson(worker), metricsJson(inline));
    assert.deepEqual(worker.series, inline.series);
    // The RSUs did publish tracked frames (a run with no roadside input would agree trivially).
    assert.ok(inline.details.roadsideFramesSent > 100);
    assert.ok((inline.metrics.recall ?? 0) > 0);
    // Every frame's bytes came from the worker (encoded ahead for exactly that frame), none were re-encoded.
    assert.equal(worker.engine?.framesEncodedAhead, worker.details.roadsideFramesSent);
    assert.equal(worker.engine?.framesEncodedHere, 0);
    assert.equal(inline.engine?.framesEncodedAhead, 0);
    // And the truth side of every frame's score was computed ahead too.
    assert.equal(worker.engine?.truthFramesAhead, worker.details.frames);
    assert.equal(worker.engine?.truthFramesHere, 0);
    assert.equal(inline.engine?.truthFramesHere, inline.details.frames);
  });
});

describe('the perception worker kept between runs (sim/engine/perception-pool.ts)', function () {
  this.timeout(120_000);

  it('serves the next run warm, also after a run that stopped early, with the same outputs as inline', () => {
    const o = {
      scenario: builtinScenario('occluded-crossing'), network: 'jitter:30,10+ge:0.02,0.3,0,0.5', strategy: 'inter' as const,
      seed: 3, collectSeries: true,
    };
    const inline = runVirtual(o);
    runVirtual({ ...o, perceptionWorker: true, seed: 4 });
    // A run that fails early leaves its job half done: the worker must drop it and take the next one cleanly.
    const stopped = workerPerception({ scenario: o.scenario, seed: 9, rsuPhaseMs: 20, strategy: 'inter', rsuActivity: ALL_RSUS_ACTIVE });
    assert.equal(stopped.warmWorker, true);
    stopped.next(0, 0);
    stopped.close();
    const again = runVirtual({ ...o, perceptionWorker: true });
    assert.equal(again.engine?.warmWorker, true);
    assert.equal(metricsJson(again), metricsJson(inline));
    assert.deepEqual(again.series, inline.series);
    assert.equal(again.engine?.framesEncodedAhead, again.details.roadsideFramesSent);
  });
});

describe('perception worker flow control', function () {
  this.timeout(120_000);

  it(`runs at most ${MAX_CHUNKS_AHEAD} chunks ahead of the run, and goes on as the run takes them`, () => {
    const sleepMs = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    /**
     * Chunks posted once `target` were (the worker notifies on each one), and then a while more: long enough for a
     * few more chunks at the pace just seen, so that a worker that overran shows however slow the machine.
     */
    const postedAfter = (signal: Int32Array, target: number): number => {
      const startedMs = performance.now();
      const from = Atomics.load(signal, SIGNAL.chunks);
      let seen = from;
      while (seen < target) {
        // Atomics.wait blocks mocha's timeout too: 30 s without a chunk stands in for it.
        if (Atomics.wait(signal, SIGNAL.chunks, seen, 30_000) === 'timed-out') break;
        seen = Atomics.load(signal, SIGNAL.chunks);
      }
      sleepMs(Math.max(300, (5 * (performance.now() - startedMs)) / Math.max(1, seen - from)));
      return Atomics.load(signal, SIGNAL.chunks);
    };
    // 60 chunks to compute; nothing taken yet.
    const job = startPerceptionJob({ scenario: benchCorridor(10, 60), seed: 1, rsuPhaseMs: 20, strategy: 'inter', rsuActivity: ALL_RSUS_ACTIVE });
    try {
      assert.equal(postedAfter(job.signal, MAX_CHUNKS_AHEAD), MAX_CHUNKS_AHEAD);
      Atomics.add(job.signal, SIGNAL.taken, 3);
      Atomics.notify(job.signal, SIGNAL.taken);
      assert.equal(postedAfter(job.signal, MAX_CHUNKS_AHEAD + 3), MAX_CHUNKS_AHEAD + 3);
    } finally {
      job.release();
    }
  });
});

describe('frames encoded ahead by the perception worker', function () {
  this.timeout(60_000);

  it('are used only for exactly the frame they were encoded for; any other frame is encoded here', () => {
    const scenario = builtinScenario('highway-merge');
    const feed = workerPerception({ scenario, seed: 5, rsuPhaseMs: 20, strategy: 'intra', rsuActivity: ALL_RSUS_ACTIVE });
    try {
      const o = simRoadsideOptions(scenario, 0);
      const batch = feed.next(0, 0);
      const encode = feed.frameEncoder(0)!;
      const frame: PerceptionFrame = {
        sourceId: o.rsuId, sourceKind: 'rsu', sequence: 0, captureTimeNs: batch.captureTimeNs,
        publishTimeNs: batch.captureTimeNs + scenario.rsus[0]!.sensor.latencyMs * 1e6, mapFrame: o.mapFrame,
        sensorPose: o.sensorPose, objects: batch.objects,
      };
      assert.ok(Buffer.from(encode(frame)).equals(frameEnvelope(o.rsuId, o.frameValidityMs, frame)));
      assert.deepEqual([feed.encodedAhead, feed.encodedHere], [1, 0]);
      // Published later than assumed: the bytes must carry the real publish time.
      const late = { ...frame, publishTimeNs: frame.publishTimeNs + 1e6 };
      const bytes = encode(late);
      assert.deepEqual([feed.encodedAhead, feed.encodedHere], [1, 1]);
      const decoded = decodeEnvelope(bytes).payload;
      assert.ok(decoded.kind === 'frame' && decoded.frame.publishTimeNs === late.publishTimeNs);
      // Other objects than the batch handed out (e.g. a pipeline that tracks itself): encoded here.
      encode({ ...frame, objects: [] });
      assert.deepEqual([feed.encodedAhead, feed.encodedHere], [1, 2]);
    } finally {
      feed.close();
    }
  });
});

describe('parallel runs (sim/engine/run-pool.ts)', function () {
  this.timeout(120_000);

  it('worker threads give the same metrics.json bytes as inline runs, in job order', async () => {
    const args = { scenario: 'occluded-crossing', network: 'jitter:30,10+ge:0.02,0.3,0,0.5' };
    const jobs = [
      { strategy: 'adaptive-st' as const, seed: 3, collectSeries: true },
      { strategy: 'intra' as const, seed: 3, collectSeries: false },
      { strategy: 'planning' as const, seed: 4, collectSeries: false },
    ];
    const done: string[] = [];
    const parallel = await runJobs(args, jobs, 2, (job) => done.push(`${job.strategy}/${job.seed}`));
    const inline = await runJobs(args, jobs, 1);
    assert.deepEqual(parallel.map(metricsJson), inline.map(metricsJson));
    assert.deepEqual(parallel.map((r) => r.metrics.strategy), ['adaptive-st', 'intra', 'planning']);
    assert.deepEqual([...done].sort(), ['adaptive-st/3', 'intra/3', 'planning/4']);
    // The series crosses the thread boundary intact.
    assert.deepEqual(parallel[0]!.series, inline[0]!.series);
    assert.ok(parallel[0]!.series.timeS.length > 0);
  });

  it('a worker that cannot start rejects with the cause, and the pool stops', async () => {
    await assert.rejects(
      runJobs({ scenario: 'no-such-scenario', network: 'jitter:30,10' }, [
        { strategy: 'intra', seed: 1, collectSeries: false },
        { strategy: 'intra', seed: 2, collectSeries: false },
      ], 2),
      /no-such-scenario/,
    );
  });
});
