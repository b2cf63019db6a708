// `npm run fuzz -- --cases 1000000 --seed 1515`: hostile bytes through every parser a peer can reach.
//
// Wire (every message kind: frame, advisory, intent, sync request, sync response): random bytes, and valid
// envelopes mutated by bit flips, byte overwrites, truncation, splices of two envelopes, duplicated chunks and
// field-level extreme values (NaN, ±Infinity, ±1e300, -0, 2^53, negatives) encoded for real; each through
// decodeEnvelope then validateEnvelope. Ingest (the live detection ingest, shared/sources/zmq-ingest.ts): random
// bytes, mutated valid batches (the same byte mutations) and JSON-level extreme values, through
// parseIngestMessage; a batch it accepts then goes through the RSU tracker (roadside/tracking.ts), which one
// extreme detection used to kill.
//
// Failures: an exception other than WireError (decode) or IngestRejection (ingest), any exception from
// validation or the tracker, and a broken invariant (a kept object that is non-finite, beyond the limits, or
// with an unusable covariance; kept plus dropped objects not adding up; a rejection without a reason). Prints
// one JSON report and exits 1 on any failure. The seed-fixed 1,000-case property in test/wire/validate.test.ts
// is the quick version of this, in `npm test`.
import { parseArgs } from 'node:util';
import { RoadsideTracker } from '../roadside/tracking.js';
import type { DetectedObject, Envelope, Payload, PerceptionFrame, Pose } from '../shared/model/types.js';
import { DETECTION_LIMITS } from '../shared/sources/detections.js';
import { IngestRejection, parseIngestMessage } from '../shared/sources/zmq-ingest.js';
import type { Clock } from '../shared/time/clock.js';
import { decodeEnvelope, encodeEnvelope, WireError } from '../shared/wire/codec.js';
import { covarianceUsable, DEFAULT_WIRE_LIMITS, validateEnvelope, type ValidationContext } from '../shared/wire/validate.js';
import { Rng } from '../sim/world/rng.js';

const { values } = parseArgs({ options: {
  cases: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1515' },
} });
const CASES = Number(values.cases);
const SEED = Number(values.seed);
if (!(Number.isInteger(CASES) && CASES > 0 && Number.isInteger(SEED))) throw new Error('fuzz: --cases and --seed must be integers');

const NOW = 1_764_306_000_000_000_000;
const CTX: ValidationContext = { nowSenderNs: NOW, offsetUncertaintyNs: 5e6 };
const CLOCK: Clock = { nowNs: () => NOW };
const POSE: Pose = { xM: 329239.16, yM: 3463458.39, zM: 6, yawRad: 0.25, pitchRad: 0, rollRad: 0 };
const EXTREMES = [Number.NaN, Infinity, -Infinity, 1e300, -1e300, -0, 2 ** 53, -(2 ** 53), -4, 0, 1e-300, 4294967296, -1];
const L = DEFAULT_WIRE_LIMITS;

// ---- valid seeds --------------------------------------------------------------------------------------------
const object = (trackId: number, dxM: number): DetectedObject => ({
  trackId, objectClass: 'pedestrian', classConfidence: 0.875, xM: POSE.xM + dxM, yM: POSE.yM - 3.25, zM: 0.875,
  vxMps: 1.25, vyMps: -0.5, headingRad: -0.375, yawRateRadps: 0.125, lengthM: 0.5, widthM: 0.5, heightM: 1.75,
  covariance: [0.25, 0.0625, 0, 0, 0.25, 0, 0, 1, 0.5, 1], existenceProbability: 0.875, ageS: 2.5,
});
const frame = (): PerceptionFrame => ({
  sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 5, captureTimeNs: NOW - 50e6, publishTimeNs: NOW - 40e6,
  mapFrame: 'utm51n', sensorPose: { ...POSE }, objects: [object(1, 12.5), object(2, -30), { ...object(3, 4), covariance: null }],
});
const payloads = (): Payload[] => [
  { kind: 'frame', frame: frame() },
  { kind: 'advisory', advisory: { rsuId: 'rsu-1', vehicleId: 'veh-1', sequence: 3, intentSequence: 2, issueTimeNs: NOW - 10e6,
    validUntilNs: NOW + 3e9, mapFrame: 'utm51n', contextObjects: [object(4, 8)],
    zones: [{ startSM: 10, endSM: 14, tStartNs: NOW, tEndNs: NOW + 2e9, objectClass: 'pedestrian', confidence: 0.9, trackId: 7, object: object(7, 2) }] } },
  { kind: 'intent', intent: { vehicleId: 'veh-1', sequence: 9, timeNs: NOW - 5e6, pose: { ...POSE }, speedMps: 7, mapFrame: 'utm51n',
    path: [{ xM: POSE.xM, yM: POSE.yM }, { xM: POSE.xM + 50, yM: POSE.yM }], horizonS: 8 } },
  { kind: 'syncRequest', syncRequest: { clientId: 'veh-1', sequence: 11, t1Ns: NOW - 1e6 } },
  { kind: 'syncResponse', syncResponse: { serverId: 'rsu-1', clientId: 'veh-1', sequence: 11, t1Ns: NOW - 1e6, t2Ns: NOW - 5e5, t3Ns: NOW - 4e5 } },
];
const KINDS = payloads().map((p) => p.kind);
// Copied out of protobufjs's Buffer: Buffer#slice is a view, and the mutations below must not reach the seeds.
const WIRE_SEEDS = payloads().map((payload) => Uint8Array.from(encodeEnvelope({ senderId: 'rsu-1', payload, expiresAtNs: NOW + 1e9 })));
const INGEST_SEEDS = [
  { captureTimeNs: NOW, objects: [{ id: 1, class: 'car', xM: 10, yM: -1.75, vxMps: 7, posStdM: 0.25 }, { id: 2, class: 'pedestrian', xM: -9, yM: -3, velStdMps: 0.3 }] },
  { objects: [] },
  { captureTimeNs: NOW, ego: { pose: { xM: -75, yM: -1.75, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, speedMps: 7 },
    objects: [{ id: 3, class: 'cyclist', confidence: 0.8, xM: 3.7, yM: -2.7, zM: 0.9, vxMps: 0, vyMps: 4, headingRad: 1.57,
      yawRateRadps: 0, lengthM: 1.8, widthM: 0.6, heightM: 1.7, existenceProbability: 0.95, ageS: 1, posStdM: 0.25, velStdMps: 0.3 }] },
].map((b) => JSON.stringify(b));

// ---- mutations ----------------------------------------------------------------------------------------------
const rng = new Rng(SEED);
const int = (n: number): number => Math.floor(rng.next() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const extreme = (): number => (rng.next() < 0.8 ? pick(EXTREMES) : (rng.next() - 0.5) * 10 ** int(310));

function randomBytes(): Uint8Array {
  const b = new Uint8Array(int(300));
  for (let i = 0; i < b.length; i++) b[i] = int(256);
  return b;
}

type ByteMutation = 'bitFlips' | 'overwrite' | 'truncate' | 'splice' | 'duplicate';
const BYTE_MUTATIONS: readonly ByteMutation[] = ['bitFlips', 'overwrite', 'truncate', 'splice', 'duplicate'];

function mutate(seed: Uint8Array, how: ByteMutation, other: Uint8Array): Uint8Array {
  switch (how) {
    case 'bitFlips': {
      const b = Uint8Array.from(seed);
      for (let k = 1 + int(8); k > 0; k--) { const i = int(b.length); b[i] = b[i]! ^ (1 << int(8)); }
      return b;
    }
    case 'overwrite': {
      const b = Uint8Array.from(seed);
      for (let k = 1 + int(6); k > 0; k--) b[int(b.length)] = int(256);
      return b;
    }
    case 'truncate': return Uint8Array.from(seed.subarray(0, int(seed.length)));
    case 'splice': {
      const b = new Uint8Array([...seed.subarray(0, int(seed.length + 1)), ...other.subarray(int(other.length + 1))]);
      return b;
    }
    case 'duplicate': {
      const from = int(seed.length);
      const chunk = seed.subarray(from, from + 1 + int(16));
      const at = int(seed.length + 1);
      return new Uint8Array([...seed.subarray(0, at), ...chunk, ...seed.subarray(at)]);
    }
  }
}

/** A random numeric leaf of a payload set to an extreme value (objects, poses, zones, paths, stamps). */
function withExtremeField(p: Payload): Payload {
  const leaves: Array<[Record<string, unknown>, string]> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'number' ? leaves.push([v as unknown as Record<string, unknown>, String(i)]) : walk(x)));
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
      for (const [k, x] of Object.entries(v)) typeof x === 'number' ? leaves.push([v as Record<string, unknown>, k]) : walk(x);
    }
  };
  walk(p);
  for (let k = 1 + int(3); k > 0; k--) {
    const [holder, key] = pick(leaves);
    holder[key] = extreme();
  }
  return p;
}

// ---- invariants ---------------------------------------------------------------------------------------------
const fin = Number.isFinite;
function objectOk(o: DetectedObject, ref: Pose | null): string | null {
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && !fin(v)) return `kept object with ${k} ${v}`;
  if (o.covariance && !covarianceUsable(o.covariance, L.maxVariance)) return 'kept object with an unusable covariance';
  if (!(Math.abs(o.xM) <= L.maxAbsCoordinateM && Math.abs(o.yM) <= L.maxAbsCoordinateM)) return 'kept object beyond the coordinate bound';
  if (!(Math.hypot(o.vxMps, o.vyMps) <= L.maxSpeedMps)) return 'kept object beyond the speed bound';
  if (ref && !(Math.hypot(o.xM - ref.xM, o.yM - ref.yM) <= L.maxDistanceM)) return 'kept object beyond the distance bound';
  return null;
}

/** Null if the validated envelope keeps the promises of docs/reliability.md, else what it broke. */
function validatedOk(input: Envelope, v: ReturnType<typeof validateEnvelope>): string | null {
  if (v.envelope === null) return v.issues.length > 0 ? null : 'rejected without a reason';
  const p = v.envelope.payload;
  const dropped = v.issues.filter((i) => i.reason !== 'covarianceRepaired').length;
  if (p.kind === 'frame') {
    const f = p.frame;
    for (const x of [f.sensorPose.xM, f.sensorPose.yM, f.captureTimeNs, f.publishTimeNs, f.sequence]) if (!fin(x)) return 'kept frame with a non-finite field';
    if (!(f.captureTimeNs <= CTX.nowSenderNs + (CTX.offsetUncertaintyNs ?? 0) + L.futureToleranceNs)) return 'kept frame captured in the future';
    for (const o of f.objects) { const why = objectOk(o, f.sensorPose); if (why) return why; }
    const before = input.payload.kind === 'frame' ? input.payload.frame.objects.length : -1;
    if (f.objects.length + dropped !== before) return `frame objects: ${f.objects.length} kept + ${dropped} dropped != ${before}`;
  } else if (p.kind === 'advisory') {
    for (const z of p.advisory.zones) {
      if (![z.startSM, z.endSM, z.tStartNs, z.tEndNs].every(fin)) return 'kept advisory zone with a non-finite field';
      if (z.object) { const why = objectOk(z.object, null); if (why) return `zone ${why}`; }
    }
    for (const o of p.advisory.contextObjects) { const why = objectOk(o, null); if (why) return `context ${why}`; }
  } else if (p.kind === 'intent') {
    const i = p.intent;
    if (![i.pose.xM, i.pose.yM, i.speedMps, i.horizonS, i.timeNs, ...i.path.flatMap((q) => [q.xM, q.yM])].every(fin)) return 'kept intent with a non-finite field';
  } else if (p.kind === 'syncResponse') {
    const s = p.syncResponse;
    if (![s.t1Ns, s.t2Ns, s.t3Ns].every(fin)) return 'kept sync response with a non-finite stamp';
  } else if (!fin(p.syncRequest.t1Ns)) return 'kept sync request with a non-finite stamp';
  return null;
}

// ---- the run ------------------------------------------------------------------------------------------------
interface Tally { cases: number; decoded: number; wireErrors: number; rejectedWhole: number; otherExceptions: number; invariantsViolated: number }
const tally = (): Tally => ({ cases: 0, decoded: 0, wireErrors: 0, rejectedWhole: 0, otherExceptions: 0, invariantsViolated: 0 });
const wire: Record<string, Tally> = Object.fromEntries([...KINDS, 'random'].map((k) => [k, tally()]));
const wireBy: Record<string, number> = {};
const ingest = { cases: 0, accepted: 0, rejectedWhole: 0, detectionsDropped: 0, trackerBatches: 0, otherExceptions: 0, invariantsViolated: 0,
  rejectedBy: {} as Record<string, number> };
const failures: Array<{ case: number; what: string; detail: string; input: string }> = [];
let encodeRejected = 0;

function fail(caseNo: number, t: Pick<Tally, 'otherExceptions' | 'invariantsViolated'>, what: 'exception' | 'invariant', detail: string, input: Uint8Array): void {
  if (what === 'exception') t.otherExceptions++;
  else t.invariantsViolated++;
  if (failures.length < 20) failures.push({ case: caseNo, what, detail, input: Buffer.from(input).toString('base64') });
}

let wireCases = 0;
function wireCase(n: number): void {
  const mode = wireCases++ % 7;
  const k = int(WIRE_SEEDS.length);
  let bytes: Uint8Array;
  let kindKey: string = KINDS[k]!;
  let how: string;
  if (mode === 0) {
    bytes = randomBytes();
    kindKey = 'random';
    how = 'randomBytes';
  } else if (mode <= 5) {
    how = BYTE_MUTATIONS[mode - 1]!;
    bytes = mutate(WIRE_SEEDS[k]!, how as ByteMutation, pick(WIRE_SEEDS));
  } else {
    how = 'extremeValues';
    try {
      bytes = encodeEnvelope({ senderId: 'rsu-1', payload: withExtremeField(payloads()[k]!), expiresAtNs: NOW + 1e9 });
    } catch {
      encodeRejected++; // the sender refused the value (e.g. NaN in an integer field): nothing reaches the wire
      bytes = WIRE_SEEDS[k]!;
    }
  }
  wireBy[how] = (wireBy[how] ?? 0) + 1;
  const t = wire[kindKey]!;
  t.cases++;
  let e: Envelope;
  try {
    e = decodeEnvelope(bytes);
  } catch (err) {
    if (err instanceof WireError) t.wireErrors++;
    else fail(n, t, 'exception', `decode: ${(err as Error).name}: ${(err as Error).message}`, bytes);
    return;
  }
  t.decoded++;
  try {
    const v = validateEnvelope(e, CTX);
    if (v.envelope === null) t.rejectedWhole++;
    const why = validatedOk(e, v);
    if (why) fail(n, t, 'invariant', why, bytes);
  } catch (err) {
    fail(n, t, 'exception', `validate: ${(err as Error).name}: ${(err as Error).message}`, bytes);
  }
}

const tracker = new RoadsideTracker();
let trackerTimeNs = NOW;
const ingestSeedBytes = INGEST_SEEDS.map((s) => new Uint8Array(Buffer.from(s)));

function extremeIngest(): Uint8Array {
  const batch = JSON.parse(pick(INGEST_SEEDS)) as { objects: Array<Record<string, unknown>> };
  if (batch.objects.length === 0) batch.objects.push({ id: 9, xM: 1, yM: 1 });
  const fields = ['xM', 'yM', 'zM', 'vxMps', 'vyMps', 'headingRad', 'yawRateRadps', 'lengthM', 'widthM', 'heightM', 'posStdM', 'velStdMps',
    'ageS', 'confidence', 'existenceProbability', 'id', 'captureTimeNs'];
  for (let k = 1 + int(3); k > 0; k--) {
    const target = rng.next() < 0.1 ? (batch as unknown as Record<string, unknown>) : pick(batch.objects);
    // JSON has no NaN or Infinity: those become null; 1e400 is Infinity once parsed.
    const v = extreme();
    target[pick(fields)] = rng.next() < 0.1 ? pick(['1e400', '"x"', 'null', '[]', '{}', 'true']) : v;
  }
  const text = JSON.stringify(batch).replace(/"(1e400|"x"|null|\[\]|\{\}|true)"/g, '$1');
  return new Uint8Array(Buffer.from(text));
}

let ingestCases = 0;
function ingestCase(n: number): void {
  // Extreme values in 4 of 10 cases: byte mutations of JSON mostly stop at JSON.parse.
  const mode = ingestCases++ % 10;
  let bytes: Uint8Array;
  if (mode === 0) bytes = randomBytes();
  else if (mode <= 5) bytes = mutate(pick(ingestSeedBytes), BYTE_MUTATIONS[mode - 1]!, pick(ingestSeedBytes));
  else bytes = extremeIngest();
  ingest.cases++;
  let dropped = 0;
  let batch;
  try {
    batch = parseIngestMessage(bytes, CLOCK, (reason) => {
      dropped++;
      ingest.rejectedBy[reason] = (ingest.rejectedBy[reason] ?? 0) + 1;
    });
  } catch (err) {
    if (err instanceof IngestRejection) {
      ingest.rejectedWhole++;
      ingest.rejectedBy[err.reason] = (ingest.rejectedBy[err.reason] ?? 0) + 1;
    } else fail(n, ingest, 'exception', `parse: ${(err as Error).name}: ${(err as Error).message}`, bytes);
    return;
  }
  ingest.accepted++;
  ingest.detectionsDropped += dropped;
  const D = DETECTION_LIMITS;
  for (const o of batch.objects) {
    for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && !fin(v)) return fail(n, ingest, 'invariant', `accepted detection with ${k} ${v}`, bytes);
    if (!(Math.abs(o.xM) <= D.maxAbsPositionM && Math.abs(o.yM) <= D.maxAbsPositionM && Math.hypot(o.vxMps, o.vyMps) <= D.maxSpeedMps)) {
      return fail(n, ingest, 'invariant', 'accepted detection beyond DETECTION_LIMITS', bytes);
    }
  }
  let declared = -1;
  try { declared = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { objects: unknown[] }).objects.length; } catch { /* parsed above */ }
  if (batch.objects.length + dropped !== declared) return fail(n, ingest, 'invariant', `${batch.objects.length} accepted + ${dropped} dropped != ${declared}`, bytes);
  // The accepted batch goes on to the RSU's tracker, as in the roadside pipeline (capture times in order).
  if (batch.objects.length > 0) {
    trackerTimeNs += 100e6;
    try {
      for (const o of tracker.update({ ...batch, captureTimeNs: trackerTimeNs })) {
        for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && !fin(v)) return fail(n, ingest, 'invariant', `track with ${k} ${v}`, bytes);
      }
      ingest.trackerBatches++;
    } catch (err) {
      fail(n, ingest, 'exception', `tracker: ${(err as Error).name}: ${(err as Error).message}`, bytes);
    }
  }
}

const startedMs = Date.now();
// Three wire cases for each ingest case (five message kinds against one).
for (let n = 0; n < CASES; n++) {
  if (n % 4 === 3) ingestCase(n);
  else wireCase(n);
  if (n > 0 && n % 100_000 === 0) process.stderr.write(`fuzz: ${n} cases, ${failures.length} failures\n`);
}
const all = [...Object.values(wire), ingest];
const otherExceptions = all.reduce((s, t) => s + t.otherExceptions, 0);
const invariantsViolated = all.reduce((s, t) => s + t.invariantsViolated, 0);
const report = {
  command: `npm run fuzz -- --cases ${CASES} --seed ${SEED}`, seed: SEED,
  cases: all.reduce((s, t) => s + t.cases, 0), otherExceptions, invariantsViolated,
  wire: { byKind: wire, byMutation: wireBy, extremeValuesRefusedByEncoder: encodeRejected }, ingest,
  wallS: Math.round((Date.now() - startedMs) / 100) / 10, failures, ok: otherExceptions === 0 && invariantsViolated === 0,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.ok ? 0 : 1;
