import assert from 'node:assert/strict';
import fc from 'fast-check';
import munkres from 'munkres';
import { assignmentCost, solveAssignment, type AssignmentPair } from '../../shared/association/assignment.js';

const I = Number.POSITIVE_INFINITY;
const asTuples = (pairs: AssignmentPair[]): Array<[number, number]> => pairs.map((p) => [p.row, p.col]);

/**
 * Reference by enumeration: most allowed pairs, then least cost, then the lexicographically smallest vector of
 * column choices in row order with "unmatched" after every column. Integer costs, so ties are exact.
 */
function bruteForce(cost: number[][]): Array<[number, number]> {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  let best: { count: number; total: number; choice: number[] } | null = null;
  const choice: number[] = [];
  const used = new Array<boolean>(cols).fill(false);
  const better = (count: number, total: number): boolean => {
    if (best === null || count !== best.count) return best === null || count > best.count;
    if (total !== best.total) return total < best.total;
    for (let i = 0; i < rows; i++) {
      const x = choice[i]! < 0 ? cols : choice[i]!;
      const y = best.choice[i]! < 0 ? cols : best.choice[i]!;
      if (x !== y) return x < y;
    }
    return false;
  };
  const walk = (i: number, count: number, total: number): void => {
    if (i === rows) {
      if (better(count, total)) best = { count, total, choice: [...choice] };
      return;
    }
    for (let j = 0; j < cols; j++) {
      if (used[j] || cost[i]![j] === I) continue;
      used[j] = true;
      choice[i] = j;
      walk(i + 1, count + 1, total + cost[i]![j]!);
      used[j] = false;
    }
    choice[i] = -1;
    walk(i + 1, count, total);
  };
  walk(0, 0, 0);
  const out: Array<[number, number]> = [];
  const chosen = (best as { choice: number[] } | null)?.choice ?? [];
  chosen.forEach((j, i) => {
    if (j >= 0) out.push([i, j]);
  });
  return out;
}

/** Random small matrices with many ties (costs 0..3) and some forbidden cells. */
const smallGatedMatrix = fc
  .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }))
  .chain(([r, c]) =>
    fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(I)), { minLength: c, maxLength: c }), {
      minLength: r,
      maxLength: r,
    }),
  );

describe('association/assignment', () => {
  it('finds the known optimum of a 3x3', () => {
    // Unique optimum 0->1, 1->0, 2->2 (2 + 2 + 1 = 5); greedy row by row would take 0->0 and end at 11.
    const cost = [
      [1, 2, 9],
      [2, 9, 9],
      [9, 9, 1],
    ];
    const pairs = solveAssignment(cost);
    assert.deepEqual(asTuples(pairs), [[0, 1], [1, 0], [2, 2]]);
    assert.equal(assignmentCost(cost, pairs), 5);
  });

  it('breaks ties: lowest row gets lowest column', () => {
    assert.deepEqual(asTuples(solveAssignment([[1, 1], [1, 1]])), [[0, 0], [1, 1]]);
    assert.deepEqual(asTuples(solveAssignment([[0, 0, 0], [0, 0, 0], [0, 0, 0]])), [[0, 0], [1, 1], [2, 2]]);
    // Optima (0,1)+(1,0), (0,2)+(1,0), (0,1)+(1,2) all cost 6: row 0 can have column 1 at best, then row 1 column 0.
    assert.deepEqual(asTuples(solveAssignment([[5, 3, 3], [3, 5, 3]])), [[0, 1], [1, 0]]);
    // Ties between "which row stays unmatched": row 0 keeps a column before row 1 or 2 does.
    assert.deepEqual(asTuples(solveAssignment([[2], [2], [2]])), [[0, 0]]);
  });

  it('treats costs equal within the tie tolerance as ties, and honours a zero tolerance', () => {
    const nearTie = [[1 + 1e-13, 1], [1, 1 + 1e-13]];
    assert.deepEqual(asTuples(solveAssignment(nearTie)), [[0, 0], [1, 1]]);
    assert.deepEqual(asTuples(solveAssignment([[1 + 1e-6, 1], [1, 1 + 1e-6]], { tieTolerance: 0 })), [[0, 1], [1, 0]]);
  });

  it('solves rectangular 2x3 and 3x2', () => {
    assert.deepEqual(asTuples(solveAssignment([[3, 1, 2], [1, 3, 3]])), [[0, 1], [1, 0]]);
    // (1,0)+(2,1) and (0,1)+(2,0) both cost 1: row 0 can be matched in an optimum, so it is.
    assert.deepEqual(asTuples(solveAssignment([[3, 1], [1, 3], [0, 0]])), [[0, 1], [2, 0]]);
    assert.deepEqual(asTuples(solveAssignment([[5, 1], [1, 5], [9, 9]])), [[0, 1], [1, 0]]);
  });

  it('never returns a forbidden pair, even when it would lower the total', () => {
    // Taking (0,0) would save 9 over (0,1)+(1,0) (total 11 -> 2 via (0,0)+(1,1) at any finite cost < 1);
    // it is forbidden, so row 0 must use column 1.
    assert.deepEqual(asTuples(solveAssignment([[I, 10], [1, 1]])), [[0, 1], [1, 0]]);
    // A forbidden cheapest entry (0 in a 3x3 of 5s) is never chosen.
    assert.deepEqual(asTuples(solveAssignment([[I, 5, 5], [5, 5, 5], [5, 5, 5]])), [[0, 1], [1, 0], [2, 2]]);
    // Everything forbidden in a row: that row stays unmatched, the rest is still optimal.
    assert.deepEqual(asTuples(solveAssignment([[I, I], [2, 1]])), [[1, 1]]);
    assert.deepEqual(solveAssignment([[I, I], [I, I]]), []);
    // Prefers two gated pairs (total 4) to one cheaper pair (total 0).
    assert.deepEqual(asTuples(solveAssignment([[0, 2], [2, I]])), [[0, 1], [1, 0]]);
  });

  it('returns no pairs for empty sides', () => {
    assert.deepEqual(solveAssignment([]), []);
    assert.deepEqual(solveAssignment([[], []]), []);
  });

  it('rejects ragged rows, NaN and -Infinity', () => {
    assert.throws(() => solveAssignment([[1, 2], [3]]), RangeError);
    assert.throws(() => solveAssignment([[Number.NaN]]), RangeError);
    assert.throws(() => solveAssignment([[Number.NEGATIVE_INFINITY]]), RangeError);
  });

  it('handles negative costs', () => {
    assert.deepEqual(asTuples(solveAssignment([[-5, -1], [-1, -5]])), [[0, 0], [1, 1]]);
  });

  it('matches brute force exactly, tie-break included (property)', () => {
    fc.assert(
      fc.property(smallGatedMatrix, (cost) => {
        assert.deepEqual(asTuples(solveAssignment(cost)), bruteForce(cost));
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('reaches the munkres optimum on dense random real matrices (property)', () => {
    const dense = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }))
      .chain(([r, c]) =>
        fc.array(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: c, maxLength: c }), {
          minLength: r,
          maxLength: r,
        }),
      );
    fc.assert(
      fc.property(dense, (cost) => {
        const ours = assignmentCost(cost, solveAssignment(cost));
        const theirs = munkres(cost).reduce((s, [y, x]) => s + cost[y]![x]!, 0);
        assert.equal(solveAssignment(cost).length, Math.min(cost.length, cost[0]!.length));
        // Costs within the tie tolerance (1e-9 x largest cost) count as equal, so each pair may be off by that.
        const slack = Math.min(cost.length, cost[0]!.length) * 1e-9 * Math.max(...cost.flat(), 1) * (1 + 1e-6);
        assert.ok(Math.abs(ours - theirs) <= slack, `${ours} vs ${theirs}`);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
