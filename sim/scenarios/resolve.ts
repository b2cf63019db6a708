// Scenario + network for a simulator command: a built-in name or a scenario file, and (for cicv5g-drive) the real
// trace that gives the route and, by default, the network (`trace:FILE@position`: link quality where the car was).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadScenario } from './file.js';
import { defaultNetwork, resolveCicv5gFile } from './index.js';
import type { Scenario } from '../world/scenario.js';

export interface ResolvedScenario {
  scenario: Scenario;
  network: string;
  cicv5gPath: string | null;
}

export function resolveScenario(nameOrFile: string, cicv5g: string | undefined, network: string | undefined): ResolvedScenario {
  const cicv5gPath = cicv5g ? resolveCicv5gFile(cicv5g) : null;
  const scenario = loadScenario(nameOrFile, cicv5g ? { cicv5gFile: cicv5g } : {});
  const net = (network !== undefined ? networkSpec(network) : null)
    ?? (cicv5gPath ? `trace:${cicv5gPath}@${scenario.mapFrame === 'utm51n' ? 'position' : 'time'}` : null)
    ?? defaultNetwork(scenario.name) ?? null;
  if (!net) {
    throw new Error('--network is required (e.g. fixed:20, jitter:20,5, trace:FILE@time); with --cicv5g it defaults to the trace, '
      + 'and mixed-corridor brings its own');
  }
  // A bare trace @worst means the worst window as long as this scenario.
  return { scenario, network: net.replace(/@worst(?=\+|$)/g, `@worst:${scenario.durationS}`), cicv5gPath };
}

/**
 * `--network` as a network spec: a bare CICV5G file (a path, or a drive's name as for --cicv5g) given as the whole
 * spec means `trace:FILE@time`. Every spec stage is KIND:ARGS, so a value without ":" can only be meant as a file,
 * and one that names an existing file is read as that file.
 */
export function networkSpec(network: string): string {
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  if (network.trim() === '' || (network.includes(':') && !isFile(resolve(network)))) return network;
  let path: string;
  try {
    path = resolveCicv5gFile(network);
    if (!isFile(path)) throw new Error(`${path} is not a file`);
  } catch (e) {
    throw new Error(`--network "${network}": ${(e as Error).message} (a --network without KIND: is read as a CICV5G file, as trace:FILE@time)`);
  }
  // The spec parser splits stages at "+" (models.ts), so such a path cannot be replayed.
  if (path.includes('+')) throw new Error(`--network "${network}": the path ${path} contains "+", which separates network stages`);
  return `trace:${path}@time`;
}
