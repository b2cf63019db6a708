import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { parseTrace, replayTrace, TraceError } from '../../shared/sources/trace.js';

const line = (timeS: number, id = 1): string =>
  JSON.stringify({ timeS, objects: [{ id, class: 'car', xM: timeS, yM: 0, vxMps: 1 }] });

describe('trace source', () => {
  it('parses rows, fills defaults from the class and derives heading from velocity', () => {
    const rows = parseTrace([line(0), '', '// comment', line(0.1, 2)].join('\n'));
    assert.equal(rows.length, 2);
    const o = rows[1]!.batch.objects[0]!;
    assert.equal(o.trackId, 2);
    assert.equal(o.lengthM, 4.5);
    assert.equal(o.headingRad, 0);
    assert.equal(o.covariance, null);
  });

  it('names the line and field of a bad row', () => {
    assert.throws(() => parseTrace(`${line(0)}\n{"timeS":0.1,"objects":[{"id":-1,"xM":0,"yM":0}]}`, 'f.jsonl'),
      (e: Error) => e instanceof TraceError && /^f\.jsonl:2: objects\.0\.id/.test(e.message));
    assert.throws(() => parseTrace('{nope', 'f.jsonl'), /f\.jsonl:1: not JSON/);
    assert.throws(() => parseTrace(`${line(1)}\n${line(0.5)}`, 'f'), /f:2: timeS 0.5 goes back from 1/);
    assert.throws(() => parseTrace('', 'f'), /f: no rows/);
    assert.throws(() => parseTrace('{"objects":[]}', 'f'), /timeS: required/);
  });

  it('replays at the recorded times in virtual time, stamping capture times from the clock', () => {
    const rows = parseTrace([line(0), line(0.1), line(0.3)].join('\n'));
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ expectObservable }) => {
      const out = replayTrace(rows, { scheduler: ts }).pipe(map((b) => b.captureTimeNs / 1e6));
      expectObservable(out).toBe('a 99ms b 199ms (c|)', { a: 0, b: 100, c: 300 });
    });
  });

  it('loops with the mean row interval between the last and the first row', () => {
    const rows = parseTrace([line(0), line(0.1)].join('\n'));
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    ts.run(({ expectObservable }) => {
      const out = replayTrace(rows, { scheduler: ts, loop: true }).pipe(map((b) => b.captureTimeNs / 1e6));
      expectObservable(out, '^ 450ms !').toBe('a 99ms b 99ms c 99ms d 99ms e', { a: 0, b: 100, c: 200, d: 300, e: 400 });
    });
  });
});
