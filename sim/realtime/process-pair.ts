// RSUs and one vehicle as separate OS processes over real transports: the demo, the end-to-end tests and the
// simulator's real-time mode all run through here. Writes the configs, starts the processes, watches the
// vehicle's output socket like a downstream planner, stops them after the duration (or once a condition on their
// logs and output holds) and returns their summaries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Subject, type Observable } from 'rxjs';
import { connectZmqClient } from '../../shared/transport/zmq.js';
import { systemClock } from '../../shared/time/clock.js';
import { DEFAULT_ANSWER_WITHIN_M } from '../../shared/link/relevance.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { RoadsideConfig } from '../../roadside/config.js';
import type { RoadsideCounters } from '../../roadside/pipeline.js';
import type { VehicleConfig } from '../../vehicle/config.js';
import { outputTopic } from '../../vehicle/pipeline.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import type { TransportStats } from '../../shared/transport/types.js';
import { startChild } from './children.js';
import type { StrategyName } from '../../vehicle/core.js';
import type { PathPoint, PerceptionFrame, Pose } from '../../shared/model/types.js';
import { RECORD_METADATA_ENV } from '../../shared/record/metadata.js';

export interface RoadsideSummary {
  type: 'summary';
  role: 'roadside';
  id: string;
  counters: RoadsideCounters;
  transports: Array<{ kind: string } & TransportStats>;
}

/** One roadside process: its id, its own ZeroMQ endpoints (omit for MQTT only), its sensor pose. */
export interface RsuProcessSpec {
  id: string;
  zmq?: { pubEndpoint: string; pullEndpoint: string };
  sensorPose?: Pose;
}

/** One JSON line a process logged on stderr (pino), and which process: 'vehicle' or 'roadside:<rsuId>'. */
export interface ProcessLogLine {
  process: string;
  entry: Record<string, unknown>;
}

/** What a stop condition watches, as it comes: the processes' log lines and the vehicle's output frames. */
export interface PairWatch {
  logs$: Observable<ProcessLogLine>;
  outputs$: Observable<PerceptionFrame>;
}

export interface PairOptions {
  /** Folder with `<rsuId>.jsonl` and `vehicle.jsonl`. */
  scenarioDir: string;
  mapFrame: string;
  /** Where configs and process logs go. */
  workDir: string;
  /** Stop the processes this long after starting them. */
  durationS?: number;
  /**
   * Or stop them once this resolves (tests: once what they check has been seen, however slow the machine), or
   * once a process exits by itself. Called as they start; they are stopped whether it resolves or rejects, then
   * its error is thrown.
   */
  until?: (watch: PairWatch) => Promise<unknown>;
  /** Broker URL for the MQTT path; omit for ZeroMQ only. */
  mqttUrl?: string;
  /** RSU endpoints for the ZeroMQ path; omit for MQTT only. */
  zmq?: { pubEndpoint: string; pullEndpoint: string };
  /** The vehicle's output endpoint (ZeroMQ PUB). */
  outputEndpoint: string;
  /** The RSU pretends its clock is off by this much (clock-sync is then visible). */
  rsuClockOffsetMs?: number;
  rsuId?: string;
  vehicleId?: string;
  strategy?: StrategyName;
  /** The ego route (map frame), for intents, planning and the planner. */
  route?: PathPoint[];
  /** Several RSUs, one process each, traces `<id>.jsonl` (default: one RSU from rsuId and zmq). */
  rsus?: RsuProcessSpec[];
  /** Restart the traces at their end (default true: the demo runs as long as asked). */
  loop?: boolean;
  /** Frames per second of both sides (default 10). */
  rateHz?: number;
  /** Both processes start their traces at this wall-clock time, ms since epoch (one scenario clock). */
  startAtMs?: number;
  /** `--impair` of each side: what the vehicle receives (downlink), what the RSUs receive (uplink). */
  impair?: { vehicle?: string; roadside?: string };
  /** `--record` files. */
  record?: { vehicle?: string; roadside?: (rsuId: string) => string };
  /** Extra recording metadata for both processes (scenario, seed, ...: what makes a recording scorable). */
  recordMetadata?: Record<string, string>;
  /** Network-map file for the vehicle (adaptive-st). */
  netmapFile?: string;
}

export interface PairResult {
  /** The first RSU's summary (the only one unless `rsus` had several). */
  roadside: RoadsideSummary | null;
  roadsides: Array<RoadsideSummary | null>;
  vehicle: VehicleSummary | null;
  roadsideExit: number | null;
  roadsideExits: Array<number | null>;
  vehicleExit: number | null;
  /** Output frames a downstream subscriber received, and the objects they carried. */
  outputSeen: number;
  outputObjects: number;
  workDir: string;
}

export async function runProcessPair(o: PairOptions): Promise<PairResult> {
  const vehicleId = o.vehicleId ?? 'veh-1';
  const region = 'demo';
  const rateHz = o.rateHz ?? 10;
  const loop = o.loop ?? true;
  const rsus: RsuProcessSpec[] = o.rsus ?? [{ id: o.rsuId ?? 'rsu-1', ...(o.zmq ? { zmq: o.zmq } : {}) }];
  const mqtt = o.mqttUrl ? { url: o.mqttUrl, protocolVersion: 'auto' as const, keepaliveS: 10 } : undefined;
  const roadsideFiles = rsus.map((r) => {
    const roadside: RoadsideConfig = {
      rsu: { id: r.id, region, mapFrame: o.mapFrame, sensorPose: r.sensorPose ?? { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 } },
      rateHz, source: { type: 'trace', path: join(o.scenarioDir, `${r.id}.jsonl`), loop }, frameValidityMs: 1000,
      transports: {
        ...(mqtt ? { mqtt } : {}),
        ...(r.zmq ? { zmq: { ...r.zmq, sendHighWaterMark: 16, receiveHighWaterMark: 64 } } : {}),
      },
      tracking: { enabled: true }, advisories: { enabled: true, validityS: 3, maxHorizonS: 12, answerWithinM: DEFAULT_ANSWER_WITHIN_M },
      statsIntervalS: 5,
    };
    const file = join(o.workDir, rsus.length === 1 ? 'roadside.json' : `roadside-${r.id}.json`);
    writeFileSync(file, JSON.stringify(roadside, null, 2));
    return file;
  });
  const vehicle: VehicleConfig = {
    vehicle: { id: vehicleId, mapFrame: o.mapFrame }, rateHz, strategy: o.strategy ?? 'adaptive', intraWaitMs: 100,
    ...(o.route ? { route: o.route } : {}),
    ...(o.netmapFile ? { netmap: o.netmapFile } : {}),
    source: { type: 'trace', path: join(o.scenarioDir, 'vehicle.jsonl'), loop },
    ...(mqtt ? { mqtt } : {}),
    // Positions from the RSU poses: the vehicle listens to the RSUs near it, as a virtual-time run's does.
    rsus: rsus.map((r) => ({
      id: r.id, region, mqtt: mqtt !== undefined, ...(r.zmq ? { zmq: { ...r.zmq, receiveHighWaterMark: 64 } } : {}),
      ...(r.sensorPose ? { position: { xM: r.sensorPose.xM, yM: r.sensorPose.yM } } : {}),
    })),
    output: { endpoint: o.outputEndpoint, sendHighWaterMark: 16 },
    link: { windowMs: 2000, staleAfterMs: 1000 }, clockSync: { intervalMs: 1000 }, statsIntervalS: 5,
  };
  const vehicleFile = join(o.workDir, 'vehicle.json');
  writeFileSync(vehicleFile, JSON.stringify(vehicle, null, 2));

  if ((o.durationS === undefined) === (o.until === undefined)) throw new Error('runProcessPair: give durationS or until');
  // Short reconnect cap: the vehicle binds its output a moment after this connects.
  const planner = connectZmqClient({ downlink: o.outputEndpoint, clock: systemClock, reconnectMaxIntervalMs: 250 });
  let outputSeen = 0;
  let outputObjects = 0;
  const logs$ = new Subject<ProcessLogLine>();
  const outputs$ = new Subject<PerceptionFrame>();
  const watch = planner.subscribe(outputTopic(vehicleId)).subscribe((m) => {
    const e = decodeEnvelope(m.payload);
    if (e.payload.kind === 'frame') {
      outputSeen++;
      outputObjects += e.payload.frame.objects.length;
      outputs$.next(e.payload.frame);
    }
  });

  const common: string[] = o.startAtMs !== undefined ? ['--start-at-ms', String(o.startAtMs)] : [];
  const children = withRecordMetadata(o.recordMetadata, () => {
    const rsuChildren = rsus.map((r, i) => {
      const args = ['roadside', '--config', roadsideFiles[i]!, ...common];
      if (o.rsuClockOffsetMs) args.push('--clock-offset-ms', String(o.rsuClockOffsetMs));
      if (o.impair?.roadside) args.push('--impair', o.impair.roadside);
      if (o.record?.roadside) args.push('--record', o.record.roadside(r.id));
      return startChild(`roadside:${r.id}`, args, join(o.workDir, rsus.length === 1 ? 'roadside.log' : `roadside-${r.id}.log`));
    });
    const args = ['vehicle', '--config', vehicleFile, ...common];
    if (o.impair?.vehicle) args.push('--impair', o.impair.vehicle);
    if (o.record?.vehicle) args.push('--record', o.record.vehicle);
    return { rsuChildren, vehChild: startChild('vehicle', args, join(o.workDir, 'vehicle.log')) };
  });
  const all = [...children.rsuChildren, children.vehChild];
  for (const c of all) {
    createInterface({ input: c.process.stderr! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        logs$.next({ process: c.name, entry: JSON.parse(line) as Record<string, unknown> });
      } catch {
        // not a log line
      }
    });
  }
  const failed = await (o.until
    ? Promise.race([o.until({ logs$, outputs$ }), ...all.map((c) => c.done)]).then(() => null, (err: unknown) => ({ err }))
    : new Promise<null>((r) => setTimeout(() => r(null), o.durationS! * 1000)));
  // Vehicle first, so that every frame the RSU published while the vehicle listened is counted.
  children.vehChild.stop();
  const veh = await children.vehChild.done;
  for (const c of children.rsuChildren) c.stop();
  const rsuDone = await Promise.all(children.rsuChildren.map((c) => c.done));
  watch.unsubscribe();
  await planner.close();
  logs$.complete();
  outputs$.complete();
  if (failed) throw failed.err;

  const roadsides = rsuDone.map((d) => (d.outputs.find((x) => (x as RoadsideSummary).role === 'roadside') as RoadsideSummary | undefined) ?? null);
  return {
    roadside: roadsides[0] ?? null,
    roadsides,
    vehicle: (veh.outputs.find((x) => (x as VehicleSummary).role === 'vehicle') as VehicleSummary | undefined) ?? null,
    roadsideExit: rsuDone[0]?.code ?? null,
    roadsideExits: rsuDone.map((d) => d.code),
    vehicleExit: veh.code,
    outputSeen,
    outputObjects,
    workDir: o.workDir,
  };
}

/** Children inherit the environment when spawned: set the recording metadata just for those spawns. */
function withRecordMetadata<T>(metadata: Record<string, string> | undefined, spawn: () => T): T {
  if (!metadata) return spawn();
  const before = process.env[RECORD_METADATA_ENV];
  process.env[RECORD_METADATA_ENV] = JSON.stringify(metadata);
  try {
    return spawn();
  } finally {
    if (before === undefined) delete process.env[RECORD_METADATA_ENV];
    else process.env[RECORD_METADATA_ENV] = before;
  }
}
