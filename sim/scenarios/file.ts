// Scenario files: a Scenario (sim/world/scenario.ts) as JSON or YAML, validated field by field so an error names
// the bad field ("actors.3.trajectory.2.tS: times must not go backwards"). loadScenario picks a built-in by name or
// reads a file.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, formatIssues, readDataFile } from '../../shared/config/load.js';
import { idSchema } from '../../shared/config/schemas.js';
import { OBJECT_CLASSES } from '../../shared/model/types.js';
import { builtinScenario, isBuiltinScenario, listScenarios, type BuiltinScenarioOptions } from './index.js';
import type { Scenario } from '../world/scenario.js';

const point2Schema = z.object({ xM: z.number(), yM: z.number() }).strict();

const waypointSchema = z.object({ tS: z.number().min(0, 'must be >= 0 (seconds from the start)'), xM: z.number(), yM: z.number() }).strict();

/** Non-empty, times non-decreasing (sampleTrajectory walks them in order). */
const trajectorySchema = z
  .array(waypointSchema)
  .min(1, 'needs at least one waypoint')
  .superRefine((wps, ctx) => {
    for (let i = 1; i < wps.length; i++) {
      if (wps[i]!.tS < wps[i - 1]!.tS) {
        ctx.addIssue({ code: 'custom', path: [i, 'tS'], message: `times must not go backwards (${wps[i]!.tS} < ${wps[i - 1]!.tS})` });
      }
    }
  });

export const sensorSpecSchema = z
  .object({
    rangeM: z.number().positive(),
    fovRad: z.number().positive().max(2 * Math.PI, 'must be at most 2*pi (a 360-degree sensor)'),
    occlusion: z.boolean(),
    posNoiseStdM: z.number().min(0),
    velNoiseStdMps: z.number().min(0),
    missProbability: z.number().min(0).max(1),
    falsePositivesPerCycle: z.number().min(0),
    latencyMs: z.number().min(0),
  })
  .strict();

export const sensorPoseSchema = z.object({ xM: z.number(), yM: z.number(), zM: z.number(), yawRad: z.number() }).strict();

export const rsuSpecSchema = z.object({ id: idSchema, pose: sensorPoseSchema, sensor: sensorSpecSchema }).strict();

export const actorSpecSchema = z
  .object({
    // 0 is the ego's id in ground truth.
    id: z.number().int().min(1, 'must be >= 1 (0 is the ego)'),
    objectClass: z.enum(OBJECT_CLASSES),
    lengthM: z.number().positive(),
    widthM: z.number().positive(),
    heightM: z.number().positive(),
    trajectory: trajectorySchema,
  })
  .strict();

export const egoSpecSchema = z
  .object({ route: trajectorySchema, sensor: sensorSpecSchema, lengthM: z.number().positive(), widthM: z.number().positive() })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1, 'must not be empty'),
    description: z.string(),
    mapFrame: z.string().min(1, 'must not be empty'),
    durationS: z.number().positive(),
    frameRateHz: z.number().positive().max(1000),
    lanes: z.array(z.array(point2Schema).min(2, 'a lane needs at least two points')),
    ego: egoSpecSchema,
    rsus: z.array(rsuSpecSchema),
    actors: z.array(actorSpecSchema),
  })
  .strict()
  .superRefine((s, ctx) => {
    const unique = <T>(items: readonly T[], key: (t: T) => string | number, field: 'rsus' | 'actors'): void => {
      const seen = new Map<string | number, number>();
      items.forEach((item, i) => {
        const k = key(item);
        const first = seen.get(k);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field, i, 'id'], message: `duplicate id ${JSON.stringify(k)} (also ${field}.${first})` });
        } else seen.set(k, i);
      });
    };
    unique(s.rsus, (r) => r.id, 'rsus');
    unique(s.actors, (a) => a.id, 'actors');
  });

// The schema must produce exactly the Scenario shape; this line fails to compile if the two drift apart.
const shapeCheck = (s: z.output<typeof scenarioSchema>): Scenario => s;
void shapeCheck;

/** Validates parsed data as a Scenario; `origin` names the source in the error. */
export function parseScenario(data: unknown, origin = '<data>'): Scenario {
  const r = scenarioSchema.safeParse(data);
  if (!r.success) throw new ConfigError(`invalid scenario ${origin}:\n${formatIssues(r.error.issues)}`);
  return r.data;
}

/** Reads a scenario from a .json file or a YAML file (any other extension). */
export function loadScenarioFile(file: string): Scenario {
  const { data, path } = readDataFile(file, 'scenario');
  return parseScenario(data, path);
}

export type LoadScenarioOptions = BuiltinScenarioOptions;

/**
 * A built-in scenario by name (`opts` as for builtinScenario), else a scenario file at that path. Built-in names
 * win over a file of the same name in the working folder; use "./name" to mean the file.
 */
export function loadScenario(nameOrPath: string, opts: LoadScenarioOptions = {}): Scenario {
  if (isBuiltinScenario(nameOrPath)) return builtinScenario(nameOrPath, opts);
  if (existsSync(nameOrPath)) return loadScenarioFile(nameOrPath);
  throw new ConfigError(
    `unknown scenario "${nameOrPath}": not a built-in (${listScenarios().map((l) => l.name).join(', ')}) and no such file`,
  );
}
