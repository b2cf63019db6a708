import { occludedCrossing } from './occluded-crossing.js';
import type { Scenario } from './types.js';

export const BUILTIN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  [occludedCrossing.name]: occludedCrossing,
};

export function builtinScenario(name: string): Scenario {
  const s = BUILTIN_SCENARIOS[name];
  if (!s) throw new Error(`unknown scenario "${name}"; built in: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}`);
  return s;
}

export type { Scenario } from './types.js';
