// sampleTrajectory (sim/world/trajectory.ts) bisects long scripts with non-decreasing times. It must give exactly
// what walking the script from its start gives, for any script: long or short, with repeated times (jumps),
// standstills, and times that go backwards (then it walks, as before).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sampleTrajectory, type Waypoint } from '../../sim/world/trajectory.js';

/** The definition, walked from the start: the first segment whose end is at or after tS. */
function walked(wps: readonly Waypoint[], tS: number): { xM: number; yM: number; vxMps: number; vyMps: number } {
  if (wps.length === 1 || tS < wps[0]!.tS) return { xM: wps[0]!.xM, yM: wps[0]!.yM, vxMps: 0, vyMps: 0 };
  for (let i = 1; i < wps.length; i++) {
    const a = wps[i - 1]!;
    const b = wps[i]!;
    if (tS <= b.tS) {
      const dt = b.tS - a.tS;
      const f = dt > 0 ? (tS - a.tS) / dt : 1;
      return { xM: a.xM + f * (b.xM - a.xM), yM: a.yM + f * (b.yM - a.yM), vxMps: dt > 0 ? (b.xM - a.xM) / dt : 0, vyMps: dt > 0 ? (b.yM - a.yM) / dt : 0 };
    }
  }
  const last = wps[wps.length - 1]!;
  return { xM: last.xM, yM: last.yM, vxMps: 0, vyMps: 0 };
}

const coordinate = fc.double({ min: -1e4, max: 1e4, noNaN: true });

describe('sampleTrajectory on long scripts', () => {
  it('gives exactly the walked sample on scripts with non-decreasing times (repeats and standstills included)', () => {
    const script = fc.array(fc.record({ dtS: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })), xM: coordinate, yM: coordinate }),
      { minLength: 17, maxLength: 300, size: 'max' }).map((steps) => {
      let tS = 0;
      return steps.map((s) => ({ tS: (tS += s.dtS), xM: s.xM, yM: s.yM }));
    });
    fc.assert(fc.property(script, fc.array(fc.double({ min: -10, max: 2000, noNaN: true }), { minLength: 1, maxLength: 20 }), (wps, times) => {
      // Also at every waypoint's own time (segment ends, repeated times).
      for (const tS of [...times, ...wps.map((w) => w.tS)]) {
        const got = sampleTrajectory(wps, tS);
        assert.deepEqual({ xM: got.xM, yM: got.yM, vxMps: got.vxMps, vyMps: got.vyMps }, walked(wps, tS));
      }
    }), { numRuns: 300 });
  });

  it('still walks a script whose times go backwards', () => {
    // Waypoint 5 says 100 s: walking stops at segment (4, 5) for every later time; bisecting would not.
    const wps: Waypoint[] = Array.from({ length: 40 }, (_, i) => ({ tS: i === 5 ? 100 : i, xM: i, yM: i % 2 }));
    for (const tS of [0.5, 4.5, 5, 19.5, 20.5, 39]) {
      const got = sampleTrajectory(wps, tS);
      assert.deepEqual({ xM: got.xM, yM: got.yM, vxMps: got.vxMps, vyMps: got.vyMps }, walked(wps, tS));
    }
  });
});
