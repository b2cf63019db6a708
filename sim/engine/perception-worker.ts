// Worker side of perception-feed.ts: for each job (a run), computes what the run needs ahead, from start to end
// (the RSUs' perception and frame bytes, the vehicle's own sensor, the truth side of each vehicle frame's score),
// posting it a second at a time and bumping the shared counter the main thread waits on. The worker stays alive
// between jobs, so the code the JIT compiled for one run serves the next (perception-pool.ts).
import { parentPort } from 'node:worker_threads';
import { VehicleCore } from '../../vehicle/core.js';
import { GroundTruthSide, truthFrameAhead, type TruthPlanner } from '../metrics/scoring.js';
import { TruthTimeline } from '../world/truth.js';
import { EgoSensing } from './ego-sensing.js';
import type { PerceptionChunk } from './perception-feed.js';
import { MAX_CHUNKS_AHEAD, SIGNAL, type PerceptionJob } from './perception-job.js';
import { packChunk, type ChunkContent } from './chunk-codec.js';
import { captureCount, captureMs, SIM_EPOCH_NS, simTimeNs } from './sim-clock.js';
import { RoadsidePerception, type PerceivedCapture } from './roadside-perception.js';
import { RsuActivity } from './rsu-activity.js';
import { simVehicleCoreOptions } from './run-config.js';

const CHUNK_CAPTURES = 10;

function run({ spec, port, signal }: PerceptionJob): void {
  const post = (chunk: PerceptionChunk): void => {
    port.postMessage(chunk, 'numbers' in chunk ? [chunk.numbers.buffer, chunk.bytes.buffer] : []);
    Atomics.add(signal, SIGNAL.chunks, 1);
    Atomics.notify(signal, SIGNAL.chunks);
  };
  try {
    const s = spec.scenario;
    const perception = new RoadsidePerception(spec, undefined, true);
    const activity = new RsuActivity(s, spec.rsuPhaseMs, spec.rsuActivity);
    const own = new EgoSensing(s, spec.seed, new TruthTimeline(s));
    const side = new GroundTruthSide({
      scenario: s, originNs: SIM_EPOCH_NS,
      ...(spec.roiAheadM !== undefined ? { roiAheadM: spec.roiAheadM } : {}),
      ...(spec.roiLateralM !== undefined ? { roiLateralM: spec.roiLateralM } : {}),
    });
    // The vehicle's planner, configured as the run's (planWith uses only the route and the planner parameters).
    const core = new VehicleCore(simVehicleCoreOptions(s, spec.strategy, null));
    const planWith: TruthPlanner = (t, e, r, objects, memory) => core.planWith(t, e, r, objects, [], memory);
    const rsuCount = s.rsus.length;
    const rsuCaptures = captureCount(s, spec.rsuPhaseMs);
    const ownCaptures = captureCount(s, 0);
    for (let k0 = 0, posted = 0; k0 < Math.max(rsuCaptures, ownCaptures); k0 += CHUNK_CAPTURES, posted++) {
      if (!waitForRoom(signal, posted)) return;
      const chunk: ChunkContent = { captures: [], own: [], truth: [] };
      for (let k = k0; k < k0 + CHUNK_CAPTURES; k++) {
        if (k < rsuCaptures) {
          const instant: Array<PerceivedCapture | undefined> = [];
          for (let i = 0; i < rsuCount; i++) instant.push(activity.isActive(i, k) ? perception.next(i, k) : undefined);
          chunk.captures.push(instant);
        }
        if (k < ownCaptures) {
          chunk.own.push(own.next());
          chunk.truth.push(truthFrameAhead(side, simTimeNs(captureMs(s, 0, k)), planWith));
        }
      }
      post(packChunk(chunk));
    }
  } catch (err) {
    post({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  } finally {
    Atomics.store(signal, SIGNAL.done, 1);
    Atomics.notify(signal, SIGNAL.done);
  }
}

/** Waits until the run has taken enough chunks for one more; false if the run was cancelled meanwhile. */
function waitForRoom(signal: Int32Array, posted: number): boolean {
  for (;;) {
    if (Atomics.load(signal, SIGNAL.cancel) !== 0) return false;
    const taken = Atomics.load(signal, SIGNAL.taken);
    if (posted - taken < MAX_CHUNKS_AHEAD) return true;
    // The main thread notifies on each chunk taken and on cancel; the timeout only guards against a lost wake-up.
    Atomics.wait(signal, SIGNAL.taken, taken, 100);
  }
}

if (!parentPort) throw new Error('perception-worker.ts runs as a worker thread (perception-pool.ts starts it)');
parentPort.on('message', run);
