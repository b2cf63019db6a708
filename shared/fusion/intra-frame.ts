// Intra-frame fusion (docs/fusion-criteria.md): the vehicle frame and the roadside frames of the same instant.
import type { PerceptionFrame } from '../model/types.js';
import {
  fuseSequentially, hasUsedFrame, resolveFusionParams, usedFrames, type FrameFuser, type FusionParams, type RoadsideFrameInput,
} from './methods.js';
import type { FusedObject } from './types.js';

/**
 * Intra-frame fusion: roadside frames captured at the vehicle frame's instant (|dt| ≤ half a vehicle period,
 * vehicle clock; others are ignored) are associated with the vehicle's objects and fused in information form,
 * since two sensors observing the same instant make independent measurements. The residual offset (≤ half a
 * period) is still compensated with the motion model: 50 ms at 15 m/s is 0.75 m, more than the RSU's σ. Roadside
 * objects the vehicle does not see (its blind zone) are added with the RSU as their only source; the vehicle's
 * unmatched objects are kept. Several RSUs are fused sequentially (see fuseSequentially). Every object carries
 * method 'intra'.
 */
export function fuseIntraFrame(
  own: PerceptionFrame,
  roadside: readonly RoadsideFrameInput[],
  params: Partial<FusionParams> = {},
): FusedObject[] {
  const p = resolveFusionParams(params);
  return fuseSequentially(own, usedFrames('intra', own, roadside, p), 'intra', 'information', p);
}

/** Intra-frame fusion for a strategy: usable when fuseIntraFrame would use some RSU's frame (same test). */
export const INTRA_FRAME = Object.freeze<FrameFuser>({
  fuse: (x) => fuseIntraFrame(x.own, x.frames, x.params),
  unusable: (x) => (hasUsedFrame('intra', x.own, x.frames, x.params) ? null : 'no roadside frame usable for intra'),
});
