// Ground truth of a scenario at a time: every actor's box and motion, and the ego's.
import type { Scenario } from './scenario.js';
import type { DetectedObject } from '../../shared/model/types.js';
import type { Box2 } from './visibility.js';
import { sampleTrajectory, type KinematicSample } from './trajectory.js';

/** An actor's true box and velocity at one instant. */
export interface TruthActor extends Box2 {
  id: number;
  objectClass: DetectedObject['objectClass'];
  heightM: number;
  vxMps: number;
  vyMps: number;
}

/** The ego's id in truth lists (actors use their own ids, which must differ). */
export const EGO_ID = 0;

export function egoAt(s: Scenario, tS: number): KinematicSample {
  return sampleTrajectory(s.ego.route, tS);
}

export function truthAt(s: Scenario, tS: number): TruthActor[] {
  // A loop rather than .map() (shared/kernels/v8-shapes.ts, rule 3).
  const actors: TruthActor[] = [];
  for (const a of s.actors) {
    const k = sampleTrajectory(a.trajectory, tS);
    actors.push({
      id: a.id, objectClass: a.objectClass, xM: k.xM, yM: k.yM, headingRad: k.headingRad,
      lengthM: a.lengthM, widthM: a.widthM, heightM: a.heightM, vxMps: k.vxMps, vyMps: k.vyMps,
    });
  }
  const e = egoAt(s, tS);
  actors.push({
    id: EGO_ID, objectClass: 'car', xM: e.xM, yM: e.yM, headingRad: e.headingRad,
    lengthM: s.ego.lengthM, widthM: s.ego.widthM, heightM: 1.5, vxMps: e.vxMps, vyMps: e.vyMps,
  });
  return actors;
}

/**
 * truthAt memoised over the last few instants: within one simulated step every RSU, the ego's sensors and the
 * scorer ask for the same instant, and sampling every actor's script each time was a visible share of a run.
 * Callers must not mutate the returned list.
 */
export class TruthTimeline {
  private readonly cache = new Map<number, readonly TruthActor[]>();

  constructor(private readonly scenario: Scenario, private readonly capacity = 8) {}

  at(tS: number): readonly TruthActor[] {
    let truth = this.cache.get(tS);
    if (!truth) {
      truth = truthAt(this.scenario, tS);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(tS, truth);
    }
    return truth;
  }
}
