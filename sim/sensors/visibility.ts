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
  return [[hl, hw], [hl, -hw], [-hl, -hw], [-hl, hw]].map(([dx, dy]) => [b.xM + c * dx! - s * dy!, b.yM + s * dx! + c * dy!]);
}

/** Slab test of the segment (ax,ay)-(bx,by) against the box, in the box's own frame. */
export function segmentHitsBox(ax: number, ay: number, bx: number, by: number, box: Box2): boolean {
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

/**
 * Visible when the centre is within range and FOV and, with occlusion, at least 2 of the 5 sight lines (centre
 * and corners) clear every other box: a partly hidden object is still detected, a fully hidden one is not.
 * The target itself may be among the blockers (it is skipped), so callers can pass the whole scene.
 */
export function isVisible(view: Viewpoint, target: Box2, blockers: readonly Box2[]): boolean {
  const dx = target.xM - view.xM;
  const dy = target.yM - view.yM;
  if (Math.hypot(dx, dy) > view.rangeM) return false;
  if (view.fovRad < 2 * Math.PI && Math.abs(angleDiff(Math.atan2(dy, dx), view.yawRad)) > view.fovRad / 2) return false;
  if (!view.occlusion) return true;
  const points: Array<[number, number]> = [[target.xM, target.yM], ...boxCorners(target)];
  let clear = 0;
  for (const [px, py] of points) {
    if (!blockers.some((b) => b !== target && segmentHitsBox(view.xM, view.yM, px, py, b))) clear++;
    if (clear >= 2) return true;
  }
  return false;
}
