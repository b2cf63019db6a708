// What a recording says about itself (the 'iaad.recording' MCAP metadata record, string -> string), written by the
// processes (--record) and by the simulator when the recorder opens: everything here must be known before the run
// starts. sim/replay/metadata.ts reads it back for a replay.
import type { PathPoint } from '../model/types.js';

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

/** Metadata for a vehicle recording (strings only, as MCAP wants). */
export function vehicleMetadata(o: {
  mode: string; strategy: string; startedAtNs: number; setup: VehicleReplaySetup; netmap?: unknown;
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
