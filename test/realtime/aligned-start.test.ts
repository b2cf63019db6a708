// What real-time runs add to the processes: trace replay on a shared scenario clock (--start-at-ms) and the
// userspace impairment layer on the wall clock (--impair).
import assert from 'node:assert/strict';
import { firstValueFrom, map, mergeMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { parseTrace, replayTrace } from '../../shared/sources/trace.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { systemClock } from '../../shared/time/clock.js';
import { DEFAULT_IMPAIR_SEED, impair, parseImpairArg, requireEgoFree } from '../../sim/network/process-impairment.js';
import { uplinkSpec } from '../../sim/realtime/run.js';

const rows = parseTrace([0, 0.1, 0.2, 0.3].map((t) => JSON.stringify({ timeS: t, objects: [] })).join('\n'));

describe('real-time runs: aligned start and impairment', () => {
  it('replays a trace from the given start time, whenever it is subscribed', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ expectObservable }) => {
      const out = replayTrace(rows, { scheduler: ts, startAtMs: 50 }).pipe(map((b) => b.captureTimeNs / 1e6));
      expectObservable(out).toBe('50ms a 99ms b 99ms c 99ms (d|)', { a: 50, b: 150, c: 250, d: 350 });
    });
  });

  it('skips the rows already past due when it starts late, instead of stamping them late', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ cold, expectObservable }) => {
      // Subscribed at 160 ms for a start at 0: the rows of 0 and 100 ms are gone, 200 and 300 come on time.
      const out = cold('160ms a|').pipe(mergeMap(() => replayTrace(rows, { scheduler: ts, startAtMs: 0 })));
      expectObservable(out.pipe(map((b) => b.captureTimeNs / 1e6))).toBe('200ms a 99ms (b|)', { a: 200, b: 300 });
    });
  });

  it('parses --impair with and without a seed, and refuses a spec the RSU cannot sample', () => {
    assert.deepEqual(parseImpairArg('fixed:20'), { spec: 'fixed:20', seed: DEFAULT_IMPAIR_SEED });
    assert.deepEqual(parseImpairArg('seed=7;jitter:20,5+ge:0.01,0.3,0,0.8'), { spec: 'jitter:20,5+ge:0.01,0.3,0,0.8', seed: 7 });
    assert.throws(() => parseImpairArg('nonsense:1'), /network spec/);
    assert.doesNotThrow(() => requireEgoFree(parseImpairArg('fixed:20')));
    assert.equal(uplinkSpec('fixed:20+ge:0.01,0.3,0,0.8'), 'fixed:20+ge:0.01,0.3,0,0.8');
  });

  it('delays what a process receives on the wall clock', async () => {
    const bus = new MemoryBus({ delivery: 'sync', clock: systemClock });
    const rx = impair(bus.connect('rx'), parseImpairArg('fixed:40'), { stream: 2, clock: systemClock, runStartNs: systemClock.nowNs() });
    const tx = bus.connect('tx');
    const got = firstValueFrom(rx.subscribe('iaad/v1/r/rsu-1/frame'));
    const sentNs = systemClock.nowNs();
    await tx.publish('iaad/v1/r/rsu-1/frame', new Uint8Array([1]));
    const m = await got;
    const delayMs = (m.receivedAtNs - sentNs) / 1e6;
    // At least the modelled 40 ms (a slow machine only adds to it, so no upper bound is asserted).
    assert.ok(delayMs >= 39, `delivered after ${delayMs} ms`);
  });
});
