// Worker side of perception-feed.ts: runs the roadside perception of a run from start to end, posting the
// tracked batches a second at a time and bumping the shared counter the main thread waits on.
import { workerData, type MessagePort } from 'node:worker_threads';
import { captureCount, RoadsidePerception, type PerceptionSpec } from './roadside-perception.js';
import type { PerceptionChunk } from './perception-feed.js';

const { spec, port, signal } = workerData as { spec: PerceptionSpec; port: MessagePort; signal: Int32Array };
const CHUNK_CAPTURES = 10;

function post(chunk: PerceptionChunk): void {
  port.postMessage(chunk);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

try {
  const perception = new RoadsidePerception(spec, undefined, true);
  const rsuCount = spec.scenario.rsus.length;
  const count = captureCount(spec.scenario, spec.rsuPhaseMs);
  for (let k0 = 0; k0 < count; k0 += CHUNK_CAPTURES) {
    const captures = [];
    for (let k = k0; k < Math.min(count, k0 + CHUNK_CAPTURES); k++) {
      captures.push(Array.from({ length: rsuCount }, (_, i) => perception.next(i)));
    }
    post({ captures });
  }
} catch (err) {
  post({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
}
