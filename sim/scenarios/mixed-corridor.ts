// A 220 s drive down an urban corridor watched by RSUs, through good, degraded and outage stretches of the
// network, with hidden traffic all along: every 60 m (7.5 s) either a pedestrian steps out from behind a parked
// truck and crosses in front of the ego, or a car waiting in a lay-by behind a parked truck pulls out, merges into
// the ego's lane ahead of it and turns off again. Each network stretch (15-40 s) holds both.
//
// Layout: x east along the road, y north; the ego drives east at 8 m/s in the right-hand lane (y = 0), the opposite
// lane at y = 3.5; RSUs every 100 m, 8 m left of the ego's lane. The recorded ego never brakes, so the traffic is
// timed to keep clear of it (as in cicv5g-drive): a crossing pedestrian has left the ego's lane 1.8 s before the
// ego's front gets there, a merging car enters the lane 30 m ahead of the ego, faster than it, and leaves 26 m on.
import type { ActorSpec, RsuSpec, Scenario } from '../world/scenario.js';
import type { Waypoint } from '../world/trajectory.js';
import { EGO_FORWARD_SENSOR, RSU_LIDAR } from '../sensors/presets.js';

const DURATION_S = 220;
const EGO_SPEED_MPS = 8;
const EGO_LENGTH_M = 4.6;
const ROAD_END_M = EGO_SPEED_MPS * DURATION_S;
const RSU_SPACING_M = 100;
const SITE_SPACING_M = 60;
const FIRST_SITE_M = 80;

/** When the ego's centre is at x. */
const egoAt = (xM: number): number => xM / EGO_SPEED_MPS;

// A parked truck's inner edge 2.55 m right of the lane centre (1.6 m from the ego's side), as in cicv5g-drive.
const TRUCK = { objectClass: 'truck', lengthM: 10, widthM: 2.5, heightM: 3.5 } as const;
const TRUCK_Y_M = -3.8;
const PED = { objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.75 } as const;
const CAR = { objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5 } as const;

/** Still for the whole run, facing east (the last waypoint, long after the end, only gives the heading). */
const parkedAt = (xM: number, yM: number): Waypoint[] =>
  [{ tS: 0, xM, yM }, { tS: DURATION_S, xM, yM }, { tS: DURATION_S + 1000, xM: xM + 1, yM }];

/**
 * A crossing at xC: the truck's front 1.2 m before it; the pedestrian waits in its shadow 3 m right of the lane
 * centre and crosses at 1.8 m/s to the far kerb, leaving the ego's lane (1.75 m left) 1.5 s + 0.3 s before the
 * ego's front reaches it: it steps out with the ego ~38 m away.
 */
function crossing(xC: number, id: number): ActorSpec[] {
  const walkMps = 1.8;
  const egoFrontS = egoAt(xC - EGO_LENGTH_M / 2 - PED.lengthM / 2);
  const stepOutS = egoFrontS - 1.8 - (1.75 + 3) / walkMps;
  const farS = stepOutS + (6.5 + 3) / walkMps;
  return [
    { id, ...TRUCK, trajectory: parkedAt(xC - 1.2 - TRUCK.lengthM / 2, TRUCK_Y_M) },
    {
      id: id + 1, ...PED,
      trajectory: [
        { tS: 0, xM: xC, yM: -3 }, { tS: stepOutS, xM: xC, yM: -3 }, { tS: farS, xM: xC, yM: 6.5 },
        { tS: farS + 8.5 / 1.2, xM: xC, yM: 15 },
      ],
    },
  ];
}

/**
 * A merge at xM: a car waits in a lay-by 5.5 m right of the lane centre, facing along the road just past a parked
 * truck (its front 3.25 m before xM), inside the truck's shadow while the ego comes from 60 m to ~20 m away. It
 * pulls out with the ego ~34 m away, is in the lane 14 m on with the ego 30 m behind, drives at 9 m/s (the ego
 * 8 m/s) and turns off right into a side street 40 m on.
 */
function merge(xM: number, id: number): ActorSpec[] {
  const speedMps = 9;
  const inLaneS = egoAt(xM - 16);
  const goS = inLaneS - 2.3;
  const outS = inLaneS + 26 / speedMps;
  return [
    { id, ...TRUCK, trajectory: parkedAt(xM - 3.25 - TRUCK.lengthM / 2, TRUCK_Y_M) },
    {
      id: id + 1, ...CAR,
      trajectory: [
        { tS: 0, xM, yM: -5.5 }, { tS: goS, xM, yM: -5.5 }, { tS: goS + 0.9, xM: xM + 4, yM: -4.8 },
        { tS: goS + 1.6, xM: xM + 9, yM: -2 }, { tS: inLaneS, xM: xM + 14, yM: 0 }, { tS: outS, xM: xM + 40, yM: 0 },
        { tS: outS + 0.6, xM: xM + 43, yM: -2.5 }, { tS: outS + 1.1, xM: xM + 44, yM: -6 }, { tS: outS + 5, xM: xM + 44, yM: -40 },
      ],
    },
  ];
}

const actors: ActorSpec[] = [];
for (let k = 0, x = FIRST_SITE_M; x <= ROAD_END_M - SITE_SPACING_M; k++, x += SITE_SPACING_M) {
  actors.push(...(k % 2 === 0 ? crossing(x, actors.length + 1) : merge(x, actors.length + 1)));
}

const rsus: RsuSpec[] = Array.from({ length: Math.floor(ROAD_END_M / RSU_SPACING_M) + 1 }, (_, k) => ({
  id: `rsu-${k + 1}`, pose: { xM: k * RSU_SPACING_M + RSU_SPACING_M / 2, yM: 8, zM: 6, yawRad: -Math.PI / 2 }, sensor: RSU_LIDAR,
}));

/**
 * Its default network (`iaad sim` uses it when no --network is given): 25 +- 8 ms, degraded in 40-80 s and
 * 150-165 s (the link holds messages for 0.6 s of every second: frames arrive 25-625 ms late), out in 95-125 s
 * and 180-195 s (held until the link returns).
 */
const degraded = (fromS: number, toS: number): string[] =>
  Array.from({ length: toS - fromS }, (_, k) => `${fromS + k}-${fromS + k + 0.6}`);
export const MIXED_CORRIDOR_NETWORK =
  `jitter:25,8+outage:${[...degraded(40, 80), '95-125', ...degraded(150, 165), '180-195'].join(',')}`;

/** The network stretches of MIXED_CORRIDOR_NETWORK, s (for tests and reports). */
export const MIXED_CORRIDOR_STRETCHES: ReadonlyArray<{ condition: 'good' | 'degraded' | 'outage'; fromS: number; toS: number }> = [
  { condition: 'good', fromS: 0, toS: 40 }, { condition: 'degraded', fromS: 40, toS: 80 },
  { condition: 'good', fromS: 80, toS: 95 }, { condition: 'outage', fromS: 95, toS: 125 },
  { condition: 'good', fromS: 125, toS: 150 }, { condition: 'degraded', fromS: 150, toS: 165 },
  { condition: 'good', fromS: 165, toS: 180 }, { condition: 'outage', fromS: 180, toS: 195 },
  { condition: 'good', fromS: 195, toS: 220 },
];

export const mixedCorridor: Scenario = {
  name: 'mixed-corridor',
  description: 'A 220 s drive down an RSU corridor through good, degraded and outage network stretches; every 60 m '
    + 'a pedestrian crosses from behind a parked truck, or a car hidden behind one pulls out and merges ahead of the ego.',
  mapFrame: 'enu:mixed-corridor',
  durationS: DURATION_S,
  frameRateHz: 10,
  lanes: [
    [{ xM: -50, yM: 0 }, { xM: ROAD_END_M + 50, yM: 0 }],
    [{ xM: ROAD_END_M + 50, yM: 3.5 }, { xM: -50, yM: 3.5 }],
  ],
  ego: {
    route: [{ tS: 0, xM: 0, yM: 0 }, { tS: DURATION_S, xM: ROAD_END_M, yM: 0 }],
    sensor: EGO_FORWARD_SENSOR,
    lengthM: EGO_LENGTH_M,
    widthM: 1.9,
  },
  rsus,
  actors,
};
