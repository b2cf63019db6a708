// What a recording says about itself (the 'iaad.recording' MCAP metadata record, string -> string), so that a
// replay can rebuild the vehicle exactly as it ran and, when the run came from a scenario, score it against
// ground truth. Written once when the recorder opens; everything here must be known before the run starts.
import { z } from 'zod';
import type { PathPoint } from '../../shared/model/types.js';
import { parseStrategy, type StrategyName } from '../../shared/fusion/strategies.js';
import type { Scenario } from '../scenarios/types.js';

/** Metadata keys (values are strings; JSON where noted). */
export const META = {
  role: 'role',
  vehicleId: 'vehicleId',
  rsuId: 'rsuId',
  strategy: 'strategy',
  /** Absolute path of the process's config file. */
  config: 'config',
  /** 'virtual' (iaad sim run), 'realtime' (iaad sim run --realtime) or 'process' (a field drive). */
  mode: 'mode',
  /** Vehicle clock, ns, when startVehicle ran: the replay's time origin (sync ticks are counted from it). */
  startedAtNs: 'startedAtNs',
  /** JSON VehicleReplaySetup. */
  vehicle: 'vehicle',
  /** JSON NetworkMapJson: the network map adaptive-st started from (it learns online, so the start matters). */
  netmap: 'netmap',
  /** Scenario name (built-in) or scenario file path. */
  scenario: 'scenario',
  /** The scenario itself as JSON (virtual runs embed it, so the file replays without the scenario source). */
  scenarioJson: 'scenarioJson',
  /** CICV5G trace the scenario was built from (cicv5g-drive). */
  cicv5g: 'cicv5g',
  seed: 'seed',
  /** Scenario time 0 on the vehicle clock, ns. */
  scenarioStartNs: 'scenarioStartNs',
  /** Network spec the run was impaired with. */
  network: 'network',
} as const;

/** Extra metadata a parent process hands to `iaad vehicle|roadside --record` (JSON object of strings). */
export const RECORD_METADATA_ENV = 'IAAD_RECORD_METADATA';

/** Everything startVehicle, RsuLink and VehicleCore were built with, except the strategy and the network map. */
export interface VehicleReplaySetup {
  vehicleId: string;
  mapFrame: string;
  framePeriodMs: number;
  intraWaitMs: number;
  link: { staleAfterMs: number; latencyWindowMs: number; syncIntervalMs: number };
  /**
   * One entry per RsuLink, in construction order; paths in the link's path order ('mqtt', 'zmq', 'memory');
   * position (map frame) when the vehicle listened to it only while near (rsuRelevance).
   */
  rsus: Array<{ id: string; paths: string[]; position?: { xM: number; yM: number } }>;
  /** The RsuRelevance parameters, when some RSU has a position. */
  rsuRelevance?: { subscribeWithinM: number; releaseBeyondM: number };
  route?: PathPoint[];
}

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

/** Metadata for a vehicle recording (strings only, as MCAP wants). */
export function vehicleMetadata(o: {
  mode: string; strategy: StrategyName; startedAtNs: number; setup: VehicleReplaySetup; netmap?: unknown;
  config?: string; extra?: Record<string, string>;
}): Record<string, string> {
  return {
    [META.mode]: o.mode,
    ...o.extra, // a parent's metadata (iaad sim run --realtime) may name the mode, scenario, seed, network
    [META.role]: 'vehicle',
    [META.vehicleId]: o.setup.vehicleId,
    [META.strategy]: o.strategy,
    [META.startedAtNs]: String(o.startedAtNs),
    [META.vehicle]: JSON.stringify(o.setup),
    ...(o.netmap ? { [META.netmap]: JSON.stringify(o.netmap) } : {}),
    ...(o.config ? { [META.config]: o.config } : {}),
  };
}

/** Metadata for a roadside recording. */
export function roadsideMetadata(o: { rsuId: string; startedAtNs: number; config?: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    [META.mode]: 'process',
    ...o.extra,
    [META.role]: 'roadside',
    [META.rsuId]: o.rsuId,
    [META.startedAtNs]: String(o.startedAtNs),
    ...(o.config ? { [META.config]: o.config } : {}),
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

/** Extra metadata from the environment (set by `iaad sim run --realtime` for its child processes). */
export function metadataFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env[RECORD_METADATA_ENV];
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${RECORD_METADATA_ENV} is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${RECORD_METADATA_ENV} must be a JSON object`);
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}
