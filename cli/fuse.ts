// `iaad fuse`: offline fusion of object lists from several sources, for debugging and regression. Input and
// output formats: docs/fuse-format.md. The first input is the reference: everything is fused at its time.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../shared/config/load.js';
import { DEFAULT_SIZE_M } from '../shared/model/classes.js';
import { packCovariance } from '../shared/model/covariance.js';
import { OBJECT_CLASSES, type DetectedObject, type PerceptionFrame } from '../shared/model/types.js';
import { fuseInterFrame } from '../shared/fusion/inter-frame.js';
import { fuseIntraFrame } from '../shared/fusion/intra-frame.js';
import type { RoadsideFrameInput } from '../shared/fusion/methods.js';
import type { FusedObject } from '../shared/fusion/types.js';

const vec2 = z.tuple([z.number(), z.number()]);
const fuseObjectSchema = z.object({
  id: z.number().int().min(0),
  class: z.enum(OBJECT_CLASSES).default('unknown'),
  position: vec2,
  velocity: vec2.optional(),
  /** [length, width, height], m. */
  size: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  /** 2x2 covariance of the position, m^2. */
  covariance: z.tuple([vec2, vec2]).optional(),
  confidence: z.number().min(0).max(1).default(1),
}).strict();

export const fuseInputSchema = z.object({
  source: z.string().min(1),
  /** Time of the object list, s (any common origin). */
  time: z.number(),
  objects: z.array(fuseObjectSchema),
}).strict();

export type FuseInput = z.output<typeof fuseInputSchema>;

/** Velocity variance assumed when an input gives a position covariance but no velocity one, (m/s)^2. */
const DEFAULT_VEL_VAR = 1;

function toObject(o: FuseInput['objects'][number]): DetectedObject {
  const [vx, vy] = o.velocity ?? [0, 0];
  const size = o.size ? { lengthM: o.size[0], widthM: o.size[1], heightM: o.size[2] } : DEFAULT_SIZE_M[o.class];
  const c = o.covariance;
  return {
    trackId: o.id, objectClass: o.class, classConfidence: o.confidence, xM: o.position[0], yM: o.position[1], zM: 0,
    vxMps: vx, vyMps: vy, headingRad: vx || vy ? Math.atan2(vy, vx) : 0, yawRateRadps: 0, ...size,
    covariance: c ? packCovariance([
      [c[0][0], c[0][1], 0, 0], [c[1][0], c[1][1], 0, 0], [0, 0, o.velocity ? DEFAULT_VEL_VAR : 25, 0], [0, 0, 0, o.velocity ? DEFAULT_VEL_VAR : 25],
    ]) : null,
    existenceProbability: 1, ageS: 0,
  };
}

function toFrame(input: FuseInput, kind: PerceptionFrame['sourceKind']): PerceptionFrame {
  const t = Math.round(input.time * 1e9);
  return {
    sourceId: input.source, sourceKind: kind, sequence: 0, captureTimeNs: t, publishTimeNs: t, mapFrame: 'map',
    sensorPose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects: input.objects.map(toObject),
  };
}

export interface FusedJson {
  id: number;
  class: string;
  position: [number, number];
  velocity: [number, number];
  covariance: [[number, number], [number, number]] | null;
  method: string;
  sources: Array<{ source: string; id: number }>;
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

function toJson(o: FusedObject): FusedJson {
  const c = o.covariance;
  return {
    id: o.trackId, class: o.objectClass, position: [r6(o.xM), r6(o.yM)], velocity: [r6(o.vxMps), r6(o.vyMps)],
    covariance: c ? [[r6(c[0]), r6(c[1])], [r6(c[1]), r6(c[4])]] : null, method: o.method,
    sources: o.sources.map((s) => ({ source: s.sourceId, id: s.trackId })),
  };
}

/** Pure: the inputs in, the fused list out. 'intra' fuses as if all lists were of the reference's instant. */
export function fuseInputs(inputs: readonly FuseInput[], method: 'intra' | 'inter', horizonMs: number): FusedJson[] {
  const [ref, ...others] = inputs;
  if (!ref) throw new Error('give at least one --input');
  const own = toFrame(ref, 'vehicle');
  const roadside: RoadsideFrameInput[] = others.map((i) => {
    const f = toFrame(i, 'rsu');
    return { frame: method === 'intra' ? { ...f, captureTimeNs: own.captureTimeNs } : f, offsetNs: 0 };
  });
  const fused = method === 'intra' ? fuseIntraFrame(own, roadside) : fuseInterFrame(own, roadside, { maxPredictionHorizonMs: horizonMs });
  return fused.map(toJson);
}

export function readFuseInput(path: string): FuseInput {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const r = fuseInputSchema.safeParse(json);
  if (!r.success) throw new Error(`invalid input ${path}:\n${formatIssues(r.error.issues)}`);
  return r.data;
}

export function runFuseCommand(o: { input: string[]; method: string; horizonMs: number }): number {
  if (o.method !== 'intra' && o.method !== 'inter') throw new Error(`--method must be intra or inter, got "${o.method}"`);
  const fused = fuseInputs(o.input.map(readFuseInput), o.method, o.horizonMs);
  process.stdout.write(`${JSON.stringify(fused, null, 2)}\n`);
  return 0;
}
