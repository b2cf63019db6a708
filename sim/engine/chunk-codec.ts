// What the perception worker posts, packed: every number into one Float64Array and every frame's bytes into one
// Uint8Array, both transferred rather than copied. Structured cloning the same objects cost the main thread more
// than all the rest of taking them; rebuilding them from flat arrays costs a fraction of that, and gives every
// object one literal shape. Exact: a Float64Array holds any JS number as it is (-0 included).
import { OBJECT_CLASSES, type DetectedObject, type ObjectClass, type StateCovariance } from '../../shared/model/types.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { FrameTruthActor } from '../metrics/accumulator.js';
import type { TruthFrame } from '../metrics/scoring.js';
import type { PerceivedCapture } from './roadside-perception.js';

/**
 * For each capture instant, every RSU's capture (undefined: the RSU is dormant then, rsu-activity.ts); the vehicle's
 * own captures and the truth side of their scores.
 */
export interface ChunkContent {
  captures: Array<Array<PerceivedCapture | undefined>>;
  own: DetectionBatch[];
  truth: TruthFrame[];
}

export interface PackedChunk {
  numbers: Float64Array<ArrayBuffer>;
  bytes: Uint8Array<ArrayBuffer>;
}

const CLASS_INDEX = new Map<ObjectClass, number>(OBJECT_CLASSES.map((c, i) => [c, i]));

/** An empty array of doubles: a [] literal starts as small integers and changed kind at the first stamp pushed,
 * under the already compiled batch(). */
function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

class Writer {
  readonly n: number[] = doubles();
  readonly parts: Uint8Array[] = [];
  byteLength = 0;

  bytes(b: Uint8Array): void {
    this.n.push(b.length);
    this.parts.push(b);
    this.byteLength += b.length;
  }

  object(o: DetectedObject): void {
    const n = this.n;
    n.push(o.trackId, CLASS_INDEX.get(o.objectClass)!, o.classConfidence, o.xM, o.yM, o.zM, o.vxMps, o.vyMps, o.headingRad,
      o.yawRateRadps, o.lengthM, o.widthM, o.heightM, o.existenceProbability, o.ageS);
    if (o.covariance === null) n.push(0);
    else n.push(1, ...o.covariance);
  }

  batch(b: DetectionBatch): void {
    this.n.push(b.captureTimeNs, b.objects.length);
    for (const o of b.objects) this.object(o);
    const e = b.ego;
    if (e === undefined) this.n.push(0);
    else this.n.push(1, e.pose.xM, e.pose.yM, e.pose.zM, e.pose.yawRad, e.pose.pitchRad, e.pose.rollRad, e.speedMps);
  }

  truth(f: TruthFrame): void {
    const n = this.n;
    n.push(f.captureTimeNs, f.egoRouteSM, f.planRouteSM, f.actors.length);
    for (const a of f.actors) n.push(a.id, a.xM, a.yM, a.inRoi ? 1 : 0, a.rsuVisible ? 1 : 0, a.egoVisible ? 1 : 0);
    if (f.truthPlan === null) n.push(-1);
    else {
      n.push(f.truthPlan.points.length, f.truthPlan.timeNs);
      for (const p of f.truthPlan.points) n.push(p.tS, p.xM, p.yM);
    }
  }
}

class Reader {
  private i = 0;
  private b = 0;

  constructor(private readonly f: Float64Array, private readonly raw: Uint8Array) {}

  num(): number {
    return this.f[this.i++]!;
  }

  bytes(): Uint8Array {
    const len = this.num();
    const view = this.raw.subarray(this.b, this.b + len);
    this.b += len;
    return view;
  }

  object(): DetectedObject {
    const trackId = this.num();
    const objectClass = OBJECT_CLASSES[this.num()]!;
    const classConfidence = this.num();
    const xM = this.num();
    const yM = this.num();
    const zM = this.num();
    const vxMps = this.num();
    const vyMps = this.num();
    const headingRad = this.num();
    const yawRateRadps = this.num();
    const lengthM = this.num();
    const widthM = this.num();
    const heightM = this.num();
    const existenceProbability = this.num();
    const ageS = this.num();
    const covariance: StateCovariance | null = this.num() === 0 ? null : [
      this.num(), this.num(), this.num(), this.num(), this.num(), this.num(), this.num(), this.num(), this.num(), this.num(),
    ];
    return {
      trackId, objectClass, classConfidence, xM, yM, zM, vxMps, vyMps, headingRad, yawRateRadps, lengthM, widthM, heightM,
      covariance, existenceProbability, ageS,
    };
  }

  batch(): DetectionBatch {
    const captureTimeNs = this.num();
    const count = this.num();
    const objects: DetectedObject[] = [];
    for (let k = 0; k < count; k++) objects.push(this.object());
    if (this.num() === 0) return { captureTimeNs, objects };
    const pose = { xM: this.num(), yM: this.num(), zM: this.num(), yawRad: this.num(), pitchRad: this.num(), rollRad: this.num() };
    return { captureTimeNs, objects, ego: { pose, speedMps: this.num() } };
  }

  truth(): TruthFrame {
    const captureTimeNs = this.num();
    const egoRouteSM = this.num();
    const planRouteSM = this.num();
    const count = this.num();
    const actors: FrameTruthActor[] = [];
    for (let k = 0; k < count; k++) {
      actors.push({ id: this.num(), xM: this.num(), yM: this.num(), inRoi: this.num() === 1, rsuVisible: this.num() === 1, egoVisible: this.num() === 1 });
    }
    const pointCount = this.num();
    let truthPlan: TruthFrame['truthPlan'] = null;
    if (pointCount >= 0) {
      const timeNs = this.num();
      const points: Array<{ tS: number; xM: number; yM: number }> = [];
      for (let k = 0; k < pointCount; k++) points.push({ tS: this.num(), xM: this.num(), yM: this.num() });
      truthPlan = { timeNs, points };
    }
    return { captureTimeNs, egoRouteSM, actors, planRouteSM, truthPlan };
  }
}

export function packChunk(c: ChunkContent): PackedChunk {
  const w = new Writer();
  w.n.push(c.captures.length, c.captures[0]?.length ?? 0, c.own.length, c.truth.length);
  for (const instant of c.captures) {
    for (const capture of instant) {
      if (capture === undefined) {
        w.n.push(0);
        continue;
      }
      w.n.push(1);
      w.batch(capture.batch);
      const e = capture.encoded;
      if (e === undefined) w.n.push(0);
      else {
        w.n.push(1, e.sequence, e.publishTimeNs);
        w.bytes(e.bytes);
      }
    }
  }
  for (const b of c.own) w.batch(b);
  for (const f of c.truth) w.truth(f);
  const bytes = new Uint8Array(w.byteLength);
  let at = 0;
  for (const p of w.parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { numbers: Float64Array.from(w.n), bytes };
}

export function unpackChunk(p: PackedChunk): ChunkContent {
  const r = new Reader(p.numbers, p.bytes);
  const instants = r.num();
  const rsus = r.num();
  const ownCount = r.num();
  const truthCount = r.num();
  const captures: Array<Array<PerceivedCapture | undefined>> = [];
  for (let k = 0; k < instants; k++) {
    const instant: Array<PerceivedCapture | undefined> = [];
    for (let i = 0; i < rsus; i++) {
      if (r.num() === 0) {
        instant.push(undefined);
        continue;
      }
      const batch = r.batch();
      if (r.num() === 0) instant.push({ batch });
      else {
        const sequence = r.num();
        const publishTimeNs = r.num();
        instant.push({ batch, encoded: { sequence, publishTimeNs, bytes: r.bytes() } });
      }
    }
    captures.push(instant);
  }
  const own: DetectionBatch[] = [];
  for (let k = 0; k < ownCount; k++) own.push(r.batch());
  const truth: TruthFrame[] = [];
  for (let k = 0; k < truthCount; k++) truth.push(r.truth());
  return { captures, own, truth };
}
