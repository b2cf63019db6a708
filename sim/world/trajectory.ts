// Scripted actor motion: piecewise-linear waypoints in time. Position, velocity and heading at any time are
// exact functions of the script, which is what ground truth needs.
export interface Waypoint {
  tS: number;
  xM: number;
  yM: number;
}

export interface KinematicSample {
  xM: number;
  yM: number;
  vxMps: number;
  vyMps: number;
  headingRad: number;
}

/** Holds the first/last position outside the script's time span; heading holds the last moving direction. */
export function sampleTrajectory(wps: readonly Waypoint[], tS: number): KinematicSample {
  if (wps.length === 0) throw new Error('trajectory has no waypoints');
  const first = wps[0]!;
  if (wps.length === 1 || tS < first.tS) return still(first, headingOf(wps, 0));
  for (let i = firstAtOrAfter(wps, tS); i < wps.length; i++) {
    const a = wps[i - 1]!;
    const b = wps[i]!;
    if (tS <= b.tS) {
      const dt = b.tS - a.tS;
      const f = dt > 0 ? (tS - a.tS) / dt : 1;
      const vx = dt > 0 ? (b.xM - a.xM) / dt : 0;
      const vy = dt > 0 ? (b.yM - a.yM) / dt : 0;
      return {
        xM: a.xM + f * (b.xM - a.xM),
        yM: a.yM + f * (b.yM - a.yM),
        vxMps: vx,
        vyMps: vy,
        headingRad: vx === 0 && vy === 0 ? headingOf(wps, i - 1) : Math.atan2(vy, vx),
      };
    }
  }
  return still(wps[wps.length - 1]!, headingOf(wps, wps.length - 1));
}

/** Scripts whose times were checked non-decreasing (a real drive's route has thousands of waypoints). */
const MONOTONE = new WeakSet<readonly Waypoint[]>();
const LINEAR_SCAN_MAX = 16;

/**
 * Where the scan for the first waypoint at or after tS may start (>= 1): found by bisection in a script with
 * non-decreasing times, so that sampling a long script is not linear in its length; 1 (scan all) otherwise. The
 * scan then finds the same waypoint as from 1.
 */
function firstAtOrAfter(wps: readonly Waypoint[], tS: number): number {
  if (wps.length <= LINEAR_SCAN_MAX) return 1;
  if (!MONOTONE.has(wps)) {
    for (let i = 1; i < wps.length; i++) if (!(wps[i]!.tS >= wps[i - 1]!.tS)) return 1;
    MONOTONE.add(wps);
  }
  // Largest lo with wps[lo].tS < tS (wps[0].tS <= tS here): every waypoint before lo + 1 is earlier than tS.
  let lo = 0;
  let hi = wps.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (wps[mid]!.tS < tS) lo = mid;
    else hi = mid;
  }
  return Math.max(1, lo);
}

function still(w: Waypoint, headingRad: number): KinematicSample {
  return { xM: w.xM, yM: w.yM, vxMps: 0, vyMps: 0, headingRad };
}

/** Direction of the nearest moving segment at or before index i (else after it); 0 if the actor never moves. */
function headingOf(wps: readonly Waypoint[], i: number): number {
  const seg = (k: number): number | null => {
    const a = wps[k];
    const b = wps[k + 1];
    if (!a || !b || (a.xM === b.xM && a.yM === b.yM)) return null;
    return Math.atan2(b.yM - a.yM, b.xM - a.xM);
  };
  for (let k = Math.min(i, wps.length - 2); k >= 0; k--) {
    const h = seg(k);
    if (h !== null) return h;
  }
  for (let k = i; k < wps.length - 1; k++) {
    const h = seg(k);
    if (h !== null) return h;
  }
  return 0;
}
