// Two baselines of common practice, for comparison with the time-aware methods (sim strategies `latest` and
// `linear-compensation`). Both fuse as if the roadside frame were of the vehicle's instant.
import type { PerceptionFrame } from '../model/types.js';
import { fuseIntraFrame, type FusionParams, type RoadsideFrameInput } from './methods.js';
import type { FusedObject } from './types.js';

/** Pretend the frame was captured at the vehicle frame's instant (offset folded in): no time alignment. */
function atOwnInstant(own: PerceptionFrame, input: RoadsideFrameInput, frame = input.frame): RoadsideFrameInput {
  return { frame: { ...frame, captureTimeNs: own.captureTimeNs + input.offsetNs }, offsetNs: input.offsetNs };
}

/** `latest`: the newest roadside frame of each RSU, fused with no time alignment at all. */
export function fuseLatest(own: PerceptionFrame, latest: readonly RoadsideFrameInput[], params?: Partial<FusionParams>): FusedObject[] {
  return fuseIntraFrame(own, latest.map((r) => atOwnInstant(own, r)), params);
}

/**
 * `linear-compensation`: shift each roadside object by its displacement between the RSU's last two frames (same
 * track id), scaled by the delay to the vehicle frame; objects seen once are not shifted. Then fused as latest.
 */
export function fuseLinearCompensation(
  own: PerceptionFrame,
  history: ReadonlyArray<{ latest: RoadsideFrameInput; previous: RoadsideFrameInput | null }>,
  params?: Partial<FusionParams>,
): FusedObject[] {
  const shifted = history.map(({ latest, previous }) => {
    if (!previous) return atOwnInstant(own, latest);
    const frameGapNs = latest.frame.captureTimeNs - previous.frame.captureTimeNs;
    const delayNs = own.captureTimeNs - (latest.frame.captureTimeNs - latest.offsetNs);
    if (frameGapNs <= 0) return atOwnInstant(own, latest);
    const scale = delayNs / frameGapNs;
    const before = new Map(previous.frame.objects.map((o) => [o.trackId, o]));
    const objects = latest.frame.objects.map((o) => {
      const p = before.get(o.trackId);
      return p ? { ...o, xM: o.xM + (o.xM - p.xM) * scale, yM: o.yM + (o.yM - p.yM) * scale } : o;
    });
    return atOwnInstant(own, latest, { ...latest.frame, objects });
  });
  return fuseIntraFrame(own, shifted, params).map((o) => (o.method === 'intra' ? { ...o, method: 'inter' as const } : o));
}
