// The roadside tracking stage: detection batches of one sensor in, confirmed tracks (stable ids, velocities,
// covariances) out, one batch at a time. Used by the roadside pipeline and, ahead of it, by the simulator's
// RSU perception (sim/engine/roadside-perception.ts), so that both track exactly alike.
import type { DetectedObject } from '../shared/model/types.js';
import type { DetectionBatch } from '../shared/sources/detections.js';
import { initialTrackerState, updateTracker, type Detection, type TrackerParams, type TrackerState } from '../shared/tracking/tracker.js';

export class RoadsideTracker {
  private state: TrackerState = initialTrackerState();

  constructor(private readonly params: Partial<TrackerParams> = {}) {}

  /** The confirmed tracks at the batch's capture time (batches must come in capture order). */
  update(batch: DetectionBatch): DetectedObject[] {
    // Pushed, not mapped (shared/kernels/v8-shapes.ts, rule 3).
    const detections: Detection[] = [];
    for (const o of batch.objects) detections.push(detectionOf(o));
    const out = updateTracker(this.state, detections, batch.captureTimeNs, this.params);
    this.state = out.state;
    return out.objects;
  }
}

/** A detector's object as a tracker measurement: its position covariance is the (x, y) block of the packed one. */
function detectionOf(o: DetectedObject): Detection {
  return {
    xM: o.xM, yM: o.yM, zM: o.zM, objectClass: o.objectClass, classConfidence: o.classConfidence,
    lengthM: o.lengthM, widthM: o.widthM, heightM: o.heightM, headingRad: o.headingRad,
    // Always present (undefined without a covariance, which the tracker reads alike): one object shape
    // (shared/kernels/v8-shapes.ts, rule 1).
    positionCovariance: o.covariance ? [[o.covariance[0], o.covariance[1]], [o.covariance[1], o.covariance[4]]] : undefined,
  };
}
