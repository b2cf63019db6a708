// Inter-frame fusion (docs/fusion-criteria.md): late roadside frames motion-compensated to the vehicle frame.
import type { PerceptionFrame } from '../model/types.js';
import {
  fuseSequentially, hasUsedFrame, resolveFusionParams, usedFrames, type FrameFuser, type FusionParams, type RoadsideFrameInput,
} from './methods.js';
import type { FusedObject } from './types.js';

/**
 * Inter-frame fusion: each RSU's frame closest in time is motion-compensated to the vehicle frame's instant
 * (predictObject by dt = vehicle capture − roadside capture, which inflates the covariance), associated and fused
 * by covariance intersection, then an object made of the vehicle's own object and exactly one roadside track is
 * re-estimated in information form ('own-information', see PairRule: independent errors; CI's covariances keep the
 * association of several RSUs working). A roadside object whose predicted position σ exceeds maxPositionStdM is dropped (too uncertain to place); a frame
 * older than maxPredictionHorizonMs (the age at which the motion model's own error reaches that σ), or more than
 * one vehicle period in the future, contributes nothing: a stale object shown as current is worse than a missing
 * one. Roadside-only objects are added (predicted), the vehicle's unmatched objects kept; every object carries
 * method 'inter'.
 */
export function fuseInterFrame(
  own: PerceptionFrame,
  roadside: readonly RoadsideFrameInput[],
  params: Partial<FusionParams> = {},
): FusedObject[] {
  const p = resolveFusionParams(params);
  return fuseSequentially(own, usedFrames('inter', own, roadside, p), 'inter', 'own-information', p);
}

/**
 * Inter-frame fusion for a strategy: usable when fuseInterFrame would use some RSU's frame (the same window and
 * map-frame test: selectRoadsideFrames), so that a strategy never picks inter for a frame it then fuses alone.
 */
export const INTER_FRAME = Object.freeze<FrameFuser>({
  fuse: (x) => fuseInterFrame(x.own, x.frames, x.params),
  unusable: (x) => (hasUsedFrame('inter', x.own, x.frames, x.params) ? null : 'no roadside frame usable for inter'),
});
