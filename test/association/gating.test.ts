import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_CLASS_COMPATIBILITY,
  chiSquareGate,
  classCompatibilityFromGroups,
  classesCompatible,
  createGate,
  gatedPairs,
  libraryQuantile,
  mahalanobisSquared,
  PRESET_GATES,
} from '../../shared/association/gating.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import { OBJECT_CLASSES, type DetectedObject, type StateCovariance } from '../../shared/model/types.js';
import { detectedObject } from '../support/objects.js';

const object = (over: Partial<DetectedObject> = {}): DetectedObject =>
  detectedObject({ covariance: diagonalCovariance(0.5, 1), ageS: 1, ...over });

// Position variance 0.5 m^2 per object, so S = diag(1, 1) on position.
const halfVar: StateCovariance = [0.5, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0.5];

describe('association/gating', () => {
  it('Mahalanobis distance squared with a known covariance', () => {
    assert.equal(mahalanobisSquared([1, 2], [[1, 0], [0, 4]]), 2);
    // Correlated: S = [[2, 1], [1, 2]], S^-1 = [[2, -1], [-1, 2]] / 3, d = (1, 1) -> 2/3.
    assert.ok(Math.abs(mahalanobisSquared([1, 1], [[2, 1], [1, 2]]) - 2 / 3) < 1e-15);
  });

  it('uses S = Pa + Pb on the chosen sub-state', () => {
    // Pa = diag(0.5, 1, 1, 1), Pb = diag(0.5, 3, 2, 1), r = (1, 2, 3, 0).
    const a = object({ covariance: [0.5, 0, 0, 0, 1, 0, 0, 1, 0, 1] });
    const b = object({ xM: 1, yM: 2, vxMps: 3, covariance: [0.5, 0, 0, 0, 3, 0, 0, 2, 0, 1] });
    const options = { defaultCovarianceA: halfVar, defaultCovarianceB: halfVar };
    assert.equal(createGate(options).test(a, b), 2);
    // + vx: 3^2 / (1 + 2); Cholesky goes through sqrt(3), hence the tolerance.
    assert.ok(Math.abs(createGate({ ...options, subState: 'position-velocity' }).test(a, b)! - 5) < 1e-12);
  });

  it('regularises a singular PSD S and throws on an indefinite one', () => {
    assert.equal(mahalanobisSquared([0, 0], [[0, 0], [0, 0]]), 0);
    assert.ok(Math.abs(mahalanobisSquared([1e-3, 0], [[0, 0], [0, 0]]) - 1e-6 / 1e-9) < 1e-6);
    assert.throws(() => mahalanobisSquared([1, 0], [[1, 0], [0, -1]]), /not positive semi-definite/);
    assert.throws(() => mahalanobisSquared([1, 0], [[1, 0], [0, Number.NaN]]), RangeError);
    assert.throws(() => mahalanobisSquared([1], [[1, 0], [0, 1]]), RangeError);
  });

  it('chi-square gate values', () => {
    assert.ok(Math.abs(chiSquareGate(0.99, 2) - 9.210340371976182) < 1e-9);
    assert.ok(Math.abs(chiSquareGate(0.99, 4) - 13.276704135987625) < 1e-9);
    assert.ok(Math.abs(chiSquareGate(0.95, 2) - 5.991464547107979) < 1e-9);
    assert.throws(() => chiSquareGate(1, 2), RangeError);
    assert.throws(() => chiSquareGate(0.99, 0), RangeError);
    assert.throws(() => chiSquareGate(0.99, 1.5), RangeError);
  });

  it('preset gates are exactly the library\'s quantiles; other gates come from the library', () => {
    for (const [p, dof, threshold] of PRESET_GATES) {
      assert.equal(threshold, libraryQuantile(p, dof), `${p} @ ${dof} dof`);
      assert.equal(chiSquareGate(p, dof), threshold);
    }
    assert.equal(chiSquareGate(0.9, 3), libraryQuantile(0.9, 3));
    assert.ok(Math.abs(chiSquareGate(0.9, 3) - 6.251388631170325) < 1e-9);
  });

  it('default class table: unknown matches all, vehicles and two-wheelers group, the rest only themselves', () => {
    const t = DEFAULT_CLASS_COMPATIBILITY;
    for (const c of OBJECT_CLASSES) {
      assert.ok(classesCompatible('unknown', c, t) && classesCompatible(c, 'unknown', t), c);
      assert.ok(classesCompatible(c, c, t), c);
      for (const d of OBJECT_CLASSES) assert.equal(classesCompatible(c, d, t), classesCompatible(d, c, t), `${c}/${d}`);
    }
    assert.ok(classesCompatible('car', 'truck', t) && classesCompatible('bus', 'car', t));
    assert.ok(classesCompatible('cyclist', 'motorcycle', t));
    assert.ok(!classesCompatible('pedestrian', 'cyclist', t));
    assert.ok(!classesCompatible('car', 'motorcycle', t));
    assert.ok(!classesCompatible('static', 'car', t));
    assert.ok(!classesCompatible('animal', 'pedestrian', t));
  });

  it('builds the default table from groups, and custom tables', () => {
    assert.deepEqual(
      classCompatibilityFromGroups([['car', 'truck', 'bus'], ['motorcycle', 'cyclist']]),
      DEFAULT_CLASS_COMPATIBILITY,
    );
    const strict = classCompatibilityFromGroups([], []);
    assert.ok(!classesCompatible('unknown', 'car', strict));
    assert.deepEqual(strict.car, ['car']);
    const parked = classCompatibilityFromGroups([['car', 'static']]);
    assert.ok(classesCompatible('static', 'car', parked) && classesCompatible('car', 'static', parked));
  });

  it('gate: inside/outside the 99 % 2-dof gate, class incompatibility, default covariance for null', () => {
    const gate = createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: halfVar });
    assert.equal(gate.dof, 2);
    const a = object({ covariance: halfVar });
    assert.equal(gate.test(a, object({ xM: 3, covariance: halfVar })), 9);
    assert.equal(gate.test(a, object({ xM: 3.1, covariance: halfVar })), null);
    assert.equal(gate.test(a, object({ xM: 1, objectClass: 'pedestrian', covariance: halfVar })), null);
    assert.equal(gate.test(a, object({ xM: 1, objectClass: 'unknown', covariance: halfVar })), 1);
    // Null covariance -> the list's default: B's default here is 8 m^2, so S = diag(8.5, 8.5).
    const wide = createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: diagonalCovariance(Math.sqrt(8), 1) });
    assert.ok(Math.abs(wide.test(a, object({ xM: 8.5, covariance: null }))! - 8.5) < 1e-12);
    assert.equal(wide.test(object({ covariance: null }), object({ xM: 3, covariance: halfVar })), 9);
  });

  it('gate on position and velocity uses 4 dof', () => {
    const gate = createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: halfVar, subState: 'position-velocity' });
    assert.equal(gate.dof, 4);
    assert.ok(Math.abs(gate.thresholdD2 - 13.276704135987625) < 1e-9);
    const a = object({ covariance: halfVar });
    assert.equal(gate.test(a, object({ xM: 2, vxMps: 3, covariance: halfVar })), 13);
    assert.equal(gate.test(a, object({ xM: 2, vxMps: 3, vyMps: 1, covariance: halfVar })), null);
  });

  it('gate probability is configurable', () => {
    const gate = createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: halfVar, gateProbability: 0.95 });
    assert.equal(gate.test(object({ covariance: halfVar }), object({ xM: 2.5, covariance: halfVar })), null);
    assert.equal(gate.test(object({ covariance: halfVar }), object({ xM: 2.4, covariance: halfVar })), 2.4 * 2.4);
  });

  it('treats an object with a non-finite state or an indefinite covariance as never gated', () => {
    const gate = createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: halfVar });
    const ok = object({ covariance: halfVar });
    assert.equal(gate.test(ok, object({ xM: Number.NaN, covariance: halfVar })), null);
    assert.equal(gate.test(ok, object({ covariance: [-5, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0.5] })), null);
    // Zero covariances on both sides: S is regularised, so only an exact position match is inside the gate.
    const zero: StateCovariance = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert.equal(gate.test(object({ covariance: zero }), object({ covariance: zero })), 0);
    assert.equal(gate.test(object({ covariance: zero }), object({ xM: 0.01, covariance: zero })), null);
  });

  it('rejects an asymmetric class table', () => {
    const asymmetric = { ...DEFAULT_CLASS_COMPATIBILITY, car: [...DEFAULT_CLASS_COMPATIBILITY.car, 'static' as const] };
    assert.throws(() => createGate({ defaultCovarianceA: halfVar, defaultCovarianceB: halfVar, classCompatibility: asymmetric }), /not symmetric/);
  });

  it('gatedPairs (x sweep) finds exactly the pairs of the all-pairs test (property)', () => {
    const covariance = fc.oneof(
      fc.constant(null),
      fc.constant<StateCovariance>([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      // Correlated position block: [[sx, c], [c, sy]] with |c| < sqrt(sx sy).
      fc
        .tuple(fc.double({ min: 0.01, max: 25, noNaN: true }), fc.double({ min: 0.01, max: 25, noNaN: true }), fc.double({ min: -0.99, max: 0.99, noNaN: true }))
        .map(([sx, sy, rho]): StateCovariance => [sx, rho * Math.sqrt(sx * sy), 0, 0, sy, 0, 0, 1, 0, 1]),
    );
    const obj = fc
      .record({
        xM: fc.double({ min: -30, max: 30, noNaN: true }),
        yM: fc.double({ min: -30, max: 30, noNaN: true }),
        vxMps: fc.double({ min: -5, max: 5, noNaN: true }),
        objectClass: fc.constantFrom('car' as const, 'truck' as const, 'pedestrian' as const, 'unknown' as const),
        covariance,
      })
      .map((r) => object(r));
    // Up to 12 objects of B are ordered by insertion sort, more by Array.prototype.sort; x on a coarse grid
    // makes ties (equal x) frequent.
    const coarse = obj.map((o) => ({ ...o, xM: Math.round(o.xM / 4) * 4 }));
    const scenes = [
      fc.record({ a: fc.array(obj, { maxLength: 12 }), b: fc.array(obj, { maxLength: 12 }) }),
      fc.record({ a: fc.array(coarse, { maxLength: 12 }), b: fc.array(coarse, { minLength: 33, maxLength: 60 }) }),
    ];
    for (const lists of scenes) {
      const scene = fc.record({ lists, subState: fc.constantFrom('position' as const, 'position-velocity' as const) });
      fc.assert(
        fc.property(scene, ({ lists: { a, b }, subState }) => {
          const options = { defaultCovarianceA: halfVar, defaultCovarianceB: diagonalCovariance(2, 1), subState };
          const gate = createGate(options);
          const expected = [];
          for (let row = 0; row < a.length; row++) {
            for (let col = 0; col < b.length; col++) {
              const d2 = gate.test(a[row]!, b[col]!);
              if (d2 !== null) expected.push({ row, col, cost: d2 });
            }
          }
          assert.deepEqual(gatedPairs(a, b, options), expected);
        }),
        { numRuns: 300, seed: 5 },
      );
    }
  });

  it('the default class table is frozen, so gates built on it are reused', () => {
    assert.ok(Object.isFrozen(DEFAULT_CLASS_COMPATIBILITY));
    assert.ok(Object.isFrozen(DEFAULT_CLASS_COMPATIBILITY.car));
  });
});
