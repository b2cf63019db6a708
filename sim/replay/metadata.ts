// Reading a recording's metadata back (written by shared/record/metadata.ts), so that a replay can rebuild the
// vehicle exactly as it ran and, when the run came from a scenario, score it against ground truth; and the
// scenario part of that metadata, which only the simulator writes.
import { z } from 'zod';
import { META, type VehicleReplaySetup } from '../../shared/record/metadata.js';
import { parseStrategy, type StrategyName } from '../../shared/fusion/strategies.js';
import type { Scenario } from '../world/scenario.js';

const setupSchema = z.object({
  vehicleId: z.string().min(1),
  mapFrame: z.string(),
  framePeriodMs: z.number().positive(),
  intraWaitMs: z.number().min(0),
  link: z.object({ staleAfterMs: z.number(), latencyWindowMs: z.number(), syncIntervalMs: z.number().positive() }),
  rsus: z.array(z.object({
    id: z.string().min(1), paths: z.array(z.string()), position: z.object({ xM: z.number(), yM: z.number() }).optional(),
  })),
  rsuRelevance: z.object({ subscribeWithinM: z.number().positive(), releaseBeyondM: z.number().positive() }).optional(),
  route: z.array(z.object({ xM: z.number(), yM: z.number() })).optional(),
});

/** The scenario a run came from, when it did: what truth-based scoring needs. */
export interface RecordedScenario {
  /** Name or file path as given to the command. */
  name: string;
  embedded: Scenario | null;
  cicv5g: string | null;
  seed: number;
  startNs: number;
  network: string | null;
}

export interface RecordingDescription {
  role: string | null;
  mode: string | null;
  strategy: StrategyName | null;
  startedAtNs: number | null;
  vehicle: VehicleReplaySetup | null;
  netmap: unknown;
  scenario: RecordedScenario | null;
  config: string | null;
}

const finite = (v: string | undefined): number | null => {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

function json(meta: Readonly<Record<string, string>>, key: string): unknown {
  const v = meta[key];
  if (v === undefined) return null;
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new Error(`recording metadata "${key}" is not JSON: ${(err as Error).message}`);
  }
}

/** Reads the metadata back; unknown or missing keys give nulls (the replay then infers from the channels). */
export function describeRecording(meta: Readonly<Record<string, string>>): RecordingDescription {
  const rawSetup = json(meta, META.vehicle);
  let vehicle: VehicleReplaySetup | null = null;
  if (rawSetup !== null) {
    const r = setupSchema.safeParse(rawSetup);
    if (!r.success) throw new Error(`recording metadata "${META.vehicle}": ${r.error.issues[0]?.message ?? 'invalid'}`);
    vehicle = r.data;
  }
  const seed = finite(meta[META.seed]);
  const startNs = finite(meta[META.scenarioStartNs]);
  const name = meta[META.scenario];
  const scenario: RecordedScenario | null = name && seed !== null && startNs !== null
    ? {
      name, embedded: json(meta, META.scenarioJson) as Scenario | null, cicv5g: meta[META.cicv5g] ?? null, seed, startNs,
      network: meta[META.network] ?? null,
    }
    : null;
  const strategy = meta[META.strategy];
  return {
    role: meta[META.role] ?? null,
    mode: meta[META.mode] ?? null,
    strategy: strategy ? parseStrategy(strategy, `recording metadata "${META.strategy}"`) : null,
    startedAtNs: finite(meta[META.startedAtNs]),
    vehicle,
    netmap: json(meta, META.netmap),
    scenario,
    config: meta[META.config] ?? null,
  };
}

/** Scenario metadata: name, seed and time origin, so the recording can be scored against ground truth. */
export function scenarioMetadata(o: {
  name: string; seed: number; startNs: number; network?: string; cicv5g?: string | null; embedded?: Scenario;
}): Record<string, string> {
  return {
    [META.scenario]: o.name,
    [META.seed]: String(o.seed),
    [META.scenarioStartNs]: String(o.startNs),
    ...(o.network ? { [META.network]: o.network } : {}),
    ...(o.cicv5g ? { [META.cicv5g]: o.cicv5g } : {}),
    ...(o.embedded ? { [META.scenarioJson]: JSON.stringify(o.embedded) } : {}),
  };
}

