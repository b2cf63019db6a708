// Real roadside and vehicle processes for the authentication and restart tests (rogue-rsu.test.ts,
// restarts.test.ts): configs written to a temp dir, processes started and restarted one by one, their stats log
// lines watched, the vehicle's output socket watched like a downstream planner.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { filter, firstValueFrom, map, Subject, timeout, type Observable } from 'rxjs';
import { startChild, type Child } from '../../sim/realtime/children.js';
import { connectZmqClient } from '../../shared/transport/zmq.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import { outputTopic } from '../../vehicle/pipeline.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import type { LinkState } from '../../shared/link/link-monitor.js';
import type { RsuLinkCounters } from '../../vehicle/rsu-link.js';
import type { RoadsideCounters } from '../../roadside/pipeline.js';
import type { Transport } from '../../shared/transport/types.js';

export const SCENARIO = resolve('examples/occluded-crossing');
export const MAP_FRAME = 'enu:occluded-crossing';
export const REGION = 'demo';
/** The RSU pretends its clock is this far ahead: a forged offset would show against it. */
export const RSU_OFFSET_MS = 25;
/** A safety net only: what never came is named by the assertion after it. */
export const GIVE_UP_MS = 90_000;

export type LinkStats = LinkState & { counters: RsuLinkCounters };

export interface Endpoints {
  mqttUrl: string;
  pub: string;
  pull: string;
  out: string;
}

export interface Security {
  roadside?: Record<string, unknown>;
  vehicle?: Record<string, unknown>;
}

export function writeConfigs(dir: string, ep: Endpoints, security: Security = {}): { roadside: string; vehicle: string } {
  const mqtt = { url: ep.mqttUrl, protocolVersion: 'auto', keepaliveS: 10 };
  const roadside = {
    rsu: { id: 'rsu-1', region: REGION, mapFrame: MAP_FRAME, sensorPose: { xM: 8, yM: 8, zM: 6, yawRad: -2.356, pitchRad: 0, rollRad: 0 } },
    rateHz: 10, source: { type: 'trace', path: join(SCENARIO, 'rsu-1.jsonl'), loop: true }, frameValidityMs: 1000,
    transports: { mqtt, zmq: { pubEndpoint: ep.pub, pullEndpoint: ep.pull, sendHighWaterMark: 16 } },
    statsIntervalS: 1, ...(security.roadside ? { security: security.roadside } : {}),
  };
  const vehicle = {
    vehicle: { id: 'veh-1', mapFrame: MAP_FRAME }, rateHz: 10, strategy: 'adaptive',
    source: { type: 'trace', path: join(SCENARIO, 'vehicle.jsonl'), loop: true }, mqtt,
    rsus: [{ id: 'rsu-1', region: REGION, mqtt: true, zmq: { pubEndpoint: ep.pub, pullEndpoint: ep.pull } }],
    route: [{ xM: -75, yM: -1.75 }, { xM: 30, yM: -1.75 }],
    output: { endpoint: ep.out }, statsIntervalS: 1, ...(security.vehicle ? { security: security.vehicle } : {}),
  };
  const files = { roadside: join(dir, 'roadside.json'), vehicle: join(dir, 'vehicle.json') };
  writeFileSync(files.roadside, JSON.stringify(roadside, null, 2));
  writeFileSync(files.vehicle, JSON.stringify(vehicle, null, 2));
  return files;
}

/** One started process and its stats log lines as they come. */
export interface Running {
  child: Child;
  stats$: Observable<Record<string, unknown>>;
  /** The latest stats line. */
  latest: () => Record<string, unknown> | null;
}

export function start(role: 'roadside' | 'vehicle', config: string, logFile: string): Running {
  const args = [role, '--config', config, ...(role === 'roadside' ? ['--clock-offset-ms', String(RSU_OFFSET_MS)] : [])];
  const child = startChild(role, args, logFile);
  const stats$ = new Subject<Record<string, unknown>>();
  let latest: Record<string, unknown> | null = null;
  createInterface({ input: child.process.stderr! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'stats') {
        latest = entry;
        stats$.next(entry);
      }
    } catch {
      // not a log line
    }
  });
  void child.done.then(() => stats$.complete());
  return { child, stats$, latest: () => latest };
}

/** The vehicle's one RSU link in a stats line. */
export const linkOf = (stats: Record<string, unknown>): LinkStats => (stats.links as LinkStats[])[0]!;
export const rsuCounters = (stats: Record<string, unknown>): RoadsideCounters => stats.counters as RoadsideCounters;

/** Resolves with the first stats line that passes `ready`; rejects (naming `what`) if none does in GIVE_UP_MS. */
export function statsShow(p: Running, what: string, ready: (stats: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return firstValueFrom(p.stats$.pipe(
    filter(ready),
    timeout({ first: GIVE_UP_MS, with: () => { throw new Error(`${what}: never seen in ${p.child.name}'s stats (last: ${JSON.stringify(p.latest())})`); } }),
  ));
}

/** Stops a process and returns its exit code and summary. */
export async function stop<S>(p: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; summary: S | null }> {
  p.child.stop(signal);
  const done = await p.child.done;
  const summary = done.outputs.find((o) => (o as { type?: string }).type === 'summary') as S | undefined;
  return { code: done.code, summary: summary ?? null };
}

/** The vehicle's output socket, watched like a downstream planner: every output frame, decoded. */
export function watchOutput(endpoint: string): { frames: PerceptionFrame[]; close: () => Promise<void> } {
  const planner: Transport = connectZmqClient({ downlink: endpoint, clock: systemClock, reconnectMaxIntervalMs: 250 });
  const frames: PerceptionFrame[] = [];
  const sub = planner.subscribe(outputTopic('veh-1')).pipe(map((m) => decodeEnvelope(m.payload).payload)).subscribe((p) => {
    if (p.kind === 'frame') frames.push(p.frame);
  });
  return { frames, close: async () => { sub.unsubscribe(); await planner.close(); } };
}
