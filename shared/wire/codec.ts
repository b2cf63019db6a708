// The only converter between wire messages (generated from proto/) and domain types (shared/model/types.ts).
// Decoding never trusts the sender: malformed bytes, a missing payload or an unsupported version throw WireError.
import { iaad } from './generated/iaad.js';
import {
  OBJECT_CLASSES,
  type ClockSyncRequest, type ClockSyncResponse, type ConflictZone, type DetectedObject, type Envelope,
  type ObjectClass, type PathPoint, type Payload, type PerceptionFrame, type PlanningAdvisory, type Pose, type SourceKind,
  type StateCovariance, type VehicleIntent,
} from '../model/types.js';

const pb = iaad.v1;
export const WIRE_VERSION = 1;

export class WireError extends Error {
  override name = 'WireError';
}

const SOURCE_KIND_TO_WIRE: Record<SourceKind, iaad.v1.SourceKind> = {
  rsu: pb.SourceKind.SOURCE_KIND_RSU,
  vehicle: pb.SourceKind.SOURCE_KIND_VEHICLE,
};

function sourceKindFromWire(k: iaad.v1.SourceKind | null | undefined): SourceKind {
  if (k === pb.SourceKind.SOURCE_KIND_RSU) return 'rsu';
  if (k === pb.SourceKind.SOURCE_KIND_VEHICLE) return 'vehicle';
  throw new WireError(`unknown source kind ${String(k)}`);
}

const classToWire = (c: ObjectClass): number => OBJECT_CLASSES.indexOf(c);
// Classes added by a newer sender decode as 'unknown' rather than failing the whole frame.
const classFromWire = (c: number | null | undefined): ObjectClass => OBJECT_CLASSES[c ?? 0] ?? 'unknown';

// 64-bit fields decode as Long objects (protobufjs keeps full precision); the generated types say number
// because of --force-number. Convert here, once: ~0.25 us resolution at current epoch ns is ample.
interface LongLike { toNumber(): number }
const num = (v: number | LongLike | null | undefined): number =>
  v == null ? 0 : typeof v === 'number' ? v : v.toNumber();

function poseToWire(p: Pose): iaad.v1.IPose {
  return { xM: p.xM, yM: p.yM, zM: p.zM, yawRad: p.yawRad, pitchRad: p.pitchRad, rollRad: p.rollRad };
}

function poseFromWire(p: iaad.v1.IPose | null | undefined): Pose {
  return {
    xM: num(p?.xM), yM: num(p?.yM), zM: num(p?.zM),
    yawRad: num(p?.yawRad), pitchRad: num(p?.pitchRad), rollRad: num(p?.rollRad),
  };
}

function objectToWire(o: DetectedObject): iaad.v1.IDetectedObject {
  return {
    trackId: o.trackId, objectClass: classToWire(o.objectClass), classConfidence: o.classConfidence,
    xM: o.xM, yM: o.yM, zM: o.zM, vxMps: o.vxMps, vyMps: o.vyMps,
    headingRad: o.headingRad, yawRateRadps: o.yawRateRadps,
    lengthM: o.lengthM, widthM: o.widthM, heightM: o.heightM,
    covariance: o.covariance ? [...o.covariance] : [],
    existenceProbability: o.existenceProbability, ageS: o.ageS,
  };
}

function covarianceFromWire(c: number[] | null | undefined): StateCovariance | null {
  if (!c || c.length === 0) return null;
  if (c.length !== 10) throw new WireError(`covariance has ${c.length} values, expected 10 (upper triangle of 4x4)`);
  return c as unknown as StateCovariance;
}

function objectFromWire(o: iaad.v1.IDetectedObject): DetectedObject {
  return {
    trackId: num(o.trackId), objectClass: classFromWire(o.objectClass), classConfidence: num(o.classConfidence),
    xM: num(o.xM), yM: num(o.yM), zM: num(o.zM), vxMps: num(o.vxMps), vyMps: num(o.vyMps),
    headingRad: num(o.headingRad), yawRateRadps: num(o.yawRateRadps),
    lengthM: num(o.lengthM), widthM: num(o.widthM), heightM: num(o.heightM),
    covariance: covarianceFromWire(o.covariance),
    existenceProbability: num(o.existenceProbability), ageS: num(o.ageS),
  };
}

/** Decoded objects, pushed (shared/kernels/v8-shapes.ts, rule 3: protobufjs's arrays include a frozen shared empty one). */
function objectsFromWire(objects: iaad.v1.IDetectedObject[] | null | undefined): DetectedObject[] {
  const out: DetectedObject[] = [];
  if (objects) for (const o of objects) out.push(objectFromWire(o));
  return out;
}

function frameToWire(f: PerceptionFrame): iaad.v1.IPerceptionFrame {
  return {
    sourceId: f.sourceId, sourceKind: SOURCE_KIND_TO_WIRE[f.sourceKind], sequence: f.sequence,
    captureTimeNs: f.captureTimeNs, publishTimeNs: f.publishTimeNs, mapFrame: f.mapFrame,
    sensorPose: poseToWire(f.sensorPose), objects: f.objects.map(objectToWire),
  };
}

function frameFromWire(f: iaad.v1.IPerceptionFrame): PerceptionFrame {
  if (!f.sourceId) throw new WireError('perception frame has no source_id');
  return {
    sourceId: f.sourceId, sourceKind: sourceKindFromWire(f.sourceKind), sequence: num(f.sequence),
    captureTimeNs: num(f.captureTimeNs), publishTimeNs: num(f.publishTimeNs), mapFrame: f.mapFrame ?? '',
    sensorPose: poseFromWire(f.sensorPose), objects: objectsFromWire(f.objects),
  };
}

function zoneFromWire(z: iaad.v1.IConflictZone): ConflictZone {
  return {
    startSM: num(z.startSM), endSM: num(z.endSM), tStartNs: num(z.tStartNs), tEndNs: num(z.tEndNs),
    objectClass: classFromWire(z.objectClass), confidence: num(z.confidence), trackId: num(z.trackId),
    object: z.object ? objectFromWire(z.object) : null,
  };
}

function advisoryToWire(a: PlanningAdvisory): iaad.v1.IPlanningAdvisory {
  return {
    rsuId: a.rsuId, vehicleId: a.vehicleId, sequence: a.sequence, intentSequence: a.intentSequence,
    issueTimeNs: a.issueTimeNs, validUntilNs: a.validUntilNs, mapFrame: a.mapFrame,
    zones: a.zones.map((z) => ({
      ...z, objectClass: classToWire(z.objectClass), object: z.object ? objectToWire(z.object) : null,
    })),
    contextObjects: a.contextObjects.map(objectToWire),
  };
}

function advisoryFromWire(a: iaad.v1.IPlanningAdvisory): PlanningAdvisory {
  return {
    rsuId: a.rsuId ?? '', vehicleId: a.vehicleId ?? '', sequence: num(a.sequence),
    intentSequence: num(a.intentSequence), issueTimeNs: num(a.issueTimeNs), validUntilNs: num(a.validUntilNs),
    mapFrame: a.mapFrame ?? '', zones: (a.zones ?? []).map(zoneFromWire),
    contextObjects: objectsFromWire(a.contextObjects),
  };
}

function intentToWire(i: VehicleIntent): iaad.v1.IVehicleIntent {
  return {
    vehicleId: i.vehicleId, sequence: i.sequence, timeNs: i.timeNs, pose: poseToWire(i.pose),
    speedMps: i.speedMps, mapFrame: i.mapFrame, path: i.path.map((p) => ({ xM: p.xM, yM: p.yM })),
    horizonS: i.horizonS,
  };
}

function pathFromWire(path: iaad.v1.IPathPoint[] | null | undefined): PathPoint[] {
  const out: PathPoint[] = [];
  if (path) for (const p of path) out.push({ xM: num(p.xM), yM: num(p.yM) });
  return out;
}

function intentFromWire(i: iaad.v1.IVehicleIntent): VehicleIntent {
  return {
    vehicleId: i.vehicleId ?? '', sequence: num(i.sequence), timeNs: num(i.timeNs), pose: poseFromWire(i.pose),
    speedMps: num(i.speedMps), mapFrame: i.mapFrame ?? '',
    path: pathFromWire(i.path), horizonS: num(i.horizonS),
  };
}

function syncRequestFromWire(r: iaad.v1.IClockSyncRequest): ClockSyncRequest {
  return { clientId: r.clientId ?? '', sequence: num(r.sequence), t1Ns: num(r.t1Ns) };
}

function syncResponseFromWire(r: iaad.v1.IClockSyncResponse): ClockSyncResponse {
  return {
    serverId: r.serverId ?? '', clientId: r.clientId ?? '', sequence: num(r.sequence),
    t1Ns: num(r.t1Ns), t2Ns: num(r.t2Ns), t3Ns: num(r.t3Ns),
  };
}

function payloadToWire(p: Payload): Partial<iaad.v1.IEnvelope> {
  switch (p.kind) {
    case 'frame': return { frame: frameToWire(p.frame) };
    case 'advisory': return { advisory: advisoryToWire(p.advisory) };
    case 'intent': return { intent: intentToWire(p.intent) };
    case 'syncRequest': return { syncRequest: { ...p.syncRequest } };
    case 'syncResponse': return { syncResponse: { ...p.syncResponse } };
  }
}

export interface EnvelopeInit {
  senderId: string;
  payload: Payload;
  /** ns since epoch on the sender clock; 0 or absent = never expires. */
  expiresAtNs?: number;
  /** When the sending process started, ns since epoch, sender clock; absent = not sent (field left out). */
  bootEpochNs?: number;
}

function envelopeToWire(e: EnvelopeInit): iaad.v1.IEnvelope {
  return {
    version: WIRE_VERSION, senderId: e.senderId, expiresAtNs: e.expiresAtNs ?? 0,
    // Only when given: senders without a boot epoch (the simulator) keep their exact bytes.
    ...(e.bootEpochNs !== undefined ? { bootEpochNs: e.bootEpochNs } : {}),
    ...payloadToWire(e.payload),
  };
}

/** An unsigned envelope (key_id and signature present but empty, as every sender has always written them). */
export function encodeEnvelope(e: EnvelopeInit & Partial<Pick<Envelope, 'keyId' | 'signature'>>): Uint8Array {
  const msg: iaad.v1.IEnvelope = {
    ...envelopeToWire(e), keyId: e.keyId ?? '', signature: e.signature ?? new Uint8Array(0),
  };
  return pb.Envelope.encode(msg).finish();
}

/** The envelope without key_id and signature: the bytes a signature covers (shared/auth/signed-envelope.ts). */
export function encodeEnvelopeBody(e: EnvelopeInit): Uint8Array {
  return pb.Envelope.encode(envelopeToWire(e)).finish();
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let m: iaad.v1.Envelope;
  try {
    m = pb.Envelope.decode(bytes);
  } catch (err) {
    throw new WireError(`undecodable envelope (${bytes.length} bytes): ${(err as Error).message}`);
  }
  if (m.version !== WIRE_VERSION) throw new WireError(`unsupported wire version ${m.version}, expected ${WIRE_VERSION}`);
  let payload: Payload;
  switch (m.payload) {
    case 'frame': payload = { kind: 'frame', frame: frameFromWire(m.frame!) }; break;
    case 'advisory': payload = { kind: 'advisory', advisory: advisoryFromWire(m.advisory!) }; break;
    case 'intent': payload = { kind: 'intent', intent: intentFromWire(m.intent!) }; break;
    case 'syncRequest': payload = { kind: 'syncRequest', syncRequest: syncRequestFromWire(m.syncRequest!) }; break;
    case 'syncResponse': payload = { kind: 'syncResponse', syncResponse: syncResponseFromWire(m.syncResponse!) }; break;
    default: throw new WireError('envelope carries no payload');
  }
  return {
    version: m.version, senderId: m.senderId, expiresAtNs: num(m.expiresAtNs), bootEpochNs: num(m.bootEpochNs), payload,
    keyId: m.keyId, signature: m.signature,
  };
}

/** True when the envelope has an expiry and it is past at nowNs (both on the sender's clock scale). */
export function isExpired(e: Pick<Envelope, 'expiresAtNs'>, nowNs: number): boolean {
  return e.expiresAtNs > 0 && nowNs > e.expiresAtNs;
}
