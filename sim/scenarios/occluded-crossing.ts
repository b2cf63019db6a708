// A pedestrian steps out from behind a parked truck at an intersection the RSU watches. The ego drives east in
// the right-hand lane; its own sensor cannot see the pedestrian until ~1 s before the conflict, the RSU's
// pole-mounted lidar sees it all along.
import type { Scenario } from '../world/scenario.js';
import { EGO_FORWARD_SENSOR, RSU_LIDAR } from '../sensors/presets.js';



export const occludedCrossing: Scenario = {
  name: 'occluded-crossing',
  description: 'A pedestrian steps out from behind a parked truck in front of the ego; an RSU watches the crossing.',
  mapFrame: 'enu:occluded-crossing',
  durationS: 15,
  frameRateHz: 10,
  lanes: [
    [{ xM: -100, yM: -1.75 }, { xM: 100, yM: -1.75 }],
    [{ xM: 100, yM: 1.75 }, { xM: -100, yM: 1.75 }],
    [{ xM: 1.75, yM: -100 }, { xM: 1.75, yM: 100 }],
    [{ xM: -1.75, yM: 100 }, { xM: -1.75, yM: -100 }],
  ],
  ego: {
    route: [{ tS: 0, xM: -75, yM: -1.75 }, { tS: 15, xM: 30, yM: -1.75 }],
    sensor: EGO_FORWARD_SENSOR,
    lengthM: 4.6,
    widthM: 1.9,
  },
  rsus: [{ id: 'rsu-1', pose: { xM: 8, yM: 8, zM: 6, yawRad: (-3 * Math.PI) / 4 }, sensor: RSU_LIDAR }],
  actors: [
    {
      id: 1, objectClass: 'truck', lengthM: 10, widthM: 2.5, heightM: 3.5,
      trajectory: [{ tS: 0, xM: -12, yM: -5.2 }, { tS: 0.001, xM: -11.9999, yM: -5.2 }],
    },
    {
      id: 2, objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.75,
      trajectory: [{ tS: 0, xM: -9, yM: -7 }, { tS: 6, xM: -9, yM: -7 }, { tS: 17, xM: -9, yM: 8.4 }],
    },
    {
      id: 3, objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5,
      trajectory: [{ tS: 0, xM: 70, yM: 1.75 }, { tS: 15, xM: -80, yM: 1.75 }],
    },
    {
      id: 4, objectClass: 'cyclist', lengthM: 1.8, widthM: 0.6, heightM: 1.7,
      trajectory: [{ tS: 0, xM: 3.5, yM: -45 }, { tS: 15, xM: 3.5, yM: 30 }],
    },
    {
      id: 5, objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5,
      trajectory: [{ tS: 0, xM: 22, yM: -5.2 }, { tS: 0.001, xM: 22.0001, yM: -5.2 }],
    },
  ],
};
