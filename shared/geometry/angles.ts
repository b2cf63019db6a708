// Angle helpers. Every angle on the wire is wrapped to (-pi, pi] (proto/iaad/v1/iaad.proto), so every module
// wraps through here. Non-finite input (NaN, +-Infinity) has no meaningful direction: the functions return NaN
// rather than throw, so a bad value propagates visibly instead of crashing a sensor loop.

const TWO_PI = 2 * Math.PI;

/**
 * Wraps an angle to (-pi, pi]. Idempotent (a wrapped value is returned unchanged) and exact for inputs
 * within one turn of the range. Returns NaN for NaN or +-Infinity.
 */
export function wrapAngle(rad: number): number {
  if (!Number.isFinite(rad)) return Number.NaN;
  // Fast path keeps the function idempotent bit for bit (-0 becomes 0 so equality checks see one zero).
  if (rad > -Math.PI && rad <= Math.PI) return rad === 0 ? 0 : rad;
  // `%` is an exact fmod; the single +-2pi correction below is exact too (Sterbenz), so the result stays in range.
  let r = rad % TWO_PI;
  if (r > Math.PI) r -= TWO_PI;
  else if (r <= -Math.PI) r += TWO_PI;
  return r === 0 ? 0 : r;
}

/** a - b wrapped to (-pi, pi]: the signed rotation that takes b to a. NaN if either is not finite. */
export function angleDiff(aRad: number, bRad: number): number {
  return wrapAngle(aRad - bRad);
}

/**
 * Circular mean of angles (optionally weighted): the direction of the summed unit vectors, wrapped to (-pi, pi].
 * Returns NaN for an empty list, non-finite input, or when the vectors cancel (e.g. [0, pi]): there is no mean.
 */
export function meanAngle(anglesRad: readonly number[], weights?: readonly number[]): number {
  if (weights !== undefined && weights.length !== anglesRad.length) {
    throw new RangeError(`meanAngle: ${anglesRad.length} angles but ${weights.length} weights`);
  }
  let s = 0;
  let c = 0;
  anglesRad.forEach((a, i) => {
    const w = weights?.[i] ?? 1;
    s += w * Math.sin(a);
    c += w * Math.cos(a);
  });
  const norm = Math.hypot(s, c);
  // Relative threshold: exact cancellation leaves only rounding residue (~1e-16 per term).
  if (!(norm > 1e-12 * Math.max(1, anglesRad.length))) return Number.NaN;
  return wrapAngle(Math.atan2(s, c));
}
