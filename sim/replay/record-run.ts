// `iaad sim run --record FILE`: a virtual-time run that also records its vehicle side, with the metadata a replay
// needs to rebuild the vehicle (setup, strategy, starting network map) and to score it (the scenario itself,
// seed, network, time origin). `iaad sim replay FILE` then reproduces the run's metrics.json byte for byte.
import { McapRecorder } from '../../shared/record/recorder.js';
import { runVirtual, type SimRunOptions, type SimRunResult } from '../engine/virtual-run.js';
import { virtualVehicleSetup } from '../engine/run-config.js';
import { SIM_EPOCH_NS } from '../engine/sim-clock.js';
import { vehicleMetadata } from '../../shared/record/metadata.js';
import { scenarioMetadata } from './metadata.js';

export interface SimRecordingOptions {
  /** The scenario as the command was given it (built-in name or file); default the scenario's name. */
  scenarioArg?: string;
  /** CICV5G trace the scenario was built from, if any. */
  cicv5g?: string | null;
  /** Smaller chunks bound what a crash loses (and make truncation tests meaningful); default the recorder's. */
  chunkSizeBytes?: number;
}

export async function recordVirtualRun(file: string, o: SimRunOptions, r: SimRecordingOptions = {}): Promise<SimRunResult> {
  const recorder = await McapRecorder.open(file, {
    profile: 'iaad',
    overwrite: true, // a simulation is reproducible from its seed: nothing precious to protect
    ...(r.chunkSizeBytes ? { chunkSizeBytes: r.chunkSizeBytes } : {}),
    metadata: {
      ...vehicleMetadata({
        mode: 'virtual', strategy: o.strategy, startedAtNs: SIM_EPOCH_NS, setup: virtualVehicleSetup(o.scenario),
        // Taken before the run: adaptive-st refines the map as it drives, the replay must start where this did.
        netmap: o.netmap ? o.netmap.toJSON() : undefined,
      }),
      ...scenarioMetadata({
        name: r.scenarioArg ?? o.scenario.name, seed: o.seed, startNs: SIM_EPOCH_NS, network: o.network,
        cicv5g: r.cicv5g ?? null, embedded: o.scenario,
      }),
    },
  });
  try {
    return runVirtual({ ...o, recorder });
  } finally {
    await recorder.close();
  }
}
