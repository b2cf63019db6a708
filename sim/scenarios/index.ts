// Built-in scenarios: static ones (a fixed Scenario object) and built ones (made from data, e.g. a real drive).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCicv5g } from '../network/cicv5g.js';
import { buildCicv5gDriveScenario, CICV5G_DATA_DIR, CICV5G_FILES, cicv5gDataDir } from './cicv5g-drive.js';
import { highwayMerge } from './highway-merge.js';
import { MIXED_CORRIDOR_NETWORK, mixedCorridor } from './mixed-corridor.js';
import { occludedCrossing } from './occluded-crossing.js';
import type { Scenario } from '../world/scenario.js';

export const BUILTIN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  [occludedCrossing.name]: occludedCrossing,
  [highwayMerge.name]: highwayMerge,
  [mixedCorridor.name]: mixedCorridor,
};

/** Networks that built-in scenarios bring along, used when no --network is given. */
const DEFAULT_NETWORKS: Readonly<Record<string, string>> = {
  [mixedCorridor.name]: MIXED_CORRIDOR_NETWORK,
};

/** The network a built-in scenario comes with, if any. */
export function defaultNetwork(scenarioName: string): string | undefined {
  return DEFAULT_NETWORKS[scenarioName];
}

export interface BuiltinScenarioOptions {
  /**
   * cicv5g-drive: which trace. One of CICV5G_FILES (the ".txt" may be left off), looked up in the data folder
   * beside the repository, or a path to a CICV5G file.
   */
  cicv5gFile?: string;
  /** cicv5g-drive: RSU spacing along the route, m (default 120). */
  rsuSpacingM?: number;
  /** cicv5g-drive: traffic seed (default derived from the scenario name). */
  seed?: number;
  /** cicv5g-drive: use only the start of the trace, s. */
  maxDurationS?: number;
}

interface ScenarioBuilder {
  description: string;
  /** What the builder needs, for listings. */
  needs: string;
  build(opts: BuiltinScenarioOptions): Scenario;
}

export const CICV5G_DRIVE = 'cicv5g-drive';

const BUILDERS: Readonly<Record<string, ScenarioBuilder>> = {
  [CICV5G_DRIVE]: {
    description:
      'The ego replays a real CICV5G drive; RSUs every 120 m; parked trucks/buses hiding crossing pedestrians, '
      + 'cyclists, oncoming and parked cars placed along the route and timed from the ego\'s schedule.',
    needs: `cicv5gFile: one of ${CICV5G_FILES.join(', ')} (in ../shared/data/cicv5g/) or a path`,
    build: (opts) => {
      if (!opts.cicv5gFile) {
        throw new Error(`${CICV5G_DRIVE} needs a trace: one of ${CICV5G_FILES.join(', ')} or a path to a CICV5G file`);
      }
      return buildCicv5gDriveScenario(readCicv5g(resolveCicv5gFile(opts.cicv5gFile)), {
        ...(opts.rsuSpacingM !== undefined && { rsuSpacingM: opts.rsuSpacingM }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
        ...(opts.maxDurationS !== undefined && { maxDurationS: opts.maxDurationS }),
      });
    },
  },
};

/**
 * A CICV5G trace file: one of CICV5G_FILES (with or without ".txt") in the data folder, else a path. Throws a
 * message saying where the data was expected when it is absent.
 */
export function resolveCicv5gFile(fileOrPath: string): string {
  const known = CICV5G_FILES.find((f) => f === fileOrPath || f === `${fileOrPath}.txt`);
  if (known !== undefined) {
    const dir = cicv5gDataDir();
    if (dir === null) {
      throw new Error(`CICV5G trace ${known}: the data folder is missing (expected at ${CICV5G_DATA_DIR})`);
    }
    return join(dir, known);
  }
  const path = resolve(fileOrPath);
  if (!existsSync(path)) {
    throw new Error(`CICV5G trace "${fileOrPath}": no such file, and not one of ${CICV5G_FILES.join(', ')}`);
  }
  return path;
}

export interface ScenarioListing {
  name: string;
  description: string;
  /** 'static': a fixed scenario; 'built': made on request from data (see `needs`). */
  kind: 'static' | 'built';
  needs?: string;
}

export function listScenarios(): ScenarioListing[] {
  return [
    ...Object.values(BUILTIN_SCENARIOS).map((s): ScenarioListing => ({ name: s.name, description: s.description, kind: 'static' })),
    ...Object.entries(BUILDERS).map(([name, b]): ScenarioListing => ({ name, description: b.description, kind: 'built', needs: b.needs })),
  ];
}

/** `name` or `name:file` (the file shorthand is for command lines that only pass a name). */
function splitName(name: string): { base: string; file?: string } {
  const i = name.indexOf(':');
  return i < 0 ? { base: name } : { base: name.slice(0, i), file: name.slice(i + 1) };
}

export function isBuiltinScenario(name: string): boolean {
  const { base, file } = splitName(name);
  return file === undefined ? base in BUILTIN_SCENARIOS || base in BUILDERS : base in BUILDERS;
}

/**
 * A built-in scenario by name. Static ones ignore the options. `cicv5g-drive` needs `opts.cicv5gFile`, or the
 * name form `cicv5g-drive:<file>` (e.g. `cicv5g-drive:urban_n8_v30_run01`).
 */
export function builtinScenario(name: string, opts: BuiltinScenarioOptions = {}): Scenario {
  const { base, file } = splitName(name);
  const builder = BUILDERS[base];
  if (builder) return builder.build(file !== undefined && file !== '' ? { ...opts, cicv5gFile: file } : opts);
  const s = file === undefined ? BUILTIN_SCENARIOS[base] : undefined;
  if (!s) {
    throw new Error(`unknown scenario "${name}"; built in: ${listScenarios().map((l) => l.name).join(', ')}`);
  }
  return s;
}

export type { Scenario } from '../world/scenario.js';
