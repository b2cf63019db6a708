// A scenario built around a real CICV5G drive (UTM 51N): the ego replays the recorded route and timing, RSUs stand
// along it, and scripted traffic is placed from the route geometry and timed from the ego's own schedule (when it
// reaches each arc length), so occluded pedestrians step out in front of the ego whatever speed the recording had.
// Data: CICV5G dataset (github.com/zxr805/CICV5G, Zenodo doi 10.5281/zenodo.17475688), CC BY 4.0.
//
// Traffic is checked before it is accepted: the recorded ego never brakes for anyone, so a candidate actor that
// would be on the ego's path from 1.5 s before the ego gets there until it has passed, come within 1.2 m of the
// ego, or come within 0.5 m of another actor is dropped (this matters where the route loops back on itself).
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { angleDiff, wrapAngle } from '../../shared/geometry/angles.js';
import { pointAtArcLength, preparePolyline, type Polyline } from '../../shared/geometry/polyline.js';
import type { Point2 } from '../../shared/geometry/transform.js';
import { DEFAULT_SIZE_M, type BoxSizeM } from '../../shared/model/classes.js';
import type { ObjectClass } from '../../shared/model/types.js';
import { Cicv5gConditionTimeline, type Cicv5gTrace } from '../network/cicv5g.js';
import type { Box2 } from '../world/visibility.js';
import { Rng } from '../world/rng.js';
import { sampleTrajectory, type Waypoint } from '../world/trajectory.js';
import type { ActorSpec, RsuSpec, Scenario } from '../world/scenario.js';
import { EGO_FORWARD_SENSOR, RSU_LIDAR } from '../sensors/presets.js';

/** The four traces shipped in ../shared/data/cicv5g/ (see its README). */
export const CICV5G_FILES = [
  'urban_n8_v30_run01.txt',
  'arterial_n78_v80_run01.txt',
  'w2s_n8_v30_run01.txt',
  'south_n8_v10_01.txt',
] as const;
export type Cicv5gFileName = (typeof CICV5G_FILES)[number];

/**
 * Where the data is expected: beside the repository, never inside it; IAAD_CICV5G_DIR overrides. The repository is
 * the nearest folder above this module with a package.json (the source tree, or the compiled tree in .build/js).
 */
export const CICV5G_DATA_DIR = process.env.IAAD_CICV5G_DIR
  ? resolve(process.env.IAAD_CICV5G_DIR)
  : resolve(packageRoot(dirname(fileURLToPath(import.meta.url))), '../shared/data/cicv5g');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../..');
  }
}

/** The CICV5G data folder, or null when it is absent (e.g. a checkout without the shared data). */
export function cicv5gDataDir(): string | null {
  return existsSync(CICV5G_DATA_DIR) ? CICV5G_DATA_DIR : null;
}

export interface Cicv5gDriveOptions {
  /** Scenario name; default `cicv5g-drive-<file stem>`. */
  name?: string;
  /** Arc length between RSUs along the route, m (default 120). */
  rsuSpacingM?: number;
  /** Seed for the traffic's variety (vehicle types, walking speeds, directions); default derived from the name. */
  seed?: number;
  /** Use only the first maxDurationS of the trace. */
  maxDurationS?: number;
}

/** Where and when a site's crossing pedestrian steps out (for tests and reports). */
export interface Cicv5gCrossing {
  actorId: number;
  /** Arc length along the route where the pedestrian crosses, m. */
  crossingSM: number;
  stepOutS: number;
  speedMps: number;
  /** How far the ego's centre is from the crossing when the pedestrian steps out, m. */
  egoDistanceAtStepOutM: number;
  /** When the ego's front reaches the crossing (Infinity if it never does). */
  egoArrivalS: number;
}

export interface Cicv5gDrivePlan {
  scenario: Scenario;
  /** Route arc length, m. */
  routeLengthM: number;
  /** Arc length of each RSU, m (same order as scenario.rsus). */
  rsuArcM: number[];
  /** Arc length of each site's crossing point, m, in route order. */
  siteArcM: number[];
  crossings: Cicv5gCrossing[];
  /** Candidates that were not placed, with the reason (site skipped, path conflict). */
  dropped: string[];
}

// Ego and road dimensions. The ego drives in the right-hand lane of a two-way road; the route is its lane centre.
const EGO_LENGTH_M = 4.6;
const EGO_WIDTH_M = 1.9;
const HALF_LANE_M = 1.75;
const OPPOSITE_LANE_M = 3.5;
const RSU_OFFSET_M = -8;
const RSU_HEIGHT_M = 6;



/** Below this logged speed a run of (near-)identical fixes is a real standstill; above it, a stale GNSS fix. */
const STANDSTILL_SPEED_MPS = 0.5;
/** Fixes within this distance of a standstill's first fix are GNSS jitter, not motion. */
const STANDSTILL_JITTER_M = 0.2;

/** Clearances the traffic keeps (see the header). */
export const CICV5G_CLEARANCE = {
  /** An actor is "on the ego's path" at arc length s when its box is this close to the route point at s, m. */
  corridorHalfWidthM: EGO_WIDTH_M / 2 + 0.3,
  /** ... and must leave it at least this long before the ego's front gets there, s. */
  beforeEgoS: 1.5,
  egoBoxM: 1.2,
  actorBoxM: 0.5,
} as const;

const SAMPLE_HZ = 10;

/**
 * The ego's timed route from the trace: tS = (pubTimeMs - first) / 1000, UTM position. Runs of identical fixes
 * are collapsed to their first fix; when the car was really stopped (logged speed < 0.5 m/s; also absorbing
 * <= 0.2 m of GNSS jitter) the run's last time is kept too, so the ego stands still for as long as the car did.
 * When the logged speed says the car was moving, the run is a stale fix (urban_n8 has three ~1 s freezes at
 * 7 m/s followed by 6-8 m jumps): the ego is interpolated across it instead of stopping and then teleporting.
 * The last row's time is always kept, so the route lasts as long as the trace.
 */
export function cicv5gEgoRoute(trace: Cicv5gTrace, maxDurationS = Infinity): Waypoint[] {
  const t0Ms = trace.rows[0]!.pubTimeMs;
  const rows = trace.rows.filter((r) => (r.pubTimeMs - t0Ms) / 1000 <= maxDurationS);
  const out: Waypoint[] = [];
  const push = (tS: number, xM: number, yM: number): void => {
    const prev = out[out.length - 1];
    if (prev && tS <= prev.tS) return; // equal pub times: keep the first fix
    out.push({ tS, xM, yM });
  };
  let i = 0;
  while (i < rows.length) {
    const a = rows[i]!;
    let j = i;
    let maxSpeedMps = a.speedMps;
    for (;;) {
      const b = rows[j + 1];
      if (!b) break;
      const same = b.xM === a.xM && b.yM === a.yM;
      const jitter = Math.max(maxSpeedMps, b.speedMps) < STANDSTILL_SPEED_MPS
        && Math.hypot(b.xM - a.xM, b.yM - a.yM) <= STANDSTILL_JITTER_M;
      if (!same && !jitter) break;
      maxSpeedMps = Math.max(maxSpeedMps, b.speedMps);
      j++;
    }
    push((a.pubTimeMs - t0Ms) / 1000, a.xM, a.yM);
    const last = j === rows.length - 1;
    if (j > i && (maxSpeedMps < STANDSTILL_SPEED_MPS || last)) push((rows[j]!.pubTimeMs - t0Ms) / 1000, a.xM, a.yM);
    i = j + 1;
  }
  return out;
}

/** The ego's route as a road frame: arc length <-> time, points and smoothed headings, lateral offsets. */
export class RouteFrame {
  readonly line: Polyline;
  readonly lengthM: number;
  constructor(readonly route: readonly Waypoint[]) {
    this.line = preparePolyline(route);
    this.lengthM = this.line.lengthM;
  }

  /** First time the ego's centre reaches arc length sM; 0 before the start, Infinity past the end. */
  timeAtArc(sM: number): number {
    const cum = this.line.cumulativeM;
    if (sM <= 0) return 0;
    if (sM > this.lengthM) return Infinity;
    let lo = 0;
    let hi = cum.length - 1; // invariant: cum[lo] < sM <= cum[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < sM) lo = mid;
      else hi = mid;
    }
    const a = this.route[lo]!;
    const b = this.route[hi]!;
    return a.tS + ((sM - cum[lo]!) / (cum[hi]! - cum[lo]!)) * (b.tS - a.tS);
  }

  /** The ego's arc length at time tS. */
  arcAtTime(tS: number): number {
    const r = this.route;
    const cum = this.line.cumulativeM;
    if (tS <= r[0]!.tS) return 0;
    if (tS >= r[r.length - 1]!.tS) return this.lengthM;
    let lo = 0;
    let hi = r.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.tS <= tS) lo = mid;
      else hi = mid;
    }
    const f = (tS - r[lo]!.tS) / (r[hi]!.tS - r[lo]!.tS);
    return cum[lo]! + f * (cum[hi]! - cum[lo]!);
  }

  pointAt(sM: number): Point2 {
    const p = pointAtArcLength(this.line, sM);
    return { xM: p.xM, yM: p.yM };
  }

  /** Direction of the chord over +-5 m: GNSS noise makes single segments' headings unreliable. */
  headingAt(sM: number): number {
    const a = this.pointAt(Math.max(0, sM - 5));
    const b = this.pointAt(Math.min(this.lengthM, sM + 5));
    return Math.atan2(b.yM - a.yM, b.xM - a.xM);
  }

  /** The point lateralM to the left of the route at sM (negative: right). */
  offset(sM: number, lateralM: number): Point2 {
    const p = this.pointAt(sM);
    const h = this.headingAt(sM);
    return { xM: p.xM - Math.sin(h) * lateralM, yM: p.yM + Math.cos(h) * lateralM };
  }

  /** Largest heading change from sM within [sM + fromM, sM + toM], sampled every 2 m. */
  turnWithin(sM: number, fromM: number, toM: number): number {
    const h0 = this.headingAt(sM);
    let worst = 0;
    for (let d = fromM; d <= toM; d += 2) worst = Math.max(worst, Math.abs(angleDiff(this.headingAt(sM + d), h0)));
    return worst;
  }

  /** How far the route stays within maxTurnRad of its heading at sM, up to maxM, in direction dir (+1/-1). */
  straightExtent(sM: number, dir: 1 | -1, maxM: number, maxTurnRad: number): number {
    const h0 = this.headingAt(sM);
    let d = 0;
    while (d + 2 <= maxM) {
      const s = sM + dir * (d + 2);
      if (s < 0 || s > this.lengthM) break;
      if (Math.abs(angleDiff(this.headingAt(s), h0)) > maxTurnRad) break;
      d += 2;
    }
    return d;
  }
}

/** Actor boxes: the classes' default sizes, and a van (its class is car: there is no van class). */
const SIZES: Record<'truck' | 'bus' | 'van' | 'car' | 'pedestrian' | 'cyclist', BoxSizeM> = {
  truck: DEFAULT_SIZE_M.truck,
  van: { lengthM: 6, widthM: 2, heightM: 2.5 },
  bus: DEFAULT_SIZE_M.bus,
  car: DEFAULT_SIZE_M.car,
  pedestrian: DEFAULT_SIZE_M.pedestrian,
  cyclist: DEFAULT_SIZE_M.cyclist,
};

// Site layout, metres of lateral offset from the route (left positive) and of arc length from the crossing.
const PARKED_INNER_EDGE_M = 2.55; // the parked vehicle's inner edge, right of the lane centre: 1.6 m from the ego's side
const PED_WAIT_LAT_M = -3.0; // just beyond the parked vehicle's front, inside its shadow
const PED_FAR_LAT_M = 6.5; // far kerb, past the opposite lane
const PED_AWAY_LAT_M = 12; // then on, away from the road (not standing at the kerb of a route that comes back)
const PED_CLEAR_LAT_M = HALF_LANE_M; // the crosser has left the ego's lane
const PED_GAP_TO_PARKED_M = 1.2; // crossing point to the parked vehicle's front
const WALKER_LAT_M = -6.5; // right footway, behind the parked vehicle
const PARKED_LEFT_LAT_M = OPPOSITE_LANE_M + HALF_LANE_M + 1.05;
const BIKE_LAT_M = -2.9;
const SIDE_STREET_LAT_M = 9; // where the oncoming car comes from and goes to, off the road
const BIKE_SIDE_LAT_M = -7; // where the cyclist joins and leaves the road
const CROSSING_MARGIN_S = 0.3; // on top of beforeEgoS, so sampling at 10 Hz never lands on the limit
const PARKED_HEADING_NUDGE_S = 1000;
/**
 * Site schedule. A crossing keeps the ego's view blocked for a few seconds; one every SITE_INTERVAL_S of driving
 * keeps the hidden traffic going through every stretch of the drive (and so through its degraded and outage
 * stretches, which last seconds to tens of seconds). SITE_MIN_GAP_M leaves room for one site's layout (parked
 * vehicle, crossing, footway walker +-20 m, parked car 15 m on) before the next; where the ego stands still, the
 * next site is that far on, so it is met when the ego moves again.
 */
const SITE_INTERVAL_S = 12;
const SITE_MIN_GAP_M = 45;
/** The first site's target arc length at most (a fast ego reaches it within SITE_INTERVAL_S anyway). */
const SITE_FIRST_M = 60;
/** Route needed after a crossing: the pedestrian's far side and the left parked car 15 m on. */
const SITE_AFTER_M = 15;
const SITE_SEARCH_STEP_M = 2;
/** Rng forks of the stretch sites, apart from the regular sites' 0, 1, 2... */
const PRIORITY_FORK = 1 << 16;
/**
 * A site's approach, m before its crossing: from the ego's sensor range until the pedestrian steps out (20-30 m),
 * while the ego would see the waiting pedestrian but for the parked vehicle. Where the ego stands still in it,
 * the pedestrian waits, hidden, for as long as it stands.
 */
const SITE_APPROACH_FROM_M = 50;
const SITE_APPROACH_TO_M = 20;
/** How far a straight parked vehicle may stand off a curved kerb at its middle (the arc's sagitta), m. */
const KERB_SAGITTA_M = 0.33;

/**
 * Sharpest bend a straight vehicle of length L parks along: sagitta L^2 / (8 R) <= KERB_SAGITTA_M, so R >=
 * L^2 / (8 * 0.33), i.e. a heading change over 10 m of at most 10 / R rad (15 degrees for a 10 m truck, 42 for a
 * 6 m van).
 */
function maxTurnPer10M(lengthM: number): number {
  return (10 * 8 * KERB_SAGITTA_M) / (lengthM * lengthM);
}

/**
 * A parked actor facing headingRad: still for the whole run (velocity exactly 0), with a last waypoint 1 m ahead
 * a long time after the end, only so that the trajectory has a heading (a one-point script would face east).
 */
function parked(p: Point2, headingRad: number, durationS: number): Waypoint[] {
  return [
    { tS: 0, xM: p.xM, yM: p.yM },
    { tS: durationS, xM: p.xM, yM: p.yM },
    { tS: durationS + PARKED_HEADING_NUDGE_S, xM: p.xM + Math.cos(headingRad), yM: p.yM + Math.sin(headingRad) },
  ];
}

/** Timed waypoints along points at constant speed from t0S. */
function timedAlong(points: readonly Point2[], t0S: number, speedMps: number): Waypoint[] {
  const out: Waypoint[] = [];
  let tS = t0S;
  points.forEach((p, i) => {
    if (i > 0) tS += Math.hypot(p.xM - points[i - 1]!.xM, p.yM - points[i - 1]!.yM) / speedMps;
    out.push({ tS, xM: p.xM, yM: p.yM });
  });
  return out;
}

/** Restricts a script to [0, endS], interpolating at the cut: scenario scripts start at 0. */
function clipTrajectory(wps: readonly Waypoint[], endS: number): Waypoint[] {
  const inside = wps.filter((w) => w.tS > 0 && w.tS < endS);
  const at = (tS: number): Waypoint => {
    const k = sampleTrajectory(wps, tS);
    return { tS, xM: k.xM, yM: k.yM };
  };
  return [at(0), ...inside, at(endS)];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const roundWaypoints = (wps: readonly Waypoint[]): Waypoint[] =>
  wps.map((w) => ({ tS: round3(w.tS), xM: round3(w.xM), yM: round3(w.yM) }));

// ---- candidate checking ----------------------------------------------------------------------------------

/** Distance from a point to a box (0 inside). */
function pointBoxDistanceM(px: number, py: number, b: Box2): number {
  const c = Math.cos(b.headingRad);
  const s = Math.sin(b.headingRad);
  const dx = px - b.xM;
  const dy = py - b.yM;
  const lx = Math.abs(c * dx + s * dy) - b.lengthM / 2;
  const ly = Math.abs(-s * dx + c * dy) - b.widthM / 2;
  return Math.hypot(Math.max(lx, 0), Math.max(ly, 0));
}

function corners(b: Box2): Array<[number, number]> {
  const c = Math.cos(b.headingRad);
  const s = Math.sin(b.headingRad);
  const hl = b.lengthM / 2;
  const hw = b.widthM / 2;
  return [[hl, hw], [hl, -hw], [-hl, -hw], [-hl, hw]].map(([x, y]) => [b.xM + c * x! - s * y!, b.yM + s * x! + c * y!]);
}

/** Gap between two boxes, m: 0 when they overlap (separating-axis test), else the closest corner-edge distance. */
export function boxDistanceM(a: Box2, b: Box2): number {
  const ca = corners(a);
  const cb = corners(b);
  let separated = false;
  for (const h of [a.headingRad, a.headingRad + Math.PI / 2, b.headingRad, b.headingRad + Math.PI / 2]) {
    const ux = Math.cos(h);
    const uy = Math.sin(h);
    const pa = ca.map(([x, y]) => x * ux + y * uy);
    const pb = cb.map(([x, y]) => x * ux + y * uy);
    if (Math.max(...pa) < Math.min(...pb) || Math.max(...pb) < Math.min(...pa)) {
      separated = true;
      break;
    }
  }
  if (!separated) return 0;
  let best = Infinity;
  for (const [pts, box] of [[ca, b], [cb, a]] as const) {
    for (const [x, y] of pts) best = Math.min(best, pointBoxDistanceM(x, y, box));
  }
  return best;
}

/** True when the boxes' circumscribed circles are more than gapM apart (so the boxes are too): a cheap pre-check. */
function farApart(a: Box2, b: Box2, gapM: number): boolean {
  const r = (Math.hypot(a.lengthM, a.widthM) + Math.hypot(b.lengthM, b.widthM)) / 2 + gapM;
  const dx = a.xM - b.xM;
  const dy = a.yM - b.yM;
  return dx * dx + dy * dy > r * r;
}

interface Sampled {
  id: number;
  /** One box per frame; a single box when the actor never moves. */
  boxes: Box2[];
  still: boolean;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** Checks candidate actors against the ego's path and schedule and against the actors already accepted. */
class TrafficChecker {
  private readonly frames: number;
  private readonly egoBoxes: Box2[];
  private readonly accepted: Sampled[] = [];
  /** Route points every 0.5 m, bucketed on a 10 m grid, for "is this box on the ego's path" queries. */
  private readonly grid = new Map<string, Array<{ xM: number; yM: number; sM: number }>>();
  private static readonly CELL_M = 10;

  constructor(private readonly frame: RouteFrame, private readonly durationS: number) {
    this.frames = Math.floor(durationS * SAMPLE_HZ) + 1;
    this.egoBoxes = [];
    for (let k = 0; k < this.frames; k++) {
      const e = sampleTrajectory(frame.route, k / SAMPLE_HZ);
      this.egoBoxes.push({ xM: e.xM, yM: e.yM, headingRad: e.headingRad, lengthM: EGO_LENGTH_M, widthM: EGO_WIDTH_M });
    }
    for (let s = 0; s <= frame.lengthM; s += 0.5) {
      const p = frame.pointAt(s);
      const key = this.key(p.xM, p.yM);
      const cell = this.grid.get(key) ?? [];
      cell.push({ xM: p.xM, yM: p.yM, sM: s });
      this.grid.set(key, cell);
    }
  }

  private key(xM: number, yM: number): string {
    return `${Math.floor(xM / TrafficChecker.CELL_M)},${Math.floor(yM / TrafficChecker.CELL_M)}`;
  }

  private sample(a: ActorSpec): Sampled {
    const inRun = a.trajectory.filter((w, i) => i === 0 || w.tS <= this.durationS);
    const xs = inRun.map((w) => w.xM);
    const ys = inRun.map((w) => w.yM);
    const still = Math.max(...xs) - Math.min(...xs) < 0.01 && Math.max(...ys) - Math.min(...ys) < 0.01;
    const boxes: Box2[] = [];
    for (let k = 0; k < (still ? 1 : this.frames); k++) {
      const s = sampleTrajectory(a.trajectory, k / SAMPLE_HZ);
      boxes.push({ xM: s.xM, yM: s.yM, headingRad: s.headingRad, lengthM: a.lengthM, widthM: a.widthM });
    }
    const r = Math.hypot(a.lengthM, a.widthM) / 2;
    return {
      id: a.id, boxes, still,
      minX: Math.min(...xs) - r, maxX: Math.max(...xs) + r, minY: Math.min(...ys) - r, maxY: Math.max(...ys) + r,
    };
  }

  /** Why the candidate conflicts, or null if it is fine; accepts it when fine unless only trying. */
  offer(a: ActorSpec, onlyTry = false): string | null {
    const smp = this.sample(a);
    const why = this.pathConflict(smp) ?? this.egoConflict(smp) ?? this.actorConflict(smp);
    if (why === null && !onlyTry) this.accepted.push(smp);
    return why;
  }

  private pathConflict(smp: Sampled): string | null {
    // Frames where the box does not move are checked once, as one time interval.
    const n = smp.boxes.length;
    let k = 0;
    while (k < n) {
      const b = smp.boxes[k]!;
      let j = k;
      while (j + 1 < n && smp.boxes[j + 1]!.xM === b.xM && smp.boxes[j + 1]!.yM === b.yM && smp.boxes[j + 1]!.headingRad === b.headingRad) j++;
      const why = smp.still ? this.boxOnPath(b, 0, this.durationS) : this.boxOnPath(b, k / SAMPLE_HZ, j / SAMPLE_HZ);
      if (why !== null) return why;
      k = j + 1;
    }
    return null;
  }

  /** Whether the box, standing still from t0S to t1S, is on the ego's path while the ego is about to get there. */
  private boxOnPath(b: Box2, t0S: number, t1S: number): string | null {
    const { corridorHalfWidthM, beforeEgoS } = CICV5G_CLEARANCE;
    const reach = Math.hypot(b.lengthM, b.widthM) / 2 + corridorHalfWidthM;
    const c = TrafficChecker.CELL_M;
    for (let gx = Math.floor((b.xM - reach) / c); gx <= Math.floor((b.xM + reach) / c); gx++) {
      for (let gy = Math.floor((b.yM - reach) / c); gy <= Math.floor((b.yM + reach) / c); gy++) {
        for (const p of this.grid.get(`${gx},${gy}`) ?? []) {
          if (pointBoxDistanceM(p.xM, p.yM, b) >= corridorHalfWidthM) continue;
          const arrive = this.frame.timeAtArc(p.sM - EGO_LENGTH_M / 2) - beforeEgoS;
          const passed = this.frame.timeAtArc(p.sM + EGO_LENGTH_M / 2);
          if (t1S > arrive && t0S < passed) return `on the ego's path at s=${p.sM.toFixed(1)} m, t=${t0S.toFixed(1)} s`;
        }
      }
    }
    return null;
  }

  private egoConflict(smp: Sampled): string | null {
    for (let k = 0; k < this.frames; k++) {
      const b = smp.boxes[smp.still ? 0 : k]!;
      const e = this.egoBoxes[k]!;
      if (farApart(b, e, CICV5G_CLEARANCE.egoBoxM)) continue;
      if (boxDistanceM(b, e) < CICV5G_CLEARANCE.egoBoxM) return `within ${CICV5G_CLEARANCE.egoBoxM} m of the ego at t=${(k / SAMPLE_HZ).toFixed(1)} s`;
    }
    return null;
  }

  private actorConflict(smp: Sampled): string | null {
    for (const o of this.accepted) {
      if (smp.maxX < o.minX || o.maxX < smp.minX || smp.maxY < o.minY || o.maxY < smp.minY) continue;
      const n = smp.still && o.still ? 1 : this.frames;
      for (let k = 0; k < n; k++) {
        const a = smp.boxes[smp.still ? 0 : k]!;
        const b = o.boxes[o.still ? 0 : k]!;
        if (farApart(a, b, CICV5G_CLEARANCE.actorBoxM)) continue;
        if (boxDistanceM(a, b) < CICV5G_CLEARANCE.actorBoxM) return `within ${CICV5G_CLEARANCE.actorBoxM} m of actor ${o.id} at t=${(k / SAMPLE_HZ).toFixed(1)} s`;
      }
    }
    return null;
  }
}

// ---- the builder ---------------------------------------------------------------------------------------

/** Builds the scenario and reports where traffic went and what was left out. Deterministic for given inputs. */
export function planCicv5gDrive(trace: Cicv5gTrace, options: Cicv5gDriveOptions = {}): Cicv5gDrivePlan {
  const stem = basename(trace.origin).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  const name = options.name ?? `cicv5g-drive-${stem}`;
  const spacingM = options.rsuSpacingM ?? 120;
  if (!(spacingM > 0)) throw new RangeError(`rsuSpacingM must be > 0, got ${spacingM}`);
  const root = new Rng(options.seed ?? fnv1a(name));

  const route = cicv5gEgoRoute(trace, options.maxDurationS);
  if (route.length < 2) throw new RangeError(`${trace.origin}: the trace has fewer than two distinct fixes`);
  const frame = new RouteFrame(route);
  const L = frame.lengthM;
  if (!(L > 1)) throw new RangeError(`${trace.origin}: the route is only ${L.toFixed(2)} m long`);
  const durationS = route[route.length - 1]!.tS;

  // RSUs evenly along the route, at most spacingM apart: every route point is within spacing/2 of one in arc.
  const nRsu = Math.max(1, Math.ceil(L / spacingM));
  const rsuArcM = Array.from({ length: nRsu }, (_, k) => ((k + 0.5) * L) / nRsu);
  const rsus: RsuSpec[] = rsuArcM.map((s, k) => {
    const p = frame.offset(s, RSU_OFFSET_M);
    return {
      id: `rsu-${k + 1}`,
      // Facing the road (360-degree lidar, so only for display).
      pose: { xM: round3(p.xM), yM: round3(p.yM), zM: RSU_HEIGHT_M, yawRad: round3(wrapAngle(frame.headingAt(s) + Math.PI / 2)) },
      sensor: RSU_LIDAR,
    };
  });

  const checker = new TrafficChecker(frame, durationS);
  const conditions = new Cicv5gConditionTimeline(trace);
  const actors: ActorSpec[] = [];
  const crossings: Cicv5gCrossing[] = [];
  const dropped: string[] = [];
  let nextId = 1;
  const actorOf = (objectClass: ObjectClass, size: keyof typeof SIZES, wps: Waypoint[]): ActorSpec => {
    const still = wps.every((w) => w.tS > durationS || (w.xM === wps[0]!.xM && w.yM === wps[0]!.yM));
    return { id: nextId, objectClass, ...SIZES[size], trajectory: roundWaypoints(still ? wps : clipTrajectory(wps, durationS)) };
  };
  const add = (
    site: number, what: string, objectClass: ObjectClass, size: keyof typeof SIZES, wps: Waypoint[], quiet = false,
  ): number | null => {
    const a = actorOf(objectClass, size, wps);
    const why = checker.offer(a);
    if (why !== null) {
      if (!quiet) dropped.push(`site ${site + 1} ${what}: ${why}`);
      return null;
    }
    actors.push(a);
    return nextId++;
  };
  const egoSpeedOver = (sA: number, sB: number): number => {
    const dt = frame.timeAtArc(sB) - frame.timeAtArc(sA);
    return Number.isFinite(dt) && dt > 0 ? (sB - sA) / dt : 0;
  };
  const path = (sA: number, sB: number, lateralM: number): Point2[] => {
    const n = Math.max(1, Math.ceil(Math.abs(sB - sA) / 2));
    return Array.from({ length: n + 1 }, (_, i) => frame.offset(sA + ((sB - sA) * i) / n, lateralM));
  };

  // Sites: a parked vehicle hiding a pedestrian who crosses in front of the ego, with more traffic around it.
  // The occluder is a truck or a bus, or where the road bends too tightly for one, a van (tall enough to hide a
  // standing pedestrian, unlike a car). It stands where the road is straight enough over the parked vehicle and
  // the crossing for the vehicle to sit along the kerb, and where it keeps clear of the ego (the recorded ego
  // changes lanes, and the route may pass the same place twice).
  const gentle = (s: number, parkedLen: number): boolean => {
    const maxTurnRad = maxTurnPer10M(parkedLen);
    for (let d = -PED_GAP_TO_PARKED_M - parkedLen - 5; d <= 5; d += 2) {
      if (Math.abs(angleDiff(frame.headingAt(s + d + 5), frame.headingAt(s + d - 5))) > maxTurnRad) return false;
    }
    return true;
  };
  type Place = { sM: number; kind: 'truck' | 'bus' | 'van'; wps: Waypoint[] };
  const placeAt = (s: number, big: 'truck' | 'bus'): Place | undefined => {
    for (const kind of [big, 'van'] as const) {
      const parkedLen = SIZES[kind].lengthM;
      if (s - PED_GAP_TO_PARKED_M - parkedLen - 30 < 0 || s + SITE_AFTER_M > L || !gentle(s, parkedLen)) continue;
      const sParked = s - PED_GAP_TO_PARKED_M - parkedLen / 2;
      // Inner edge PARKED_INNER_EDGE_M right of the lane centre whatever its width: the pedestrian's shadow.
      const lat = -PARKED_INNER_EDGE_M - SIZES[kind].widthM / 2;
      const wps = parked(frame.offset(sParked, lat), frame.headingAt(sParked), durationS);
      if (checker.offer(actorOf('car', kind, wps), true) === null) return { sM: s, kind, wps };
    }
    return undefined;
  };
  const siteArcM: number[] = [];
  const farFromSites = (s: number): boolean => siteArcM.every((x) => Math.abs(x - s) >= SITE_MIN_GAP_M);
  let site = 0;
  const build = (p: Place, rng: Rng, nextSite: number): void => {
    add(site, p.kind, p.kind === 'van' ? 'car' : p.kind, p.kind, p.wps);
    siteArcM.push(round3(p.sM));
    populate(site++, rng, p.sM, nextSite);
  };

  // First the network's bad stretches (sim/network/cicv5g.ts STRETCH_MIN_S or more of degraded-or-outage time,
  // gaps under STRETCH_BRIDGE_S bridged; worst first): a site whose approach holds the most degraded-or-outage time, then
  // the most outage, then the first such place.
  for (const [k, st] of conditions.stretches().entries()) {
    const rng = root.fork(PRIORITY_FORK + k);
    const big: 'truck' | 'bus' = rng.bernoulli(0.5) ? 'truck' : 'bus';
    let best: (Place & { bad: number; out: number }) | undefined;
    const to = frame.arcAtTime(st.endS) + SITE_APPROACH_FROM_M;
    for (let s = frame.arcAtTime(st.startS); s < to; s += SITE_SEARCH_STEP_M) {
      const approach = [frame.timeAtArc(s - SITE_APPROACH_FROM_M), frame.timeAtArc(s - SITE_APPROACH_TO_M)] as const;
      const bad = conditions.nonGoodS(...approach);
      const out = conditions.outageS(...approach);
      if (bad <= 0 || (best && !(bad > best.bad + 1e-9 || (bad > best.bad - 1e-9 && out > best.out + 1e-9)))) continue;
      const p = farFromSites(s) ? placeAt(s, big) : undefined;
      if (p) best = { ...p, bad, out };
    }
    if (best) build(best, rng, L + spacingM);
    else dropped.push(`network stretch ${st.startS.toFixed(1)}-${st.endS.toFixed(1)} s: no place for a site the ego approaches in it`);
  }

  // Then regular sites: one every SITE_INTERVAL_S of the ego's driving, at least SITE_MIN_GAP_M and at most the
  // RSU spacing apart, each at the first place from its target on (searched up to the next target). So a slow
  // drive meets as many per minute as a fast one, and a twisty one still gets sites between its bends.
  const nextTarget = (sPrev: number): number => {
    const byTime = frame.arcAtTime(frame.timeAtArc(sPrev) + SITE_INTERVAL_S);
    return sPrev + Math.min(spacingM, Math.max(SITE_MIN_GAP_M, byTime - sPrev));
  };
  let target = Math.min(nextTarget(0), SITE_FIRST_M);
  for (let k = 0; target + SITE_AFTER_M <= L; k++) {
    const rng = root.fork(k);
    const big: 'truck' | 'bus' = rng.bernoulli(0.5) ? 'truck' : 'bus';
    const limit = nextTarget(target);
    let p: Place | undefined;
    for (let s = target; s < limit && !p; s += SITE_SEARCH_STEP_M) p = farFromSites(s) ? placeAt(s, big) : undefined;
    if (!p) {
      dropped.push(`site at s=${target.toFixed(0)}-${limit.toFixed(0)} m: no place for a parked vehicle and a crossing`);
      target = limit;
      continue;
    }
    target = nextTarget(p.sM);
    build(p, rng, target);
  }
  siteArcM.sort((x, y) => x - y);
  crossings.sort((x, y) => x.crossingSM - y.crossingSM);


  function populate(site: number, rng: Rng, sC: number, nextSite: number): void {
    // The pedestrian waiting in front of the parked vehicle steps out when the ego is 20-30 m away, early enough
    // to have left the ego's lane beforeEgoS + margin before the ego's front arrives: walking if that is enough,
    // else hurrying (2.5 m/s), and on fast roads stepping out earlier still (the ego further away). The times come
    // from the ego's recorded schedule, so a slow or stopped ego simply gets the crossing done long before it.
    const egoArrivalS = frame.timeAtArc(sC - EGO_LENGTH_M / 2 - SIZES.pedestrian.lengthM / 2 - 0.5);
    const limitS = egoArrivalS - CICV5G_CLEARANCE.beforeEgoS - CROSSING_MARGIN_S;
    const toClearM = PED_CLEAR_LAT_M - PED_WAIT_LAT_M;
    const walkMps = 1.2 + 0.4 * rng.next();
    let step: { tS: number; vMps: number } | undefined;
    for (const vMps of [walkMps, 2.5]) {
      for (const d of [20, 22.5, 25, 27.5, 30]) {
        const tS = frame.timeAtArc(sC - d);
        if (step === undefined && tS + toClearM / vMps <= limitS) step = { tS, vMps };
      }
    }
    if (step === undefined && Number.isFinite(limitS)) step = { tS: limitS - toClearM / 2.5, vMps: 2.5 };
    if (step === undefined || step.tS < 1) {
      dropped.push(`site ${site + 1} crossing pedestrian: the ego is too close to the crossing at the start`);
    } else {
      const from = frame.offset(sC, PED_WAIT_LAT_M);
      const to = frame.offset(sC, PED_FAR_LAT_M);
      const crossS = (PED_FAR_LAT_M - PED_WAIT_LAT_M) / step.vMps;
      const awayS = (PED_AWAY_LAT_M - PED_FAR_LAT_M) / 1.2;
      const crossing: Waypoint[] = [{ tS: 0, ...from }, { tS: step.tS, ...from }, { tS: step.tS + crossS, ...to }];
      // Walking on away from the road, or, where that runs into the route elsewhere, stopping at the kerb.
      const id = add(site, 'crossing pedestrian', 'pedestrian', 'pedestrian', [
        ...crossing, { tS: step.tS + crossS + awayS, ...frame.offset(sC, PED_AWAY_LAT_M) },
      ], true) ?? add(site, 'crossing pedestrian', 'pedestrian', 'pedestrian', crossing);
      if (id !== null) {
        crossings.push({
          actorId: id, crossingSM: round3(sC), stepOutS: round3(step.tS), speedMps: round3(step.vMps),
          egoDistanceAtStepOutM: round3(sC - frame.arcAtTime(step.tS)), egoArrivalS: round3(egoArrivalS),
        });
      }
    }

    // A pedestrian on the right footway behind the parked vehicle, passing its front as the ego comes within
    // ~30 m: hidden from the ego by the vehicle, in plain view of the RSU.
    const walkDir: 1 | -1 = rng.bernoulli(0.5) ? 1 : -1;
    const walkerMps = 1.1 + 0.4 * rng.next();
    const sW0 = sC - 20;
    const sW1 = sC + 20;
    const [wa, wb] = walkDir === 1 ? [sW0, sW1] : [sW1, sW0];
    const atFrontS = frame.timeAtArc(sC - 30) - Math.abs(sC + 3 - wa) / walkerMps;
    add(site, 'footway pedestrian', 'pedestrian', 'pedestrian', timedAlong(path(wa, wb, WALKER_LAT_M), atFrontS, walkerMps));

    // A car parked on the left, beyond the opposite lane.
    const sLeft = sC + 15;
    add(site, 'left parked car', 'car', 'car', parked(frame.offset(sLeft, PARKED_LEFT_LAT_M), frame.headingAt(sLeft), durationS));

    // Alternating: an oncoming car meeting the ego before the site, or a cyclist the ego catches up with after it.
    if (site % 2 === 0) {
      const sMeet = sC - 45;
      const tMeet = frame.timeAtArc(sMeet);
      const vMps = Math.min(14, Math.max(5, egoSpeedOver(sMeet - 20, sMeet + 20)));
      const sHi = sMeet + frame.straightExtent(sMeet, 1, 110, (35 * Math.PI) / 180);
      const sLo = sMeet - frame.straightExtent(sMeet, -1, 70, (35 * Math.PI) / 180);
      if (sMeet < 0 || sHi - sLo < 40) {
        dropped.push(`site ${site + 1} oncoming car: no room before the site`);
      } else {
        // From a side street into the opposite lane, and out into another one.
        const pts = [frame.offset(sHi, SIDE_STREET_LAT_M), ...path(sHi, sLo, OPPOSITE_LANE_M), frame.offset(sLo, SIDE_STREET_LAT_M)];
        const wps = timedAlong(pts, 0, vMps);
        const atMeet = timedAlong([pts[0]!, ...path(sHi, sMeet, OPPOSITE_LANE_M)], 0, vMps).at(-1)!.tS;
        add(site, 'oncoming car', 'car', 'car', wps.map((w) => ({ ...w, tS: w.tS + tMeet - atMeet })));
      }
    } else {
      const sA = sC + 30;
      const sB = Math.min(sA + frame.straightExtent(sA, 1, 80, (35 * Math.PI) / 180), nextSite - 40, L - 5);
      if (sB - sA < 25) {
        dropped.push(`site ${site + 1} cyclist: no straight stretch of 25 m after the site`);
      } else {
        const vMps = Math.min(6, Math.max(2, 0.6 * egoSpeedOver(sA - 40, sB)));
        const pts = [frame.offset(sA - 3, BIKE_SIDE_LAT_M), ...path(sA, sB, BIKE_LAT_M), frame.offset(sB + 3, BIKE_SIDE_LAT_M)];
        const wps = timedAlong(pts, 0, vMps);
        const atStart = wps[1]!.tS;
        // On the road 40 m ahead of the ego, slower than it: the ego catches up and passes with ~1.6 m to spare.
        add(site, 'cyclist', 'cyclist', 'cyclist', wps.map((w) => ({ ...w, tS: w.tS + frame.timeAtArc(sA - 40) - atStart })));
      }
    }
  }

  const lane = (lateralM: number): Point2[] => {
    const n = Math.max(1, Math.ceil(L / 2));
    return Array.from({ length: n + 1 }, (_, i) => {
      const p = lateralM === 0 ? frame.pointAt((L * i) / n) : frame.offset((L * i) / n, lateralM);
      return { xM: round3(p.xM), yM: round3(p.yM) };
    });
  };

  const scenario: Scenario = {
    name,
    description:
      `The ego replays the CICV5G drive ${trace.origin} (CICV5G dataset, CC BY 4.0); ${rsus.length} RSUs along the route, `
      + 'parked trucks and buses hiding pedestrians who cross in front of the ego, cyclists, oncoming and parked cars.',
    mapFrame: 'utm51n',
    durationS,
    frameRateHz: 10,
    lanes: [lane(0), lane(OPPOSITE_LANE_M).reverse()],
    ego: { route, sensor: EGO_FORWARD_SENSOR, lengthM: EGO_LENGTH_M, widthM: EGO_WIDTH_M },
    rsus,
    actors,
  };
  return { scenario, routeLengthM: L, rsuArcM, siteArcM, crossings, dropped };
}

/** The scenario for one CICV5G trace (see planCicv5gDrive for the placement report). */
export function buildCicv5gDriveScenario(trace: Cicv5gTrace, options: Cicv5gDriveOptions = {}): Scenario {
  return planCicv5gDrive(trace, options).scenario;
}
