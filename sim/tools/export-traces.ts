// Renders a scenario's sensor output as JSON-lines traces (one per RSU, one for the ego vehicle), the format the
// roadside and vehicle processes replay (docs/trace-format.md). Deterministic for a given seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectionToJson } from '../../shared/sources/detections.js';
import type { Scenario } from '../world/scenario.js';
import { Rng } from '../world/rng.js';
import { sense } from '../sensors/sensor-model.js';
import { egoAt, EGO_ID, truthAt } from '../world/truth.js';

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

function roundDeep(value: unknown): unknown {
  if (typeof value === 'number') return round(value);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]));
  }
  return value;
}

export interface ExportedTraces {
  /** file name -> JSON-lines text */
  files: Record<string, string>;
}

export function renderTraces(s: Scenario, seed: number): ExportedTraces {
  const root = new Rng(seed);
  const rsuRng = s.rsus.map((_, i) => root.fork(100 + i));
  const egoRng = root.fork(1);
  const rsuLines: string[][] = s.rsus.map(() => []);
  const egoLines: string[] = [];
  const frames = Math.floor(s.durationS * s.frameRateHz);
  for (let k = 0; k < frames; k++) {
    const tS = k / s.frameRateHz;
    const truth = truthAt(s, tS);
    s.rsus.forEach((rsu, i) => {
      const objects = sense(rsu.sensor, rsu.pose, truth, rsuRng[i]!);
      rsuLines[i]!.push(JSON.stringify(roundDeep({ timeS: tS, objects: objects.map(detectionToJson) })));
    });
    const ego = egoAt(s, tS);
    const objects = sense(s.ego.sensor, { xM: ego.xM, yM: ego.yM, yawRad: ego.headingRad }, truth, egoRng, EGO_ID);
    const egoState = {
      pose: { xM: ego.xM, yM: ego.yM, zM: 0, yawRad: ego.headingRad, pitchRad: 0, rollRad: 0 },
      speedMps: Math.hypot(ego.vxMps, ego.vyMps),
    };
    egoLines.push(JSON.stringify(roundDeep({ timeS: tS, ego: egoState, objects: objects.map(detectionToJson) })));
  }
  const files: Record<string, string> = { 'vehicle.jsonl': egoLines.join('\n') + '\n' };
  s.rsus.forEach((rsu, i) => {
    files[`${rsu.id}.jsonl`] = rsuLines[i]!.join('\n') + '\n';
  });
  return { files };
}

export function writeTraces(s: Scenario, seed: number, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const { files } = renderTraces(s, seed);
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
