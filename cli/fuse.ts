// `iaad fuse`: offline fusion of object lists from several sources, for debugging and regression. Input and
// output formats: docs/fuse-format.md. The reference (the newest list unless named) is what everything is fused
// onto, at its time; which one it is never depends on the order the inputs are given in.
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

/** `id` is the object's 1-based place in the output: the sources' own ids collide (each numbers its tracks). */
function toJson(o: FusedObject, index: number): FusedJson {
  const c = o.covariance;
  return {
    id: index + 1, class: o.objectClass, position: [r6(o.xM), r6(o.yM)], velocity: [r6(o.vxMps), r6(o.vyMps)],
    covariance: c ? [[r6(c[0]), r6(c[1])], [r6(c[1]), r6(c[4])]] : null, method: o.method,
    sources: o.sources.map((s) => ({ source: s.sourceId, id: s.trackId })),
  };
}

/**
 * The input everything is fused onto: the one whose source is `reference` when given, else the newest list (ties:
 * the smallest source id). The newest, because inter-frame fusion predicts forward only: a list more than one
 * vehicle period newer than the reference counts as from the future and contributes nothing.
 */
export function referenceIndex(inputs: readonly FuseInput[], reference?: string): number {
  if (reference !== undefined) {
    const i = inputs.findIndex((x) => x.source === reference);
    if (i < 0) throw new Error(`--reference ${reference}: no input has that source (${inputs.map((x) => x.source).join(', ')})`);
    return i;
  }
  let best = 0;
  for (let i = 1; i < inputs.length; i++) {
    const a = inputs[i]!;
    const b = inputs[best]!;
    if (a.time > b.time || (a.time === b.time && a.source < b.source)) best = i;
  }
  return best;
}

export interface FuseOptions {
  method: 'intra' | 'inter';
  horizonMs: number;
  /** Source id of the reference input; default: the newest (referenceIndex). */
  reference?: string;
}

/**
 * Pure: the inputs in, the fused list out, the same whatever order the inputs come in. 'intra' fuses as if all
 * lists were of the reference's instant.
 */
export function fuseInputs(inputs: readonly FuseInput[], o: FuseOptions): FusedJson[] {
  if (inputs.length === 0) throw new Error('give at least one --input');
  const seen = new Set<string>();
  for (const i of inputs) {
    // One list per source: two of one source are not independent, and the fusion would keep only one of them.
    if (seen.has(i.source)) throw new Error(`two inputs have source "${i.source}": give each source once`);
    seen.add(i.source);
  }
  const r = referenceIndex(inputs, o.reference);
  const own = toFrame(inputs[r]!, 'vehicle');
  // The others in source order (the fusion sorts them so too; stated here so nothing rests on argument order).
  const others = inputs.filter((_, i) => i !== r).sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const roadside: RoadsideFrameInput[] = others.map((i) => {
    const f = toFrame(i, 'rsu');
    return { frame: o.method === 'intra' ? { ...f, captureTimeNs: own.captureTimeNs } : f, offsetNs: 0 };
  });
  const fused = o.method === 'intra'
    ? fuseIntraFrame(own, roadside)
    : fuseInterFrame(own, roadside, { maxPredictionHorizonMs: o.horizonMs });
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

export function runFuseCommand(o: { input: string[]; method: string; horizonMs: number; reference?: string }): number {
  if (o.method !== 'intra' && o.method !== 'inter') throw new Error(`--method must be intra or inter, got "${o.method}"`);
  const fused = fuseInputs(o.input.map(readFuseInput), {
    method: o.method, horizonMs: o.horizonMs, ...(o.reference !== undefined ? { reference: o.reference } : {}),
  });
  process.stdout.write(`${JSON.stringify(fused, null, 2)}\n`);
  return 0;
}
