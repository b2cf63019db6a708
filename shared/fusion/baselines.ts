// Two baselines of common practice, for comparison with the time-aware methods (strategies `latest` and
// `linear-compensation`, shared/fusion/strategies.ts). Both fuse as if the roadside frame were of the vehicle's
// instant, so any roadside frame is usable to them.
import type { PerceptionFrame } from '../model/types.js';
import { fuseIntraFrame } from './intra-frame.js';
import type { FrameFuser, FrameInputs, FusionParams, RoadsideFrameInput } from './methods.js';
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

/** A baseline is usable whenever an RSU has been heard. */
const anyRoadsideFrame = (x: FrameInputs): string | null => (x.frames.length > 0 ? null : 'no roadside frame');

/** `latest` for a strategy. Its objects carry method 'intra' (it fuses as if the frames were of this instant). */
export const LATEST = Object.freeze<FrameFuser>({
  fuse: (x) => fuseLatest(x.own, x.frames, x.params),
  unusable: anyRoadsideFrame,
});

/** `linear-compensation` for a strategy: each RSU's last two frames, the ego's track removed from both. */
export const LINEAR_COMPENSATION = Object.freeze<FrameFuser>({
  fuse: (x) => fuseLinearCompensation(x.own, [...x.roadside.values()].map((r) => ({
    latest: x.withoutEgo(r.latest), previous: r.previous ? x.withoutEgo(r.previous) : null,
  })), x.params),
  unusable: anyRoadsideFrame,
});
