// Rate-limited rejection logging: a flood of bad messages is counted one by one, but logged as one summary
// line per reason per interval.
import assert from 'node:assert/strict';
import { RejectionLog } from '../../shared/link/rejections.js';

describe('RejectionLog', () => {
  it('logs the first rejection of a reason at once, then one summary per interval, counting all', () => {
    const r = new RejectionLog(1000);
    const lines = [];
    for (let i = 0; i < 10_000; i++) {
      const line = r.note(i % 2 ? 'future' : 'undecodable', `#${i}`, i * 0.25); // 10,000 in 2.5 s
      if (line) lines.push(line);
    }
    assert.deepEqual(r.counts, { undecodable: 5000, future: 5000 });
    assert.equal(r.total(), 10_000);
    // Per reason: the first at once, then at 1 s and 2 s of (simulated) time.
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.filter((l) => l.reason === 'future').map((l) => l.count), [1, 2000, 2000]);
    assert.equal(lines.reduce((n, l) => n + l.count, 0) <= 10_000, true);
  });
});
