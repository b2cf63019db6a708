// Looped traces without a start time replay on the wall clock modulo their period (docs/trace-format.md): a
// replay whose origin lies many periods back joins the pass under way instead of walking through every pass.
import assert from 'node:assert/strict';
import { map, mergeMap, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { parseTrace, replayTrace, tracePeriodS } from '../../shared/sources/trace.js';

const rows = parseTrace([0, 0.1, 0.2, 0.3].map((t) => JSON.stringify({ timeS: t, objects: [] })).join('\n'));

describe('trace replay on the wall clock', () => {
  it('has the span plus one mean row interval as period', () => {
    assert.equal(tracePeriodS(rows), 0.4);
  });

  it('a looped replay whose origin is far back joins the pass under way, on the period grid', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ cold, expectObservable }) => {
      // Origin 1,000 passes back (-400 s); subscribed at 160 ms: rows due at 200 and 300 ms, then the next pass.
      const out = cold('160ms a|').pipe(mergeMap(() => replayTrace(rows, { scheduler: ts, startAtMs: -400_000, loop: true }).pipe(take(4))));
      expectObservable(out.pipe(map((b) => b.captureTimeNs / 1e6))).toBe('200ms a 99ms b 99ms c 99ms (d|)', { a: 200, b: 300, c: 400, d: 500 });
    });
  });

  it('two replays subscribed apart emit the same rows at the same times', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ cold, expectObservable }) => {
      const row = (startS: number) => cold(`${startS}ms a|`).pipe(mergeMap(() => replayTrace(rows, { scheduler: ts, startAtMs: 0, loop: true })
        .pipe(map((b) => Math.round(b.captureTimeNs / 1e6) % 400), take(2))));
      expectObservable(row(1030)).toBe('1100ms a 99ms (b|)', { a: 300, b: 0 });
      expectObservable(row(1070)).toBe('1100ms a 99ms (b|)', { a: 300, b: 0 });
    });
  });
});
