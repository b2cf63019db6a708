// Output type of the fusion stage, shared by every module that consumes fused objects.
import type { DetectedObject } from '../model/types.js';

/**
 * The fusion method of the vehicle frame an object was output in (chosen per frame, see
 * docs/fusion-criteria.md):
 * - 'intra': intra-frame fusion: roadside and vehicle frames captured at the same instant, associated and fused as
 *   independent measurements (information form);
 * - 'inter': inter-frame fusion: a late roadside frame motion-compensated to the vehicle frame's instant, fused by
 *   covariance intersection (the prediction correlates the errors);
 * - 'planning': the planner used roadside planning advisories; the objects come from the vehicle alone;
 * - 'vehicle-only': no roadside contribution at all.
 * Every object of an 'intra' or 'inter' frame carries that method, including roadside-only objects (the
 * vehicle's blind zone), whose only source is the RSU, and the vehicle's unmatched objects: `sources` says
 * who contributed to the object.
 */
export type FusionMethod = 'intra' | 'inter' | 'planning' | 'vehicle-only';

/** One contributing source's track: provenance, so consumers can trace a fused object back to its inputs. */
export interface FusionSourceRef {
  sourceId: string;
  trackId: number;
}

export interface FusedObject extends DetectedObject {
  /** Every source track that contributed, in fusion order, without duplicates. */
  sources: FusionSourceRef[];
  method: FusionMethod;
}
