// Arc-length parametrisation of a 2D polyline (a planned path): planning expresses conflict zones as
// arc-length intervals [startSM, endSM] along VehicleIntent.path, measured from its first point.
import { wrapAngle } from './angles.js';
import type { Point2 } from './transform.js';
import { doubleArray, keepShapeSeed } from '../kernels/v8-shapes.js';
import simplify from 'simplify-js';

/** A polyline with its cumulative arc lengths precomputed, for repeated queries. */
export interface Polyline {
  readonly points: readonly Point2[];
  /** cumulativeM[i] = arc length from points[0] to points[i]; cumulativeM[0] = 0. */
  readonly cumulativeM: readonly number[];
  readonly lengthM: number;
}

export interface PolylineProjection {
  /** Arc length of the closest point, m; outside [0, lengthM] only with extendEnds. */
  sM: number;
  /**
   * Signed distance to the closest point, m: positive to the left of the direction of travel (CCW convention).
   * Perpendicular offset when the closest point is inside a segment (always, with extendEnds).
   */
  lateralM: number;
  /** Index i of the segment points[i] -> points[i+1] holding the closest point. */
  segmentIndex: number;
  /** The closest point on the path. */
  xM: number;
  yM: number;
}

export interface PolylinePose {
  xM: number;
  yM: number;
  /** Direction of travel of the segment, rad, wrapped to (-pi, pi]. */
  headingRad: number;
  segmentIndex: number;
}

export interface PolylineOptions {
  /**
   * Extend the first and last segments beyond the path's ends instead of clamping: a point behind the start
   * projects to s < 0, one past the end to s > lengthM. Default false.
   */
  extendEnds?: boolean;
}

type PolylineInput = Polyline | readonly Point2[];

export function preparePolyline(points: readonly Point2[]): Polyline {
  if (points.length === 0) throw new RangeError('polyline needs at least one point');
  const cumulativeM = doubleArray(0);
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (!Number.isFinite(b.xM) || !Number.isFinite(b.yM)) throw new RangeError(`polyline point ${i} is not finite`);
    cumulativeM.push(cumulativeM[i - 1]! + Math.hypot(b.xM - a.xM, b.yM - a.yM));
  }
  return { points, cumulativeM, lengthM: cumulativeM[cumulativeM.length - 1]! };
}

const prepared = (p: PolylineInput): Polyline => ('cumulativeM' in p ? p : preparePolyline(p));

/**
 * Douglas-Peucker simplification (simplify-js) of a path: a GPS-logged route has a point every few decimetres,
 * which makes every projection onto it slow; within toleranceM the shape is the same.
 */
export function simplifyPath(points: readonly Point2[], toleranceM: number): Point2[] {
  if (points.length <= 2) return points.map((p) => ({ xM: p.xM, yM: p.yM }));
  // simplify-js works on {x, y}; subtract the first point so UTM-sized coordinates keep their precision.
  const o = points[0]!;
  const out = simplify(points.map((p) => ({ x: p.xM - o.xM, y: p.yM - o.yM })), toleranceM, true);
  return out.map((p) => ({ xM: p.x + o.xM, yM: p.y + o.yM }));
}

export function polylineLength(p: PolylineInput): number {
  return prepared(p).lengthM;
}

/** Closest point of the polyline to (xM, yM); ties go to the earliest segment. Zero-length segments are skipped. */
export function projectToPolyline(p: PolylineInput, point: Point2, options: PolylineOptions = {}): PolylineProjection {
  return projectToPolylineInto(prepared(p), point.xM, point.yM, options.extendEnds === true, emptyProjection());
}

/**
 * projectToPolyline written into `out` (returned): no allocation, for loops that project many points (the planners
 * project every predicted sample of every object).
 */
export function projectToPolylineInto(line: Polyline, xM: number, yM: number, extendEnds: boolean, out: PolylineProjection): PolylineProjection {
  const { points, cumulativeM } = line;
  if (points.length === 1 || line.lengthM === 0) {
    const q = points[0]!;
    out.sM = 0;
    out.lateralM = Math.hypot(xM - q.xM, yM - q.yM);
    out.segmentIndex = 0;
    out.xM = q.xM;
    out.yM = q.yM;
    return out;
  }
  if (!projectOnSegments(line, xM, yM, firstSegment(cumulativeM), lastSegment(cumulativeM), extendEnds, out)) {
    // Only a NaN point compares closer to no segment.
    out.sM = out.lateralM = out.xM = out.yM = Number.NaN;
    out.segmentIndex = 0;
  }
  return out;
}

const emptyProjection = (): PolylineProjection => ({ sM: 0, lateralM: 0, segmentIndex: 0, xM: 0, yM: 0 });

// Seeds the shape of every { sM, lateralM, segmentIndex, xM, yM } literal (emptyProjection, the planners' buffers)
// with doubles (shared/kernels/v8-shapes.ts, rule 4).
keepShapeSeed<PolylineProjection>({ sM: 0.5, lateralM: 0.5, segmentIndex: 0, xM: 0.5, yM: 0.5 });

/**
 * Like projectToPolyline, restricted to the segments overlapping [fromSM, toSM] (binary search, then only those):
 * O(log n + k) instead of O(n), and unambiguous on a route that passes the same place twice.
 */
export function projectToPolylineRange(p: PolylineInput, point: Point2, fromSM: number, toSM: number): PolylineProjection {
  const line = prepared(p);
  const c = line.cumulativeM;
  if (line.points.length === 1 || line.lengthM === 0) return projectToPolyline(line, point);
  const first = Math.max(firstSegment(c), segmentAt(c, Math.max(0, fromSM)));
  const last = Math.min(lastSegment(c), segmentAt(c, Math.min(line.lengthM, toSM)));
  const out = emptyProjection();
  return projectOnSegments(line, point.xM, point.yM, Math.min(first, last), last, false, out) ? out : projectToPolyline(line, point);
}

/** Index of the segment holding arc length s (the last one whose start is at or before s). */
function segmentAt(c: readonly number[], sM: number): number {
  let lo = 0;
  let hi = c.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c[mid]! <= sM) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Follows a moving point along a route: each update searches a window around the last arc length (continuity:
 * where a route passes the same place twice the right pass is kept) and falls back to the whole route when the
 * point is farther than lostM from the window's best (a jump, or the first update).
 */
export class RouteProgress {
  private lastSM: number | null = null;
  constructor(
    private readonly line: Polyline,
    private readonly behindM = 20,
    private readonly aheadM = 60,
    private readonly lostM = 10,
  ) {}

  update(point: Point2): PolylineProjection {
    if (this.lastSM !== null) {
      const p = projectToPolylineRange(this.line, point, this.lastSM - this.behindM, this.lastSM + this.aheadM);
      if (Math.abs(p.lateralM) <= this.lostM) {
        this.lastSM = p.sM;
        return p;
      }
    }
    const p = projectToPolyline(this.line, point);
    this.lastSM = p.sM;
    return p;
  }
}

/** The closest point over segments first..last, written into out; false (out untouched) if they all have zero length. */
function projectOnSegments(
  line: Polyline, xM: number, yM: number, first: number, last: number, extendEnds: boolean, out: PolylineProjection,
): boolean {
  const { points, cumulativeM } = line;
  let found = false;
  let bestD2 = Infinity;
  for (let i = first; i <= last; i++) {
    const segLen = cumulativeM[i + 1]! - cumulativeM[i]!;
    if (segLen === 0) continue;
    const a = points[i]!;
    const b = points[i + 1]!;
    const ux = (b.xM - a.xM) / segLen;
    const uy = (b.yM - a.yM) / segLen;
    const dx = xM - a.xM;
    const dy = yM - a.yM;
    const along = dx * ux + dy * uy;
    const lo = extendEnds && i === first ? -Infinity : 0;
    const hi = extendEnds && i === last ? Infinity : segLen;
    const t = Math.min(hi, Math.max(lo, along));
    const cx = a.xM + t * ux;
    const cy = a.yM + t * uy;
    const d2 = (xM - cx) ** 2 + (yM - cy) ** 2;
    if (d2 < bestD2) {
      bestD2 = d2;
      // Left of travel is positive: sign of u x (point - a). Past a clamped end the offset is the distance to the
      // end point, signed by the side of the segment's line the point is on (on the line counts as left).
      const cross = ux * dy - uy * dx;
      const side = cross > 0 ? 1 : cross < 0 ? -1 : 1;
      out.sM = cumulativeM[i]! + t;
      out.lateralM = side * Math.sqrt(d2);
      out.segmentIndex = i;
      out.xM = cx;
      out.yM = cy;
      found = true;
    }
  }
  return found;
}

/**
 * Point and heading at arc length sM. Clamped to [0, lengthM] unless extendEnds, which extrapolates along the end
 * segments. At a vertex the following segment's heading is used (the last segment's at the end).
 */
export function pointAtArcLength(p: PolylineInput, sM: number, options: PolylineOptions = {}): PolylinePose {
  if (!Number.isFinite(sM)) throw new RangeError(`arc length must be finite, got ${sM}`);
  const line = prepared(p);
  const { points, cumulativeM, lengthM } = line;
  if (points.length === 1 || lengthM === 0) {
    const q = points[0]!;
    return { xM: q.xM, yM: q.yM, headingRad: 0, segmentIndex: 0 };
  }
  const s = options.extendEnds ? sM : Math.min(lengthM, Math.max(0, sM));
  const first = firstSegment(cumulativeM);
  const last = lastSegment(cumulativeM);
  // Last segment whose start is <= s (binary search), restricted to non-degenerate segments.
  let i: number;
  if (s <= cumulativeM[first]!) i = first;
  else if (s >= cumulativeM[last]!) i = last;
  else {
    let lo = first;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cumulativeM[mid]! <= s) lo = mid;
      else hi = mid;
    }
    i = lo;
    while (cumulativeM[i + 1]! - cumulativeM[i]! === 0) i++; // skip zero-length segments at a repeated vertex
  }
  const a = points[i]!;
  const b = points[i + 1]!;
  const segLen = cumulativeM[i + 1]! - cumulativeM[i]!;
  const t = (s - cumulativeM[i]!) / segLen;
  return {
    xM: a.xM + t * (b.xM - a.xM),
    yM: a.yM + t * (b.yM - a.yM),
    headingRad: wrapAngle(Math.atan2(b.yM - a.yM, b.xM - a.xM)),
    segmentIndex: i,
  };
}

// First / last segment with non-zero length (callers ensure the polyline has one).
function firstSegment(cum: readonly number[]): number {
  let i = 0;
  while (cum[i + 1]! - cum[i]! === 0) i++;
  return i;
}

function lastSegment(cum: readonly number[]): number {
  let i = cum.length - 2;
  while (cum[i + 1]! - cum[i]! === 0) i--;
  return i;
}
