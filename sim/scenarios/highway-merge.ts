// A car accelerates up an on-ramp and merges in front of the ego, hidden from the ego by a truck; a gantry RSU at
// the merge sees the ramp and the main road.
//
// Layout (x east along the highway, y north; lanes 3.75 m): left lane y = +3.75, right lane y = 0 (the ego, 25 m/s),
// and an auxiliary lane y = -3.75 that runs from the previous junction to the next exit. The on-ramp comes in
// diagonally from the south-west, runs beside the auxiliary lane (y = -7.5) and joins it at the nose (x = 30).
//
// Why the truck drives in the auxiliary lane rather than ahead of the ego in its own lane: a 2.5 m wide box
// straight ahead only shadows a cone about +-1.25 m wide at its own distance again, so at any realistic headway it
// cannot hide anything beside the lane. Ahead-right of the ego, with its rear a few metres in front of the ego's
// sensor, the truck shadows every bearing from ~9 degrees to ~55 degrees right, which is where the ramp is. The
// car's whole approach within the ego's range (t ~ 2.5-11.5 s; from t ~ 6.5 s level with the ego ~26 m ahead on
// the ramp's parallel section, inside the region of interest) is in that shadow; it becomes visible as it moves
// into the auxiliary lane and cuts into the right lane ~21 m ahead of the ego at t ~ 14 s. The gantry lidar sees
// it from t = 3 s.
import type { ActorSpec, Scenario, SensorSpec } from '../world/scenario.js';
import type { Waypoint } from '../world/trajectory.js';
import { pointAtArcLength, preparePolyline } from '../../shared/geometry/polyline.js';
import type { Point2 } from '../../shared/geometry/transform.js';

const LANE_WIDTH_M = 3.75;
const DURATION_S = 20;
const EGO_SPEED_MPS = 25;
const EGO_START_X_M = -300;

/** Gantry-mounted lidar at the merge: high enough that vehicles do not occlude each other. */
const RSU_LIDAR: SensorSpec = {
  rangeM: 150, fovRad: 2 * Math.PI, occlusion: false, posNoiseStdM: 0.3, velNoiseStdMps: 0.3,
  missProbability: 0.02, falsePositivesPerCycle: 0.05, latencyMs: 40,
};

/** Forward long-range sensor (camera/radar class): 80 m, 120 degrees, blocked by other vehicles. */
const EGO_SENSOR: SensorSpec = {
  rangeM: 80, fovRad: (120 * Math.PI) / 180, occlusion: true, posNoiseStdM: 0.2, velNoiseStdMps: 0.2,
  missProbability: 0.02, falsePositivesPerCycle: 0.05, latencyMs: 30,
};

const LEFT_Y_M = LANE_WIDTH_M;
const RIGHT_Y_M = 0;
const AUX_Y_M = -LANE_WIDTH_M;
const RAMP_Y_M = -7.5;

/**
 * Ramp centre line: a diagonal from the south-west, then a parallel section beside the auxiliary lane (a painted
 * gore between them) up to the nose, where it joins the auxiliary lane. The merging car then changes into the
 * right lane.
 */
const RAMP: Point2[] = [
  { xM: -300, yM: -110 }, { xM: -170, yM: -45 }, { xM: -110, yM: -9 }, { xM: -80, yM: RAMP_Y_M }, { xM: 0, yM: RAMP_Y_M },
  { xM: 30, yM: AUX_Y_M },
];
const MERGE_PATH: Point2[] = [...RAMP, { xM: 50, yM: AUX_Y_M }, { xM: 90, yM: RIGHT_Y_M }, { xM: 700, yM: RIGHT_Y_M }];

/**
 * Constant acceleration from v0 (capped at vMax) along a path, starting sStartM into it at t = 0; waypoints every
 * stepS so the piecewise-linear script follows curves and the speed ramp closely.
 */
function accelerateAlong(
  path: readonly Point2[], sStartM: number, v0Mps: number, accelMps2: number, vMaxMps: number,
  endS: number, stepS = 0.25,
): Waypoint[] {
  const line = preparePolyline(path);
  const out: Waypoint[] = [];
  let sM = sStartM;
  let vMps = v0Mps;
  const steps = Math.round(endS / stepS);
  for (let k = 0; k <= steps; k++) {
    const p = pointAtArcLength(line, sM);
    out.push({ tS: k * stepS, xM: p.xM, yM: p.yM });
    const vNext = Math.min(vMaxMps, vMps + accelMps2 * stepS);
    sM += ((vMps + vNext) / 2) * stepS;
    vMps = vNext;
  }
  return out;
}

const straight = (x0M: number, yM: number, vMps: number): Waypoint[] => [
  { tS: 0, xM: x0M, yM }, { tS: DURATION_S, xM: x0M + vMps * DURATION_S, yM },
];

/** Actor ids, for tests and reports. */
export const HIGHWAY_MERGE_IDS = { truck: 1, mergingCar: 2, leftLaneCar: 3, leadCar: 4 } as const;

const actors: ActorSpec[] = [
  {
    // Slightly slower than the ego, so its rear stays 3-7 m ahead of the ego's sensor for the whole run.
    id: HIGHWAY_MERGE_IDS.truck, objectClass: 'truck', lengthM: 12, widthM: 2.5, heightM: 3.8,
    trajectory: straight(-289, AUX_Y_M, 24.6),
  },
  {
    // 17 -> 27.5 m/s at 0.8 m/s^2 from 90 m up the ramp: timed to reach the nose ~26 m ahead of the ego.
    id: HIGHWAY_MERGE_IDS.mergingCar, objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5,
    trajectory: accelerateAlong(MERGE_PATH, 90, 17, 0.8, 27.5, DURATION_S),
  },
  {
    // Overtakes the ego in the left lane (visible: nothing between them).
    id: HIGHWAY_MERGE_IDS.leftLaneCar, objectClass: 'car', lengthM: 4.6, widthM: 1.85, heightM: 1.5,
    trajectory: straight(-330, LEFT_Y_M, 29),
  },
  {
    // Far ahead in the right lane, drifting away: the merging car cuts in between it and the ego.
    id: HIGHWAY_MERGE_IDS.leadCar, objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5,
    trajectory: straight(-230, RIGHT_Y_M, 26),
  },
];

export const highwayMerge: Scenario = {
  name: 'highway-merge',
  description:
    'A car accelerates up an on-ramp hidden behind a truck in the auxiliary lane and cuts in front of the ego; '
    + 'a gantry RSU at the merge sees the ramp and the main road.',
  mapFrame: 'enu:highway-merge',
  durationS: DURATION_S,
  frameRateHz: 10,
  lanes: [
    [{ xM: -400, yM: RIGHT_Y_M }, { xM: 400, yM: RIGHT_Y_M }],
    [{ xM: -400, yM: LEFT_Y_M }, { xM: 400, yM: LEFT_Y_M }],
    // Auxiliary lane: from the previous junction to the next exit, where it leaves to the south-east.
    [{ xM: -400, yM: AUX_Y_M }, { xM: 300, yM: AUX_Y_M }, { xM: 400, yM: -15 }],
    RAMP.map((p) => ({ ...p })),
  ],
  ego: {
    route: [
      { tS: 0, xM: EGO_START_X_M, yM: RIGHT_Y_M },
      { tS: DURATION_S, xM: EGO_START_X_M + EGO_SPEED_MPS * DURATION_S, yM: RIGHT_Y_M },
    ],
    sensor: EGO_SENSOR,
    lengthM: 4.6,
    widthM: 1.9,
  },
  // On a gantry just outside the ramp, upstream of the nose: the ramp's last ~150 m and the main road both ways.
  rsus: [{ id: 'rsu-merge', pose: { xM: -30, yM: -16, zM: 7, yawRad: Math.PI / 2 }, sensor: RSU_LIDAR }],
  actors,
};
