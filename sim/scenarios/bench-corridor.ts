// A synthetic benchmark scenario: a straight 2-lane urban corridor, 180 s, with RSUs every 150 m and a
// configurable number of actors (default 50: parked trucks with pedestrians waiting behind them, oncoming and
// leading cars, cyclists, roadside pedestrians). Deterministic. Used by `npm run bench` for the simulator's speed.
import type { ActorSpec, Scenario } from '../world/scenario.js';
import { EGO_FORWARD_SENSOR, RSU_LIDAR } from '../sensors/presets.js';


export function benchCorridor(actorCount = 50, durationS = 180): Scenario {
  const egoSpeed = 9;
  const lengthM = egoSpeed * durationS + 200;
  const actors: ActorSpec[] = [];
  let id = 1;
  const add = (a: Omit<ActorSpec, 'id'>): void => {
    if (actors.length < actorCount) actors.push({ id: id++, ...a });
  };
  // Every 60 m: a pattern of 5 actors, cycling until the count is reached.
  for (let k = 0; actors.length < actorCount; k++) {
    const x = 60 + k * 60;
    const tEgo = (x + 50) / egoSpeed; // when the ego is ~50 m before x
    add({ objectClass: 'truck', lengthM: 10, widthM: 2.5, heightM: 3.5, trajectory: [{ tS: 0, xM: x, yM: -5.2 }] });
    add({ objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.75,
      trajectory: [{ tS: 0, xM: x + 3, yM: -7 }, { tS: Math.max(0, tEgo - 8), xM: x + 3, yM: -7 }, { tS: Math.max(0, tEgo - 8) + 20, xM: x + 3, yM: -40 }] });
    add({ objectClass: 'car', lengthM: 4.5, widthM: 1.8, heightM: 1.5,
      trajectory: [{ tS: 0, xM: x + 400, yM: 1.75 }, { tS: durationS, xM: x + 400 - 12 * durationS, yM: 1.75 }] });
    add({ objectClass: 'cyclist', lengthM: 1.8, widthM: 0.6, heightM: 1.7,
      trajectory: [{ tS: 0, xM: x + 30, yM: -3.2 }, { tS: durationS, xM: x + 30 + 5 * durationS, yM: -3.2 }] });
    add({ objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.75,
      trajectory: [{ tS: 0, xM: x + 10, yM: 6 }, { tS: durationS, xM: x + 10 + 1.3 * durationS, yM: 6 }] });
  }
  const rsus = [];
  for (let x = 0, i = 1; x <= lengthM; x += 150, i++) {
    rsus.push({ id: `rsu-${i}`, pose: { xM: x, yM: 9, zM: 6, yawRad: -Math.PI / 2 }, sensor: RSU_LIDAR });
  }
  return {
    name: `bench-corridor-${actorCount}`,
    description: `Straight corridor, ${durationS} s, ${actorCount} actors, RSUs every 150 m (benchmark).`,
    mapFrame: 'enu:bench',
    durationS,
    frameRateHz: 10,
    lanes: [[{ xM: -50, yM: -1.75 }, { xM: lengthM, yM: -1.75 }], [{ xM: lengthM, yM: 1.75 }, { xM: -50, yM: 1.75 }]],
    ego: { route: [{ tS: 0, xM: 0, yM: -1.75 }, { tS: durationS, xM: egoSpeed * durationS, yM: -1.75 }], sensor: EGO_FORWARD_SENSOR, lengthM: 4.6, widthM: 1.9 },
    rsus,
    actors,
  };
}
