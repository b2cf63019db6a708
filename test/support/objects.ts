// One DetectedObject builder for the tests. A file whose cases rely on other defaults states them in a one-line
// wrapper, so what each test builds stays visible where it is used.
import type { DetectedObject } from '../../shared/model/types.js';

/** A car standing at the origin, heading east, without covariance (the receiver's default applies). */
export const detectedObject = (over: Partial<DetectedObject> = {}): DetectedObject => ({
  trackId: 1, objectClass: 'car', classConfidence: 0.9, xM: 0, yM: 0, zM: 0.75, vxMps: 0, vyMps: 0,
  headingRad: 0, yawRateRadps: 0, lengthM: 4.5, widthM: 1.8, heightM: 1.5,
  covariance: null, existenceProbability: 0.9, ageS: 2, ...over,
});
