// GOSPA (sim/metrics/gospa.ts), c = 2 m, p = 2, alpha = 2: each missed truth or false estimate costs c^p/2 = 2 m²,
// an assigned pair d² (only pairs closer than c can be assigned). Expected values worked out by hand below.
import assert from 'node:assert/strict';
import { gospa, type Point2 } from '../../sim/metrics/gospa.js';
import { Rng } from '../../sim/world/rng.js';

const pt = (xM: number, yM: number): Point2 => ({ xM, yM });
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('GOSPA (c = 2 m, p = 2, alpha = 2)', () => {
  it('is 0 between two empty sets', () => {
    const g = gospa([], []);
    assert.deepEqual([g.distanceM, g.localisation, g.missed, g.false], [0, 0, 0, 0]);
  });

  it('costs c²/2 = 2 m² per missed truth and per false estimate', () => {
    // One truth, nothing estimated: GOSPA² = 2, GOSPA = √2.
    const missed = gospa([pt(0, 0)], []);
    close(missed.distanceM, Math.SQRT2, 'missed');
    assert.deepEqual([missed.missed, missed.false, missed.estimateOf], [2, 0, [-1]]);
    // Two estimates, no truth: GOSPA² = 2 + 2 = 4, GOSPA = 2.
    const falses = gospa([], [pt(5, 5), pt(-1, 0)]);
    assert.deepEqual([falses.distanceM, falses.false, falses.unassignedEstimates], [2, 4, [0, 1]]);
  });

  it('assigns a pair closer than c (d² localisation) and not one at c or beyond', () => {
    // d = 1: GOSPA² = 1, GOSPA = 1.
    const near = gospa([pt(0, 0)], [pt(0.6, 0.8)]);
    close(near.distanceM, 1, 'near');
    close(near.localisation, 1, 'near localisation');
    assert.deepEqual(near.estimateOf, [0]);
    // d = 3 >= c: one missed (2) and one false (2): GOSPA² = 4, GOSPA = 2; the same at exactly d = c.
    for (const x of [3, 2]) {
      const far = gospa([pt(0, 0)], [pt(x, 0)]);
      assert.deepEqual([far.distanceM, far.localisation, far.missed, far.false, far.estimateOf], [2, 0, 2, 2, [-1]]);
    }
  });

  it('minimises the sum, not the number of pairs', () => {
    // x1 = (0, 0), x2 = (1.9, 0); y1 = (0, 0), y2 = (-1.9, 0). Two pairs (x1-y2, x2-y1) cost 1.9² + 1.9² = 7.22;
    // x1-y1 alone costs 0, plus x2 missed (2) and y2 false (2) = 4. GOSPA = √4 = 2, with x1-y1 assigned.
    const g = gospa([pt(0, 0), pt(1.9, 0)], [pt(0, 0), pt(-1.9, 0)]);
    close(g.distanceM, 2, 'distance');
    assert.deepEqual([g.localisation, g.missed, g.false, g.estimateOf, g.unassignedEstimates], [0, 2, 2, [0, -1], [1]]);
  });

  it('adds up over separate clusters', () => {
    // Cluster A: x (0,0), y (0,1): 1. Cluster B: x (10,0), y (10,0.5), y (10,-1.5): pair 0.25, the other false 2.
    // Lone truth (50,0): missed 2. GOSPA² = 1 + 0.25 + 2 + 2 = 5.25.
    const g = gospa([pt(0, 0), pt(10, 0), pt(50, 0)], [pt(0, 1), pt(10, -1.5), pt(10, 0.5)]);
    close(g.localisation, 1.25, 'localisation');
    assert.deepEqual([g.missed, g.false, g.estimateOf, g.unassignedEstimates], [2, 2, [0, 2, -1], [1]]);
    close(g.distanceM, Math.sqrt(5.25), 'distance');
  });

  it('matches brute force over every partial assignment on small random sets', () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 300; trial++) {
      const xs = Array.from({ length: Math.floor(rng.next() * 5) }, () => pt(rng.next() * 5, rng.next() * 3));
      const ys = Array.from({ length: Math.floor(rng.next() * 5) }, () => pt(rng.next() * 5, rng.next() * 3));
      const g = gospa(xs, ys);
      close(g.localisation + g.missed + g.false, bruteForce(xs, ys), `trial ${trial}`);
      close(g.distanceM ** 2, g.localisation + g.missed + g.false, `trial ${trial} decomposition`);
    }
  });
});

/** min over partial assignments of Σ d² (pairs with d < 2 only) + 2 per unassigned point on either side. */
function bruteForce(xs: readonly Point2[], ys: readonly Point2[]): number {
  const used = new Array<boolean>(ys.length).fill(false);
  const go = (i: number): number => {
    if (i === xs.length) return 2 * used.filter((u) => !u).length;
    let best = 2 + go(i + 1);
    for (let j = 0; j < ys.length; j++) {
      const d = Math.hypot(xs[i]!.xM - ys[j]!.xM, xs[i]!.yM - ys[j]!.yM);
      if (used[j] || d >= 2) continue;
      used[j] = true;
      best = Math.min(best, d * d + go(i + 1));
      used[j] = false;
    }
    return best;
  };
  return go(0);
}
