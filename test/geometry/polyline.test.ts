import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  pointAtArcLength, polylineLength, preparePolyline, projectToPolyline, projectToPolylineInto,
} from '../../shared/geometry/polyline.js';
import { close } from '../support/close.js';

// East 10 m, then north 10 m.
const L = [
  { xM: 0, yM: 0 },
  { xM: 10, yM: 0 },
  { xM: 10, yM: 10 },
];

describe('geometry/polyline', () => {
  it('measures arc length', () => {
    assert.equal(polylineLength(L), 20);
    assert.deepEqual(preparePolyline(L).cumulativeM, [0, 10, 20]);
    assert.equal(polylineLength([{ xM: 0, yM: 0 }, { xM: 3, yM: 4 }]), 5);
    assert.equal(polylineLength([{ xM: 1, yM: 1 }]), 0);
    assert.throws(() => preparePolyline([]), RangeError);
  });

  it('projects with signed lateral offset (left of travel positive)', () => {
    assert.deepEqual(projectToPolyline(L, { xM: 5, yM: 2 }), { sM: 5, lateralM: 2, segmentIndex: 0, xM: 5, yM: 0 });
    assert.deepEqual(projectToPolyline(L, { xM: 5, yM: -1 }), { sM: 5, lateralM: -1, segmentIndex: 0, xM: 5, yM: 0 });
    // Travelling north, east is to the right.
    assert.deepEqual(projectToPolyline(L, { xM: 12, yM: 5 }), { sM: 15, lateralM: -2, segmentIndex: 1, xM: 10, yM: 5 });
    assert.deepEqual(projectToPolyline(L, { xM: 7, yM: 5 }), { sM: 15, lateralM: 3, segmentIndex: 1, xM: 10, yM: 5 });
    // On the path.
    assert.deepEqual(projectToPolyline(L, { xM: 10, yM: 4 }), { sM: 14, lateralM: 0, segmentIndex: 1, xM: 10, yM: 4 });
  });

  it('clamps at the ends, or extends the end segments on request', () => {
    const behind = projectToPolyline(L, { xM: -3, yM: 1 });
    assert.equal(behind.sM, 0);
    assert.equal(behind.segmentIndex, 0);
    close(behind.lateralM, Math.hypot(3, 1), 1e-15);
    assert.deepEqual(projectToPolyline(L, { xM: -3, yM: 1 }, { extendEnds: true }), { sM: -3, lateralM: 1, segmentIndex: 0, xM: -3, yM: 0 });
    assert.deepEqual(projectToPolyline(L, { xM: 9, yM: 14 }, { extendEnds: true }), { sM: 24, lateralM: 1, segmentIndex: 1, xM: 10, yM: 14 });
    assert.equal(projectToPolyline(L, { xM: 9, yM: 14 }).sM, 20);
  });

  it('gives the point and heading at an arc length', () => {
    assert.deepEqual(pointAtArcLength(L, 5), { xM: 5, yM: 0, headingRad: 0, segmentIndex: 0 });
    // At a vertex the following segment's heading applies.
    assert.deepEqual(pointAtArcLength(L, 10), { xM: 10, yM: 0, headingRad: Math.PI / 2, segmentIndex: 1 });
    assert.deepEqual(pointAtArcLength(L, 20), { xM: 10, yM: 10, headingRad: Math.PI / 2, segmentIndex: 1 });
    assert.deepEqual(pointAtArcLength(L, 25), { xM: 10, yM: 10, headingRad: Math.PI / 2, segmentIndex: 1 });
    assert.deepEqual(pointAtArcLength(L, -1), { xM: 0, yM: 0, headingRad: 0, segmentIndex: 0 });
    assert.deepEqual(pointAtArcLength(L, 25, { extendEnds: true }), { xM: 10, yM: 15, headingRad: Math.PI / 2, segmentIndex: 1 });
    assert.deepEqual(pointAtArcLength(L, -2, { extendEnds: true }), { xM: -2, yM: 0, headingRad: 0, segmentIndex: 0 });
    // Westward segment: heading pi, not -pi.
    assert.equal(pointAtArcLength([{ xM: 0, yM: -0 }, { xM: -1, yM: -0 }], 0.5).headingRad, Math.PI);
    assert.throws(() => pointAtArcLength(L, Number.NaN), RangeError);
  });

  it('skips zero-length segments (repeated points)', () => {
    const d = [{ xM: 0, yM: 0 }, { xM: 0, yM: 0 }, { xM: 10, yM: 0 }, { xM: 10, yM: 0 }, { xM: 10, yM: 5 }];
    assert.equal(polylineLength(d), 15);
    assert.deepEqual(pointAtArcLength(d, 0), { xM: 0, yM: 0, headingRad: 0, segmentIndex: 1 });
    assert.deepEqual(pointAtArcLength(d, 10), { xM: 10, yM: 0, headingRad: Math.PI / 2, segmentIndex: 3 });
    assert.deepEqual(projectToPolyline(d, { xM: 4, yM: 1 }), { sM: 4, lateralM: 1, segmentIndex: 1, xM: 4, yM: 0 });
    const single = [{ xM: 1, yM: 2 }];
    assert.deepEqual(pointAtArcLength(single, 3), { xM: 1, yM: 2, headingRad: 0, segmentIndex: 0 });
    assert.deepEqual(projectToPolyline(single, { xM: 4, yM: 6 }), { sM: 0, lateralM: 5, segmentIndex: 0, xM: 1, yM: 2 });
  });

  it('property: projecting the point at s gives s back (x-monotone paths)', () => {
    const path = fc
      .array(fc.tuple(fc.double({ min: 0.5, max: 20, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: 1, maxLength: 8 })
      .map((steps) => {
        const pts = [{ xM: 0, yM: 0 }];
        for (const [dx, y] of steps) pts.push({ xM: pts[pts.length - 1]!.xM + dx, yM: y });
        return preparePolyline(pts);
      });
    fc.assert(
      fc.property(path, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -0.5, max: 0.5, noNaN: true }), (line, frac, lat) => {
        const s = frac * line.lengthM;
        const at = pointAtArcLength(line, s);
        const proj = projectToPolyline(line, at);
        close(proj.sM, s, 1e-9);
        close(proj.lateralM, 0, 1e-9);
        // Offsetting sideways (left of the heading) is recovered as the lateral offset when it stays closest.
        const side = { xM: at.xM - lat * Math.sin(at.headingRad), yM: at.yM + lat * Math.cos(at.headingRad) };
        const p2 = projectToPolyline(line, side);
        assert.ok(Math.abs(p2.lateralM) <= Math.abs(lat) + 1e-9);
      }),
    );
  });

  it('projectToPolylineInto writes projectToPolyline\'s answer into the given object', () => {
    const line = preparePolyline(L);
    const out = { sM: 0, lateralM: 0, segmentIndex: 0, xM: 0, yM: 0 };
    for (const extendEnds of [false, true]) {
      for (const point of [{ xM: 5, yM: 2 }, { xM: 12, yM: 5 }, { xM: -3, yM: 1 }, { xM: 9, yM: 14 }]) {
        assert.equal(projectToPolylineInto(line, point.xM, point.yM, extendEnds, out), out);
        assert.deepEqual(out, projectToPolyline(line, point, { extendEnds }));
      }
    }
    const single = preparePolyline([{ xM: 1, yM: 2 }]);
    assert.deepEqual(projectToPolylineInto(single, 4, 6, true, out), { sM: 0, lateralM: 5, segmentIndex: 0, xM: 1, yM: 2 });
    assert.ok(Number.isNaN(projectToPolylineInto(line, Number.NaN, 0, false, out).sM), 'a NaN point projects to NaN');
  });
});
