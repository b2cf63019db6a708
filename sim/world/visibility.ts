// Which actors a sensor can see: range, field of view and occlusion by other actors' boxes (2-D, top-down).
import { angleDiff } from '../../shared/geometry/angles.js';

export interface Box2 {
  xM: number;
  yM: number;
  headingRad: number;
  lengthM: number;
  widthM: number;
}

export function boxCorners(b: Box2): Array<[number, number]> {
  const c = Math.cos(b.headingRad);
  const s = Math.sin(b.headingRad);
  const hl = b.lengthM / 2;
  const hw = b.widthM / 2;
  // Written out rather than .map() (shared/kernels/v8-shapes.ts, rule 3).
  return [
    [b.xM + c * hl - s * hw, b.yM + s * hl + c * hw],
    [b.xM + c * hl - s * -hw, b.yM + s * hl + c * -hw],
    [b.xM + c * -hl - s * -hw, b.yM + s * -hl + c * -hw],
    [b.xM + c * -hl - s * hw, b.yM + s * -hl + c * hw],
  ];
}

/** Slab test of the segment (ax,ay)-(bx,by) against the box, in the box's own frame. */
export function segmentHitsBox(ax: number, ay: number, bx: number, by: number, box: Box2): boolean {
  // Exact cull: a segment farther from the centre than the box's half diagonal cannot touch it (most pairs).
  if (segmentDistance2(ax, ay, bx, by, box.xM, box.yM) > (box.lengthM * box.lengthM + box.widthM * box.widthM) / 4 + 1e-9) return false;
  // Module-level helpers rather than closures: this runs for every sight line against every blocker.
  const c = Math.cos(-box.headingRad);
  const s = Math.sin(-box.headingRad);
  const px = c * (ax - box.xM) - s * (ay - box.yM);
  const py = s * (ax - box.xM) + c * (ay - box.yM);
  const qx = c * (bx - box.xM) - s * (by - box.yM);
  const qy = s * (bx - box.xM) + c * (by - box.yM);
  const range = { t0: 0, t1: 1 };
  return clipToSlab(px, qx - px, box.lengthM / 2, range) && clipToSlab(py, qy - py, box.widthM / 2, range);
}

/** Squared distance from (px, py) to the segment (ax, ay)-(bx, by). */
function segmentDistance2(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Narrows range (segment parameters) to where p + t d lies within ±half; false once it is empty. */
function clipToSlab(p: number, d: number, half: number, range: { t0: number; t1: number }): boolean {
  if (Math.abs(d) < 1e-12) return Math.abs(p) <= half;
  const ta = (-half - p) / d;
  const tb = (half - p) / d;
  range.t0 = Math.max(range.t0, Math.min(ta, tb));
  range.t1 = Math.min(range.t1, Math.max(ta, tb));
  return range.t0 <= range.t1;
}

export interface Viewpoint {
  xM: number;
  yM: number;
  yawRad: number;
  rangeM: number;
  fovRad: number;
  occlusion: boolean;
}

/** The target's centre is within the sensor's range and field of view (occlusion aside). */
export function inRangeAndFov(view: Viewpoint, target: Box2): boolean {
  const dx = target.xM - view.xM;
  const dy = target.yM - view.yM;
  if (Math.hypot(dx, dy) > view.rangeM) return false;
  return !(view.fovRad < 2 * Math.PI && Math.abs(angleDiff(Math.atan2(dy, dx), view.yawRad)) > view.fovRad / 2);
}

/**
 * Visible when the centre is within range and FOV and, with occlusion, at least 2 of the 5 sight lines (centre
 * and corners) clear every other box: a partly hidden object is still detected, a fully hidden one is not.
 * The target itself may be among the blockers (it is skipped), so callers can pass the whole scene.
 */
export function isVisible(view: Viewpoint, target: Box2, blockers: readonly Box2[]): boolean {
  return inRangeAndFov(view, target) && notOccluded(view, target, blockers);
}

/** The occlusion half of isVisible, for callers that already checked range and FOV. */
export function notOccluded(view: Viewpoint, target: Box2, blockers: readonly Box2[]): boolean {
  if (!view.occlusion) return true;
  const points: Array<[number, number]> = [[target.xM, target.yM], ...boxCorners(target)];
  let clear = 0;
  for (const [px, py] of points) {
    if (!blockers.some((b) => b !== target && segmentHitsBox(view.xM, view.yM, px, py, b))) clear++;
    if (clear >= 2) return true;
  }
  return false;
}
