// Moves a DetectedObject to another time: how the vehicle aligns a (late) roadside track with its own clock.
import { packCovariance, unpackCovariance } from '../model/covariance.js';
import type { DetectedObject, ObjectClass } from '../model/types.js';
import { wrapAngle } from '../geometry/angles.js';
import {
  ctrvJacobian,
  ctrvProcessNoise,
  ctrvPropagate,
  ctrvToCv,
  cvPropagate,
  cvPropagateCovariance,
  cvToCtrv,
  propagateCovariance,
} from './models.js';

export interface PredictParams {
  /** CV white-noise acceleration std, m/s². Covers normal urban braking/acceleration over a latency gap. */
  accelStdMps2: number;
  /** CTRV longitudinal acceleration std, m/s². */
  longAccelStdMps2: number;
  /** CTRV yaw acceleration std, rad/s² (entering/leaving a turn). */
  yawAccelStdRadps2: number;
  /** Std of the sender's yaw rate, rad/s: the wire carries no yaw-rate variance, so this stands in for it. */
  yawRateStdRadps: number;
  /** CTRV only above this speed, m/s: below it the velocity direction (CTRV's heading) is mostly noise. */
  minCtrvSpeedMps: number;
  /** CTRV only above this |yaw rate|, rad/s: below it the turn is negligible over a latency gap and CV's simpler noise is used. */
  minCtrvYawRateRadps: number;
  /** Classes whose motion is kinematically constrained (turn with a yaw rate); others (pedestrians...) always use CV. */
  ctrvClasses: readonly ObjectClass[];
}

export const DEFAULT_PREDICT_PARAMS: Readonly<PredictParams> = Object.freeze({
  accelStdMps2: 2.0,
  longAccelStdMps2: 2.0,
  yawAccelStdRadps2: 0.6,
  yawRateStdRadps: 0.1,
  minCtrvSpeedMps: 0.5,
  minCtrvYawRateRadps: 0.01,
  ctrvClasses: Object.freeze(['car', 'truck', 'bus', 'motorcycle', 'cyclist'] as const),
});

export type MotionModelKind = 'cv' | 'ctrv';

/** Which model predictObject uses for obj: CTRV for a moving, turning vehicle-like object, CV otherwise. */
export function selectMotionModel(obj: DetectedObject, params: Partial<PredictParams> = {}): MotionModelKind {
  return modelFor(obj, resolvedParams(params));
}

function modelFor(obj: DetectedObject, p: Readonly<PredictParams>): MotionModelKind {
  const moving = Math.hypot(obj.vxMps, obj.vyMps) > p.minCtrvSpeedMps;
  const turning = Math.abs(obj.yawRateRadps) > p.minCtrvYawRateRadps;
  return moving && turning && p.ctrvClasses.includes(obj.objectClass) ? 'ctrv' : 'cv';
}

/**
 * The object dtS seconds later (earlier if negative). Position and velocity move with the selected model; the
 * covariance (when present) is propagated and inflated by that model's process noise; the box heading rotates
 * by the same angle as the velocity (0 for CV), which keeps the source's heading-velocity relation (e.g. a
 * reversing car) intact; ageS advances by dtS (floored at 0). A null covariance stays null: the receiver
 * applies its default before predicting if it wants the uncertainty. Returns a new object.
 */
export function predictObject(obj: DetectedObject, dtS: number, params: Partial<PredictParams> = {}): DetectedObject {
  if (!Number.isFinite(dtS)) throw new RangeError(`dtS must be finite, got ${dtS}`);
  const p = resolvedParams(params);
  const ageS = Math.max(0, obj.ageS + dtS);
  if (modelFor(obj, p) === 'cv') {
    const [xM, yM] = cvPropagate([obj.xM, obj.yM, obj.vxMps, obj.vyMps], dtS);
    const covariance =
      obj.covariance === null
        ? null
        : packCovariance(cvPropagateCovariance(unpackCovariance(obj.covariance), dtS, p.accelStdMps2));
    return { ...obj, ageS, xM, yM, covariance };
  }
  // CTRV: through [x, y, heading, speed, yawRate] and back. Without a covariance a zero placeholder keeps one
  // code path; its result is dropped.
  const ctrv = cvToCtrv([obj.xM, obj.yM, obj.vxMps, obj.vyMps], obj.covariance === null ? zeros(4) : unpackCovariance(obj.covariance), {
    yawRateRadps: obj.yawRateRadps,
    yawRateVarRad2ps2: p.yawRateStdRadps ** 2,
    minSpeedMps: 0, // selectMotionModel guarantees a speed above minCtrvSpeedMps
  });
  const nextState = ctrvPropagate(ctrv.state, dtS);
  const nextCov = propagateCovariance(
    ctrvJacobian(ctrv.state, dtS),
    ctrv.covariance,
    ctrvProcessNoise(ctrv.state, dtS, p.longAccelStdMps2, p.yawAccelStdRadps2),
  );
  const out = ctrvToCv(nextState, nextCov);
  const [xM, yM, vxMps, vyMps] = out.state;
  return {
    ...obj,
    ageS,
    xM,
    yM,
    vxMps,
    vyMps,
    headingRad: wrapAngle(obj.headingRad + obj.yawRateRadps * dtS),
    covariance: obj.covariance === null ? null : packCovariance(out.covariance),
  };
}

/** The defaults with params on top; the (frozen) defaults themselves when nothing is overridden (the usual case:
 * the vehicle predicts every roadside object of every frame, and spreading the defaults showed in profiles). */
function resolvedParams(params: Partial<PredictParams>): Readonly<PredictParams> {
  for (const _ in params) return { ...DEFAULT_PREDICT_PARAMS, ...params };
  return DEFAULT_PREDICT_PARAMS;
}

function zeros(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}
