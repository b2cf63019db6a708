// Scenario + network for a simulator command: a built-in name or a scenario file, and (for cicv5g-drive) the real
// trace that gives the route and, by default, the network (`trace:FILE@position`: link quality where the car was).
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
  const net = network ?? (cicv5gPath ? `trace:${cicv5gPath}@${scenario.mapFrame === 'utm51n' ? 'position' : 'time'}` : null)
    ?? defaultNetwork(scenario.name) ?? null;
  if (!net) {
    throw new Error('--network is required (e.g. fixed:20, jitter:20,5, trace:FILE@time); with --cicv5g it defaults to the trace, '
      + 'and mixed-corridor brings its own');
  }
  // A bare trace @worst means the worst window as long as this scenario.
  return { scenario, network: net.replace(/@worst(?=\+|$)/g, `@worst:${scenario.durationS}`), cicv5gPath };
}
