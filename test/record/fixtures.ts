// Shared fixtures for the recording tests: real encoded Envelopes and temp files.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DetectedObject, Payload, PerceptionFrame } from '../../shared/model/types.js';
import { encodeEnvelope } from '../../shared/wire/codec.js';

export const T0_NS = 1_764_306_000_000_000_000; // 2025-11-28, > 2^53: exercises ns precision at real epochs

// float32 fields hold exactly representable values, so decoded objects compare deep-equal.
export const object = (trackId: number, over: Partial<DetectedObject> = {}): DetectedObject => ({
  trackId, objectClass: 'car', classConfidence: 0.875, xM: 10.5 + trackId, yM: -3.25, zM: 0.75,
  vxMps: 8.25, vyMps: -0.5, headingRad: 0.125, yawRateRadps: 0.0625, lengthM: 4.5, widthM: 1.875, heightM: 1.5,
  covariance: [0.25, 0.0625, 0, 0, 0.25, 0, 0, 1, 0.5, 1], existenceProbability: 0.96875, ageS: 2.5, ...over,
});

export const frame = (sourceId: string, sequence: number, captureTimeNs: number, objects = 3): PerceptionFrame => ({
  sourceId, sourceKind: sourceId.startsWith('veh') ? 'vehicle' : 'rsu', sequence, captureTimeNs,
  publishTimeNs: captureTimeNs + 20_000_000, mapFrame: 'utm51n',
  sensorPose: { xM: 329239.16, yM: 3463458.39, zM: 6, yawRad: 0.25, pitchRad: 0, rollRad: 0 },
  objects: Array.from({ length: objects }, (_, i) => object(i + 1, i === 1 ? { objectClass: 'pedestrian', covariance: null } : {})),
});

export const framePayload = (sourceId: string, sequence: number, tNs: number, objects = 3): Payload =>
  ({ kind: 'frame', frame: frame(sourceId, sequence, tNs, objects) });

export const advisoryPayload = (rsuId: string, vehicleId: string, sequence: number, tNs: number): Payload => ({
  kind: 'advisory',
  advisory: {
    rsuId, vehicleId, sequence, intentSequence: sequence + 100, issueTimeNs: tNs, validUntilNs: tNs + 2_000_000_000,
    mapFrame: 'utm51n',
    zones: [{ startSM: 12, endSM: 18.5, tStartNs: tNs + 1_000_000_000, tEndNs: tNs + 1_500_000_000,
      objectClass: 'cyclist', confidence: 0.75, trackId: 9, object: object(9, { objectClass: 'cyclist' }) }],
    contextObjects: [object(11, { objectClass: 'pedestrian' })],
  },
});

export const syncRequestPayload = (clientId: string, sequence: number, tNs: number): Payload =>
  ({ kind: 'syncRequest', syncRequest: { clientId, sequence, t1Ns: tNs } });

export const syncResponsePayload = (serverId: string, clientId: string, sequence: number, tNs: number): Payload => ({
  kind: 'syncResponse',
  syncResponse: { serverId, clientId, sequence, t1Ns: tNs, t2Ns: tNs + 3_000_000, t3Ns: tNs + 3_100_000 },
});

export const intentPayload = (vehicleId: string, sequence: number, tNs: number): Payload => ({
  kind: 'intent',
  intent: {
    vehicleId, sequence, timeNs: tNs, pose: { xM: 1, yM: 2, zM: 0, yawRad: 0.5, pitchRad: 0, rollRad: 0 },
    speedMps: 8.5, mapFrame: 'utm51n', path: [{ xM: 1, yM: 2 }, { xM: 11, yM: 2 }], horizonS: 5,
  },
});

export const envelope = (senderId: string, payload: Payload): Uint8Array => encodeEnvelope({ senderId, payload });

/** A temp directory per suite; `file(name)` paths inside it; `cleanup()` removes it. */
export async function tempDir(): Promise<{ file(name: string): string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'iaad-record-'));
  return { file: (name) => path.join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
