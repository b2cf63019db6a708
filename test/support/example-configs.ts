// The README example (examples/occluded-crossing) as real processes on free ports: its YAML configs with the
// fixed ports swapped, next to copies of its traces, and the JSON log lines a started process writes.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Observable, share } from 'rxjs';
import type { Child } from '../../sim/realtime/children.js';

export const EXAMPLE_DIR = resolve('examples/occluded-crossing');

/** Port swaps per file: `{ 1883: brokerPort, 5560: ... }`; the vehicle's may differ from the roadside's. */
export type PortMap = Record<number, number>;

/** Writes roadside.yaml and vehicle.yaml (the example's, ports swapped) and the traces into dir. */
export function exampleConfigs(dir: string, roadsidePorts: PortMap, vehiclePorts: PortMap = roadsidePorts): { roadside: string; vehicle: string } {
  for (const f of ['rsu-1.jsonl', 'vehicle.jsonl']) copyFileSync(join(EXAMPLE_DIR, f), join(dir, f));
  const write = (name: 'roadside' | 'vehicle', ports: PortMap): string => {
    let text = readFileSync(join(EXAMPLE_DIR, `${name}.yaml`), 'utf8');
    for (const [from, to] of Object.entries(ports)) text = text.replaceAll(`127.0.0.1:${from}`, `127.0.0.1:${to}`);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  return { roadside: write('roadside', roadsidePorts), vehicle: write('vehicle', vehiclePorts) };
}

/** The child's pino log lines (stderr) as objects, shared: subscribe before waiting on them. */
export function logLines(child: Child): Observable<Record<string, unknown>> {
  return new Observable<Record<string, unknown>>((sub) => {
    const rl = createInterface({ input: child.process.stderr! });
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        sub.next(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    });
    rl.on('close', () => sub.complete());
    return () => rl.close();
  }).pipe(share());
}
