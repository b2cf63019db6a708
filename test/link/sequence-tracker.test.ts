import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SequenceTracker, isSenderRestart, DEFAULT_RESTART_POLICY, type SequenceVerdict } from '../../shared/link/sequence-tracker.js';

const MS = 1_000_000;

function feed(t: SequenceTracker, seqs: number[]): SequenceVerdict[] {
  return seqs.map((s) => t.observe(s));
}

describe('SequenceTracker', () => {
  it('counts a gap as loss, a late arrival as reordered, a copy as duplicate', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, [0, 1, 2, 5, 6]), ['new', 'new', 'new', 'new', 'new']);
    let s = t.stats();
    assert.equal(s.expected, 7);
    assert.equal(s.received, 5);
    assert.equal(s.lost, 2);
    assert.equal(s.lossRatio, 2 / 7);
    assert.equal(s.highestSequence, 6);

    assert.equal(t.observe(3), 'reordered');
    s = t.stats();
    assert.equal(s.expected, 7);
    assert.equal(s.received, 6);
    assert.equal(s.lost, 1);
    assert.equal(s.reordered, 1);

    assert.equal(t.observe(5), 'duplicate');
    assert.equal(t.observe(3), 'duplicate');
    s = t.stats();
    assert.equal(s.received, 6);
    assert.equal(s.duplicates, 2);
    assert.equal(s.lost, 1);
  });

  it('starts counting at the first sequence seen (joining mid-stream is not loss)', () => {
    const t = new SequenceTracker();
    feed(t, [100, 101, 103]);
    const s = t.stats();
    assert.deepEqual([s.expected, s.received, s.lost], [4, 3, 1]);
  });

  it('a late arrival below the first sequence extends the span', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, [5, 3]), ['new', 'reordered']);
    const s = t.stats();
    assert.deepEqual([s.expected, s.received, s.lost, s.reordered], [3, 2, 1, 1]);
  });

  it('is all zeros before any frame', () => {
    const s = new SequenceTracker().stats();
    assert.deepEqual(s, {
      received: 0, expected: 0, lost: 0, duplicates: 0, reordered: 0, tooOld: 0, invalid: 0, restarts: 0,
      lossRatio: 0, windowExpected: 0, windowLost: 0, windowLossRatio: 0, highestSequence: null,
    });
  });

  it('a large backward jump is a sender restart, not a huge loss', () => {
    const t = new SequenceTracker();
    for (let s = 0; s < 2000; s++) t.observe(s);
    assert.deepEqual(feed(t, [0, 1, 3]), ['restart', 'new', 'new']);
    const s = t.stats();
    assert.equal(s.restarts, 1);
    assert.equal(s.expected, 2000 + 4);
    assert.equal(s.received, 2000 + 3);
    assert.equal(s.lost, 1);
    assert.equal(s.highestSequence, 3);
  });

  it('a jump back to a low sequence after a silence is a restart; without the silence it is a duplicate', () => {
    const quick = new SequenceTracker();
    const slow = new SequenceTracker();
    for (let s = 0; s < 50; s++) {
      quick.observe(s, s * 100 * MS);
      slow.observe(s, s * 100 * MS);
    }
    // 49 arrived at 4.9 s; next arrival 200 ms later vs 2 s later.
    assert.equal(quick.observe(0, 5100 * MS), 'duplicate');
    assert.equal(slow.observe(0, 6900 * MS), 'restart');
    assert.deepEqual([slow.stats().expected, slow.stats().received, slow.stats().lost], [51, 51, 0]);
  });

  it('a silence alone does not restart when the sequence is above lowSequenceMax', () => {
    const t = new SequenceTracker();
    for (let s = 200; s <= 300; s++) t.observe(s, s * MS);
    assert.equal(t.observe(250, 10_000 * MS), 'duplicate');
    assert.equal(t.stats().restarts, 0);
  });

  it('sequences below the history window are tooOld, not received', () => {
    const t = new SequenceTracker({ historySize: 8, restart: { maxBackwardJump: 100 } });
    for (let s = 0; s < 20; s += 2) t.observe(s); // 0, 2, ..., 18
    assert.equal(t.observe(11), 'reordered'); // 18 - 11 = 7 < 8: inside the window
    assert.equal(t.observe(9), 'tooOld'); // 18 - 9 = 9 >= 8
    const s = t.stats();
    assert.deepEqual([s.expected, s.received, s.lost, s.tooOld, s.reordered], [19, 11, 8, 1, 1]);
  });

  it('windowed loss covers the last lossWindow sequences', () => {
    const t = new SequenceTracker({ lossWindow: 4 });
    feed(t, [0, 1, 2, 5, 6]);
    let s = t.stats();
    assert.deepEqual([s.windowExpected, s.windowLost, s.windowLossRatio], [4, 2, 0.5]); // 3..6
    t.observe(7);
    s = t.stats();
    assert.deepEqual([s.windowExpected, s.windowLost, s.windowLossRatio], [4, 1, 0.25]); // 4..7
    t.observe(4);
    s = t.stats();
    assert.deepEqual([s.windowExpected, s.windowLost, s.windowLossRatio], [4, 0, 0]);
    assert.equal(s.lost, 1); // 3 is still missing over the whole run
  });

  it('window is clipped to the start of the epoch', () => {
    const t = new SequenceTracker({ lossWindow: 10 });
    feed(t, [0, 2]);
    const s = t.stats();
    assert.deepEqual([s.windowExpected, s.windowLost], [3, 1]);
  });

  it('a forward jump larger than the history counts every skipped sequence as lost', () => {
    const t = new SequenceTracker({ historySize: 16, lossWindow: 16 });
    feed(t, [0, 5000]);
    assert.equal(t.observe(4999), 'reordered');
    assert.equal(t.observe(5000), 'duplicate');
    const s = t.stats();
    assert.deepEqual([s.expected, s.received, s.lost, s.windowExpected, s.windowLost], [5001, 3, 4998, 16, 14]);
  });

  it('ignores and counts invalid sequences (they come from the network), rejects a bad configuration', () => {
    const t = new SequenceTracker();
    t.observe(3);
    assert.deepEqual([-1, 1.5, 2 ** 53, Number.NaN].map((s) => t.observe(s)), ['invalid', 'invalid', 'invalid', 'invalid']);
    const s = t.stats();
    assert.deepEqual([s.invalid, s.received, s.expected, s.highestSequence], [4, 1, 1, 3]);
    assert.throws(() => new SequenceTracker({ historySize: 8, lossWindow: 9 }), RangeError);
    assert.throws(() => new SequenceTracker({ historySize: 0 }), RangeError);
  });

  it('isSenderRestart applies both rules', () => {
    const p = DEFAULT_RESTART_POLICY;
    assert.equal(isSenderRestart(0, 1001, undefined, p), true);
    assert.equal(isSenderRestart(1, 1001, undefined, p), false);
    assert.equal(isSenderRestart(100, 500, 1_000_000_000, p), true);
    assert.equal(isSenderRestart(101, 500, 1_000_000_000, p), false);
    assert.equal(isSenderRestart(100, 500, 999_999_999, p), false);
    assert.equal(isSenderRestart(5, 5, 5_000_000_000, p), false);
  });

  it('property: an increasing stream has received + lost == expected and lost == the skipped count', () => {
    fc.assert(fc.property(
      fc.nat(10_000), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 200 }),
      (start, steps) => {
        const t = new SequenceTracker();
        let seq = start;
        t.observe(seq);
        let skipped = 0;
        for (const step of steps) {
          seq += step;
          skipped += step - 1;
          t.observe(seq);
        }
        const s = t.stats();
        return s.lost >= 0 && s.received + s.lost === s.expected && s.lost === skipped
          && s.received === steps.length + 1 && s.expected === seq - start + 1;
      },
    ));
  });

  it('property: any arrival order without restarts counts distinct sequences and copies exactly', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 300 }), (seqs) => {
      const t = new SequenceTracker();
      for (const s of seqs) t.observe(s);
      const distinct = new Set(seqs).size;
      const s = t.stats();
      return s.received === distinct && s.duplicates === seqs.length - distinct
        && s.expected === Math.max(...seqs) - Math.min(...seqs) + 1 && s.lost === s.expected - distinct
        && s.restarts === 0 && s.tooOld === 0;
    }));
  });

  it('property: windowLossRatio() equals stats().windowLossRatio after every arrival, restarts included', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }), (seqs) => {
      const t = new SequenceTracker({ lossWindow: 16, restart: { maxBackwardJump: 1500 } });
      if (t.windowLossRatio() !== t.stats().windowLossRatio) return false;
      for (const s of seqs) {
        t.observe(s);
        if (t.windowLossRatio() !== t.stats().windowLossRatio) return false;
      }
      return true;
    }));
  });
});
