import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignmentCost, solveAssignment } from '../../shared/association/assignment.js';
import { associate, bipartiteComponents, solveByComponents, solveGatedEdges } from '../../shared/association/components.js';
import type { DetectedObject, StateCovariance } from '../../shared/model/types.js';
import { detectedObject } from '../support/objects.js';

const I = Number.POSITIVE_INFINITY;
// Position variance 0.5 m^2 per object: S = I on position, so d2 is the squared Euclidean distance.
const halfVar: StateCovariance = [0.5, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0.5];
const params = { defaultCovarianceA: halfVar, defaultCovarianceB: halfVar };

const at = (xM: number, yM: number, over: Partial<DetectedObject> = {}): DetectedObject =>
  detectedObject({ trackId: 0, xM, yM, covariance: halfVar, ageS: 1, ...over });

/** Random rectangular matrices, sparse in finite entries so that they split into several components. */
const gatedMatrix = (costs: fc.Arbitrary<number>): fc.Arbitrary<number[][]> =>
  fc
    .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }))
    .chain(([r, c]) =>
      fc.array(
        fc.array(fc.oneof({ arbitrary: costs, weight: 1 }, { arbitrary: fc.constant(I), weight: 3 }), {
          minLength: c,
          maxLength: c,
        }),
        { minLength: r, maxLength: r },
      ),
    );

describe('association/components', () => {
  it('splits the gating graph into connected components, ordered by lowest row', () => {
    const comps = bipartiteComponents(4, 4, [
      { row: 3, col: 0, cost: 1 },
      { row: 1, col: 2, cost: 1 },
      { row: 0, col: 2, cost: 1 },
      { row: 3, col: 3, cost: 1 },
    ]);
    assert.deepEqual(
      comps.map((c) => [c.rows, c.cols]),
      [
        [[0, 1], [2]],
        [[3], [0, 3]],
      ],
    );
    assert.deepEqual(bipartiteComponents(3, 3, []), []);
  });

  it('two far-apart clusters solve independently and equal the global solve', () => {
    const cost = [
      [1, 2, I, I],
      [2, 9, I, I],
      [I, I, 4, 1],
      [I, I, 1, 4],
    ];
    const expected = [
      { row: 0, col: 1 },
      { row: 1, col: 0 },
      { row: 2, col: 3 },
      { row: 3, col: 2 },
    ];
    assert.deepEqual(solveByComponents(cost), expected);
    assert.deepEqual(solveAssignment(cost), expected);
  });

  it('per-component total cost equals the global optimum (property, real costs)', () => {
    fc.assert(
      fc.property(gatedMatrix(fc.double({ min: 0, max: 9.21, noNaN: true })), (cost) => {
        const local = solveByComponents(cost);
        const global = solveAssignment(cost);
        assert.equal(local.length, global.length);
        const slack = 1e-9 * 9.21 * Math.max(1, global.length) * 2;
        assert.ok(Math.abs(assignmentCost(cost, local) - assignmentCost(cost, global)) <= slack);
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it('per-component pairs equal the global pairs, tie-break included (property, integer costs)', () => {
    fc.assert(
      fc.property(gatedMatrix(fc.integer({ min: 0, max: 3 })), (cost) => {
        assert.deepEqual(solveByComponents(cost), solveAssignment(cost));
      }),
      { numRuns: 400, seed: 12 },
    );
  });

  it('a lone gated pair is kept as solveAssignment keeps it; bad costs still throw like solveAssignment', () => {
    const cost = [
      [I, 5, I],
      [I, I, I],
      [0, I, I],
    ];
    assert.deepEqual(solveByComponents(cost), solveAssignment(cost));
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, 1e308]) {
      assert.throws(() => solveAssignment([[bad]]), RangeError);
      assert.throws(() => solveByComponents([[bad]]), RangeError);
    }
  });

  it('solveGatedEdges on the finite entries equals solveByComponents on the matrix (property)', () => {
    fc.assert(
      fc.property(gatedMatrix(fc.integer({ min: 0, max: 3 })), (cost) => {
        const rows = cost.length;
        const cols = rows === 0 ? 0 : cost[0]!.length;
        const edges = cost.flatMap((row, i) => row.flatMap((c, j) => (c === I ? [] : [{ row: i, col: j, cost: c }])));
        assert.deepEqual(solveGatedEdges(rows, cols, edges), solveByComponents(cost));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('associates two object lists: clusters, gate, classes, unmatched, sorted output', () => {
    const a = [
      at(100, 0), // 0: cluster far away, pairs with b[2]
      at(0, 0), // 1: near b[0] and b[1]
      at(1, 0), // 2: near b[0] and b[1]
      at(50, 50, { objectClass: 'pedestrian' }), // 3: only a car nearby: incompatible
    ];
    const b = [
      at(0.5, 0), // 0
      at(1.5, 0), // 1
      at(100, 1), // 2
      at(50, 50.5), // 3: car
      at(-40, 0), // 4: nothing near
    ];
    const r = associate(a, b, params);
    // a1-b0 (0.25) + a2-b1 (0.25) beats a1-b1 (2.25) + a2-b0 (0.25).
    assert.deepEqual(r.pairs, [
      { a: 0, b: 2, distance2: 1 },
      { a: 1, b: 0, distance2: 0.25 },
      { a: 2, b: 1, distance2: 0.25 },
    ]);
    assert.deepEqual(r.unmatchedA, [3]);
    assert.deepEqual(r.unmatchedB, [3, 4]);
  });

  it('empty lists associate to nothing', () => {
    assert.deepEqual(associate([], [at(0, 0)], params), { pairs: [], unmatchedA: [], unmatchedB: [0] });
    assert.deepEqual(associate([at(0, 0)], [], params), { pairs: [], unmatchedA: [0], unmatchedB: [] });
    assert.deepEqual(associate([], [], params), { pairs: [], unmatchedA: [], unmatchedB: [] });
  });

  it('scales with cluster size: 2000 x 2000 objects in pairs of clusters', () => {
    const a = Array.from({ length: 2000 }, (_, k) => at(10 * k, 0, { trackId: k }));
    const b = Array.from({ length: 2000 }, (_, k) => at(10 * (1999 - k) + 0.5, 0, { trackId: k }));
    const r = associate(a, b, params);
    assert.equal(r.pairs.length, 2000);
    assert.ok(r.pairs.every((p, k) => p.a === k && p.b === 1999 - k && p.distance2 === 0.25));
  });
});
