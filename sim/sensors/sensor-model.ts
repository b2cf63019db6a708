// A seeded sensor model: ground-truth actors in, detections out (what a real perception stack would report).
import { DEFAULT_SIZE_M } from '../../shared/model/classes.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import type { DetectedObject } from '../../shared/model/types.js';
import type { Rng } from '../world/rng.js';
import type { SensorSpec } from '../world/scenario.js';
import type { TruthActor } from '../world/truth.js';
import { inRangeAndFov, notOccluded, type Viewpoint } from '../world/visibility.js';

/** False positives get ids from here up, so they never collide with actor ids. */
export const FALSE_POSITIVE_ID_BASE = 1_000_000;

/**
 * One sensing cycle. `self` (the sensing vehicle's own box, if any) is excluded from targets and blockers.
 * Draw order is fixed (per actor: miss, then noise; then false positives) for reproducibility.
 */
export function sense(
  spec: SensorSpec,
  pose: { xM: number; yM: number; yawRad: number },
  actors: readonly TruthActor[],
  rng: Rng,
  selfId?: number,
): DetectedObject[] {
  // Fields copied one by one (shared/kernels/v8-shapes.ts, rule 1): a spread of the pose was most of a sensing cycle.
  const view: Viewpoint = {
    xM: pose.xM, yM: pose.yM, yawRad: pose.yawRad, rangeM: spec.rangeM, fovRad: spec.fovRad, occlusion: spec.occlusion,
  };
  const out: DetectedObject[] = [];
  const others: TruthActor[] = [];
  for (const a of actors) if (a.id !== selfId) others.push(a);
  // With occlusion: the range of every actor and the near side of its box, once per cycle rather than once per
  // target and blocker.
  // Loops rather than .map() (shared/kernels/v8-shapes.ts, rule 3).
  const rangeM: number[] = [];
  const nearSideM: number[] = [];
  if (spec.occlusion) {
    for (const a of others) rangeM.push(Math.hypot(a.xM - pose.xM, a.yM - pose.yM));
    for (let i = 0; i < others.length; i++) nearSideM.push(rangeM[i]! - Math.hypot(others[i]!.lengthM, others[i]!.widthM) / 2);
  }
  // Most of a long scene is out of any one sensor's range: a squared-distance cull skips those actors before
  // any hypot. Exact: it only drops actors beyond range by far more than rounding; inRangeAndFov decides the rest.
  const cull2 = spec.rangeM * spec.rangeM * (1 + 1e-9);
  for (let ai = 0; ai < others.length; ai++) {
    const a = others[ai]!;
    const dx = a.xM - pose.xM;
    const dy = a.yM - pose.yM;
    if (dx * dx + dy * dy > cull2) continue;
    if (!inRangeAndFov(view, a)) continue;
    // Blockers only matter with occlusion, and only those nearer than the target (cheap cull before the slab tests).
    const rangeToA = rangeM[ai]!;
    const blockers = spec.occlusion ? others.filter((b, bi) => b !== a && nearSideM[bi]! < rangeToA) : [];
    if (!notOccluded(view, a, blockers)) continue;
    if (rng.bernoulli(spec.missProbability)) continue;
    const vx = a.vxMps + rng.normal(0, spec.velNoiseStdMps);
    const vy = a.vyMps + rng.normal(0, spec.velNoiseStdMps);
    out.push({
      trackId: a.id,
      objectClass: a.objectClass,
      classConfidence: 0.9,
      xM: a.xM + rng.normal(0, spec.posNoiseStdM),
      yM: a.yM + rng.normal(0, spec.posNoiseStdM),
      zM: a.heightM / 2,
      vxMps: vx,
      vyMps: vy,
      headingRad: a.headingRad,
      yawRateRadps: 0,
      lengthM: a.lengthM,
      widthM: a.widthM,
      heightM: a.heightM,
      covariance: diagonalCovariance(spec.posNoiseStdM, Math.max(spec.velNoiseStdMps, 0.1)),
      existenceProbability: 0.95,
      ageS: 0,
    });
  }
  const nFalse = poisson(rng, spec.falsePositivesPerCycle);
  for (let k = 0; k < nFalse; k++) {
    const r = spec.rangeM * Math.sqrt(rng.next());
    const bearing = pose.yawRad + (rng.next() - 0.5) * Math.min(spec.fovRad, 2 * Math.PI);
    const size = DEFAULT_SIZE_M.unknown;
    out.push({
      trackId: FALSE_POSITIVE_ID_BASE + Math.floor(rng.next() * 1_000_000),
      objectClass: 'unknown', classConfidence: 0.4,
      xM: pose.xM + r * Math.cos(bearing), yM: pose.yM + r * Math.sin(bearing), zM: size.heightM / 2,
      // size's fields one by one, not spread: a spread in a literal gives false positives another object shape
      // than the detections above, and every consumer of detections saw two maps.
      vxMps: 0, vyMps: 0, headingRad: 0, yawRateRadps: 0, lengthM: size.lengthM, widthM: size.widthM, heightM: size.heightM,
      covariance: diagonalCovariance(spec.posNoiseStdM, 1), existenceProbability: 0.3, ageS: 0,
    });
  }
  return out;
}

/** Knuth's method: fine for the small means a sensor's false-positive rate has. */
function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
