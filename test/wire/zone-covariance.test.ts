// Found by the fuzz script (bench/fuzz.ts): an advisory's conflict-zone objects were checked for finite and
// plausible values but not for a usable covariance, unlike frame and context objects. Now repaired alike.
import assert from 'node:assert/strict';
import { covarianceUsable, DEFAULT_WIRE_LIMITS, validateEnvelope } from '../../shared/wire/validate.js';
import type { DetectedObject, Envelope, PlanningAdvisory } from '../../shared/model/types.js';

const NOW = 1_764_306_000_000_000_000;
const object = (covariance: number[]): DetectedObject => ({
  trackId: 7, objectClass: 'pedestrian', classConfidence: 0.9, xM: 10, yM: 2, zM: 0.9, vxMps: 1, vyMps: 0, headingRad: 0,
  yawRateRadps: 0, lengthM: 0.5, widthM: 0.5, heightM: 1.75, covariance: covariance as unknown as DetectedObject['covariance'],
  existenceProbability: 0.9, ageS: 1,
});
const advisory = (covariance: number[]): Envelope => {
  const a: PlanningAdvisory = { rsuId: 'rsu-1', vehicleId: 'veh-1', sequence: 3, intentSequence: 2, issueTimeNs: NOW, validUntilNs: NOW + 3e9,
    mapFrame: 'm', contextObjects: [],
    zones: [{ startSM: 10, endSM: 14, tStartNs: NOW, tEndNs: NOW + 2e9, objectClass: 'pedestrian', confidence: 0.9, trackId: 7, object: object(covariance) }] };
  return { version: 1, senderId: 'rsu-1', expiresAtNs: 0, bootEpochNs: 0, payload: { kind: 'advisory', advisory: a }, keyId: '', signature: new Uint8Array(0) };
};

describe('wire validation: advisory zone objects', () => {
  it('repairs (removes) a zone object covariance that is not positive definite, and counts it', () => {
    const v = validateEnvelope(advisory([-4, 0, 0, 0, 1, 0, 0, 1, 0, 1]), { nowSenderNs: NOW, offsetUncertaintyNs: 5e6 });
    assert.ok(v.envelope?.payload.kind === 'advisory');
    assert.equal(v.envelope.payload.advisory.zones[0]!.object!.covariance, null);
    assert.deepEqual(v.issues.map((i) => i.reason), ['covarianceRepaired']);
  });

  it('keeps a usable zone object covariance and the envelope untouched', () => {
    const e = advisory([0.25, 0, 0, 0, 0.25, 0, 0, 1, 0, 1]);
    const v = validateEnvelope(e, { nowSenderNs: NOW, offsetUncertaintyNs: 5e6 });
    assert.equal(v.envelope, e);
    assert.ok(covarianceUsable([0.25, 0, 0, 0, 0.25, 0, 0, 1, 0, 1], DEFAULT_WIRE_LIMITS.maxVariance));
  });
});
