// Vehicle-only (docs/fusion-criteria.md): no roadside contribution; every strategy's fallback.
import type { PerceptionFrame } from '../model/types.js';
import { finish, ownObjects, resolveFusionParams, type FrameFuser, type FusionParams } from './methods.js';
import type { FusedObject } from './types.js';

/** The vehicle's own objects, method 'vehicle-only' (or `method`), null covariances filled with the default. */
export function vehicleOnlyObjects(
  own: PerceptionFrame,
  params: Partial<FusionParams> = {},
  method: 'vehicle-only' | 'planning' = 'vehicle-only',
): FusedObject[] {
  const p = resolveFusionParams(params);
  return finish(ownObjects(own, method, p), own.sourceId, p);
}

/** Vehicle-only for a strategy: always usable. */
export const VEHICLE_ONLY = Object.freeze<FrameFuser>({
  fuse: (x) => vehicleOnlyObjects(x.own, x.params),
  unusable: () => null,
});
