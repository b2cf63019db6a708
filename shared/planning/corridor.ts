// Corridor-occupancy arithmetic shared by the RSU's advisories (conflicts.ts) and the vehicle's planner: both take
// an object's motion between two samples as linear in (arc length, lateral offset) and ask when it is within the
// corridor, unless the projection jumped to another part of the path.

/**
 * |Δs| > |Δ(x, y)| + toleranceM: between two samples the projection moved along the path farther than the object
 * did, i.e. it switched to another part of the path. Math.hypot is slow and this runs for every sample pair, so the
 * clear "no" cases are decided on squares first, with a margin (0.1 %, and only for a displacement above 1e-10 m)
 * far above the rounding of either form; the rest evaluates the exact expression.
 */
export function projectionJumps(dsM: number, dxM: number, dyM: number, toleranceM: number): boolean {
  const absDsM = Math.abs(dsM);
  if (absDsM <= toleranceM) return false; // hypot >= 0
  const excessM = absDsM - toleranceM;
  const d2 = dxM * dxM + dyM * dyM;
  if (d2 > 1e-20 && excessM * excessM < 0.999 * d2) return false;
  return absDsM > Math.hypot(dxM, dyM) + toleranceM;
}

// Sub-interval [from, to] of [0, 1] where h0 + (h1 - h0) f <= 0; empty as [1, 0]. Two scalar functions rather than
// a tuple: this runs for every sample pair of every object near the corridor.
export function nonPositiveFrom(h0: number, h1: number): number {
  if (h0 <= 0 && h1 <= 0) return 0;
  if (h0 > 0 && h1 > 0) return 1;
  return h0 <= 0 ? 0 : h0 / (h0 - h1);
}

export function nonPositiveTo(h0: number, h1: number): number {
  if (h0 <= 0 && h1 <= 0) return 1;
  if (h0 > 0 && h1 > 0) return 0;
  return h0 <= 0 ? h0 / (h0 - h1) : 1;
}
