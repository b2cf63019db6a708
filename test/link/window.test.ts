import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LatencyWindow, quantileNearestRank } from '../../shared/link/window.js';

const MS = 1_000_000;

describe('quantileNearestRank', () => {
  it('returns sorted[ceil(p n) - 1]', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(quantileNearestRank(ten, 0), 1);
    assert.equal(quantileNearestRank(ten, 0.5), 5);
    assert.equal(quantileNearestRank(ten, 0.9), 9);
    assert.equal(quantileNearestRank(ten, 0.99), 10);
    assert.equal(quantileNearestRank(ten, 1), 10);
    // The textbook example: 15, 20, 35, 40, 50.
    const five = [15, 20, 35, 40, 50];
    assert.equal(quantileNearestRank(five, 0.3), 20);
    assert.equal(quantileNearestRank(five, 0.4), 20);
    assert.equal(quantileNearestRank(five, 0.5), 35);
    assert.equal(quantileNearestRank(five, 1), 50);
  });

  it('rejects an empty sample and p outside [0, 1]', () => {
    assert.throws(() => quantileNearestRank([], 0.5), RangeError);
    assert.throws(() => quantileNearestRank([1], 1.5), RangeError);
    assert.throws(() => quantileNearestRank([1], Number.NaN), RangeError);
  });
});

describe('LatencyWindow', () => {
  it('gives exact statistics of the samples in the window', () => {
    const w = new LatencyWindow({ windowMs: 1000 });
    const values = [30, 10, 20, 50, 40, 60, 80, 70, 100, 90];
    values.forEach((v, i) => w.add(i * 100 * MS, v));
    assert.deepEqual(w.stats(900 * MS), {
      count: 10, meanMs: 55, minMs: 10, p50Ms: 50, p90Ms: 90, p99Ms: 100, maxMs: 100,
    });
  });

  it('keeps samples with time >= now - window, drops older ones', () => {
    const w = new LatencyWindow({ windowMs: 1000 });
    w.add(0, 5);
    w.add(500 * MS, 7);
    w.add(1000 * MS, 9);
    assert.equal(w.stats(1000 * MS).count, 3); // the sample at exactly now - window stays
    assert.deepEqual(w.stats(1000 * MS + 1), {
      count: 2, meanMs: 8, minMs: 7, p50Ms: 7, p90Ms: 9, p99Ms: 9, maxMs: 9,
    });
    assert.deepEqual(w.stats(3000 * MS), {
      count: 0, meanMs: null, minMs: null, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null,
    });
  });

  it('adding evicts relative to the newest sample, bounding memory without queries', () => {
    const w = new LatencyWindow({ windowMs: 2000 });
    for (let i = 0; i < 10_000; i++) w.add(i * 10 * MS, i % 7); // 100 Hz for 100 s
    assert.equal(w.size, 201); // 2 s of 10 ms spacing, both ends included
  });

  it('keeps only the newest maxSamples', () => {
    const w = new LatencyWindow({ windowMs: 10_000, maxSamples: 3 });
    [1, 2, 3, 4, 5].forEach((v, i) => w.add(i * MS, v));
    const s = w.stats(5 * MS);
    assert.deepEqual([s.count, s.minMs, s.maxMs, s.meanMs], [3, 3, 5, 4]);
  });

  it('accepts samples slightly out of time order and evicts them by their own time', () => {
    const w = new LatencyWindow({ windowMs: 100 });
    w.add(50 * MS, 1);
    w.add(40 * MS, 2); // arrived later via the other path
    w.add(60 * MS, 3);
    assert.deepEqual([w.stats(145 * MS).count, w.stats(145 * MS).minMs], [2, 1]);
    assert.deepEqual([w.stats(151 * MS).count, w.stats(151 * MS).minMs], [1, 3]);
  });

  it('property: matches a brute-force computation', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ dtMs: fc.integer({ min: 0, max: 50 }), v: fc.integer({ min: -100, max: 1000 }) }), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 0, max: 300 }),
      (samples, extraMs) => {
        const w = new LatencyWindow({ windowMs: 500, maxSamples: 64 });
        let tMs = 0;
        const all: { tMs: number; v: number }[] = [];
        for (const { dtMs, v } of samples) {
          tMs += dtMs;
          w.add(tMs * MS, v);
          all.push({ tMs, v });
        }
        const nowMs = tMs + extraMs;
        const kept = all.slice(-64).filter((s) => s.tMs >= nowMs - 500).map((s) => s.v).sort((a, b) => a - b);
        const st = w.stats(nowMs * MS);
        if (kept.length === 0) return st.count === 0 && st.p50Ms === null;
        const q = (p: number): number => kept[Math.max(1, Math.ceil(p * kept.length)) - 1]!;
        return st.count === kept.length && st.minMs === kept[0] && st.maxMs === kept[kept.length - 1]
          && st.p50Ms === q(0.5) && st.p90Ms === q(0.9) && st.p99Ms === q(0.99)
          && Math.abs(st.meanMs! - kept.reduce((a, b) => a + b, 0) / kept.length) < 1e-9;
      },
    ));
  });
});
