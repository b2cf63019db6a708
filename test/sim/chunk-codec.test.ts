// The perception worker's packing (sim/engine/chunk-codec.ts) must give back exactly what was packed.
import assert from 'node:assert/strict';
import { packChunk, unpackChunk, type ChunkContent } from '../../sim/engine/chunk-codec.js';
import type { DetectedObject } from '../../shared/model/types.js';

const object = (trackId: number, over: Partial<DetectedObject> = {}): DetectedObject => ({
  trackId, objectClass: 'pedestrian', classConfidence: 0.9, xM: 1.5, yM: -0, zM: 0.875, vxMps: -1e-300, vyMps: 3.25,
  headingRad: Math.PI, yawRateRadps: 0, lengthM: 0.6, widthM: 0.6, heightM: 1.75,
  covariance: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], existenceProbability: 0.95, ageS: 12.3, ...over,
});

describe('perception chunk packing', () => {
  it('round-trips captures (absent ones too), frame bytes, own batches and truth frames exactly', () => {
    const content: ChunkContent = {
      captures: [
        [
          { batch: { captureTimeNs: 1.7e18 + 20e6, objects: [object(1), object(2, { covariance: null, objectClass: 'unknown' })] },
            encoded: { sequence: 0, publishTimeNs: 1.7e18 + 60e6, bytes: new Uint8Array([1, 2, 3]) } },
          { batch: { captureTimeNs: 1.7e18 + 20e6, objects: [] } },
          undefined, // a dormant RSU (sim/engine/rsu-activity.ts)
        ],
        [
          { batch: { captureTimeNs: 1.7e18 + 120e6, objects: [object(7, { objectClass: 'truck' })] },
            encoded: { sequence: 1, publishTimeNs: 1.7e18 + 160e6, bytes: new Uint8Array([]) } },
          { batch: { captureTimeNs: 1.7e18 + 120e6, objects: [] }, encoded: { sequence: 0, publishTimeNs: 1, bytes: new Uint8Array([9, 8]) } },
          { batch: { captureTimeNs: 1.7e18 + 120e6, objects: [object(8)] } },
        ],
      ],
      own: [{ captureTimeNs: 1.7e18, objects: [object(3)], ego: { pose: { xM: 1, yM: 2, zM: 0, yawRad: -0.5, pitchRad: 0, rollRad: 0 }, speedMps: 9 } }],
      truth: [
        { captureTimeNs: 1.7e18, egoRouteSM: 12.5, planRouteSM: 12.5,
          actors: [{ id: 4, xM: 3, yM: 4, inRoi: true, rsuVisible: false, egoVisible: true }], truthPlan: { timeNs: 1.7e18, points: [{ tS: 0, xM: 0, yM: 1 }, { tS: 0.1, xM: 2, yM: 3 }] } },
        { captureTimeNs: 1.7e18 + 100e6, egoRouteSM: 13.4, planRouteSM: 13.4, actors: [], truthPlan: null },
      ],
    };
    const back = unpackChunk(packChunk(content));
    assert.deepEqual(back, content);
    assert.ok(Object.is(back.captures[0]![0]!.batch.objects[0]!.yM, -0));
  });
});
