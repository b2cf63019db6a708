// What every run of a command shares: the resolved scenario and network, and the network map adaptive-st starts
// from. Built once per process (the main thread, or each worker of a parallel compare).
import { readFileSync } from 'node:fs';
import { NetworkMap } from '../../shared/netmap/network-map.js';
import { buildNetworkMapFromCicv5g } from '../../shared/netmap/build.js';
import { readCicv5g } from '../network/cicv5g.js';
import { resolveScenario, type ResolvedScenario } from '../scenarios/resolve.js';

/** Flags of `iaad sim run`. */
export interface SimRunArgs {
  scenario: string;
  cicv5g?: string;
  network?: string;
  netmap?: string;
  out: string;
  strategy: string;
  seed: number;
  realtime?: boolean;
  record?: string;
}

export interface SimCommonOptions {
  scenario: string;
  cicv5g?: string;
  network?: string;
  netmap?: string;
  out: string;
}

/** The command-line inputs of a simulated run (plain data: it crosses to worker threads). */
export interface RunSetupArgs {
  scenario: string;
  cicv5g?: string | undefined;
  network?: string | undefined;
  netmap?: string | undefined;
}

export interface RunSetup {
  resolved: ResolvedScenario;
  /** A fresh copy per run: the vehicle refines the map as it drives, and runs must not leak into each other. */
  netmap: () => NetworkMap;
}

/** The map adaptive-st starts from: a file, else built from the drive's CICV5G trace, else empty (learned online). */
export function runSetup(o: RunSetupArgs): RunSetup {
  const resolved = resolveScenario(o.scenario, o.cicv5g, o.network);
  // Read or built on first use: only adaptive-st runs need it.
  let json: unknown;
  const startingJson = (): unknown => {
    if (json !== undefined) return json;
    json = null;
    if (o.netmap) json = JSON.parse(readFileSync(o.netmap, 'utf8'));
    else if (resolved.cicv5gPath && resolved.scenario.mapFrame === 'utm51n') {
      json = buildNetworkMapFromCicv5g(readCicv5g(resolved.cicv5gPath)).toJSON();
    }
    return json;
  };
  return {
    resolved,
    netmap: () => {
      const start = startingJson();
      return start ? NetworkMap.fromJSON(start) : new NetworkMap({ mapFrame: resolved.scenario.mapFrame });
    },
  };
}
