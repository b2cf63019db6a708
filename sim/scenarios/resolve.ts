// Scenario + network for a simulator command: a built-in name or a file, and (for cicv5g-drive) the real trace
// that gives both the route and, by default, the network (`trace:FILE@position`).
import { builtinScenario } from './index.js';
import type { Scenario } from './types.js';

export interface ResolvedScenario {
  scenario: Scenario;
  network: string;
  cicv5gPath: string | null;
}

export function resolveScenario(nameOrFile: string, cicv5g: string | undefined, network: string | undefined): ResolvedScenario {
  const scenario = builtinScenario(nameOrFile);
  if (!network) throw new Error('--network is required for this scenario (e.g. fixed:20, jitter:20,5, trace:FILE@time)');
  return { scenario, network, cicv5gPath: cicv5g ?? null };
}
