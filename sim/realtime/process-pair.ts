// One RSU and one vehicle as separate OS processes over real transports: the demo, the end-to-end tests and the
// simulator's real-time mode all run through here. Writes both configs, starts both processes, watches the
// vehicle's output socket like a downstream planner, stops them after the duration and returns their summaries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectZmqClient } from '../../shared/transport/zmq.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { RoadsideConfig } from '../../roadside/config.js';
import type { RoadsideCounters } from '../../roadside/pipeline.js';
import type { VehicleConfig } from '../../vehicle/config.js';
import { outputTopic } from '../../vehicle/pipeline.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import type { TransportStats } from '../../shared/transport/types.js';
import { startChild } from '../../cli/children.js';
import type { StrategyName } from '../../vehicle/core.js';
import type { PathPoint } from '../../shared/model/types.js';

export interface RoadsideSummary {
  type: 'summary';
  role: 'roadside';
  id: string;
  counters: RoadsideCounters;
  transports: Array<{ kind: string } & TransportStats>;
}

export interface PairOptions {
  /** Folder with `<rsuId>.jsonl` and `vehicle.jsonl`. */
  scenarioDir: string;
  mapFrame: string;
  /** Where configs and process logs go. */
  workDir: string;
  durationS: number;
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
}

export interface PairResult {
  roadside: RoadsideSummary | null;
  vehicle: VehicleSummary | null;
  roadsideExit: number | null;
  vehicleExit: number | null;
  /** Output frames a downstream subscriber received, and the objects they carried. */
  outputSeen: number;
  outputObjects: number;
  workDir: string;
}

export async function runProcessPair(o: PairOptions): Promise<PairResult> {
  const rsuId = o.rsuId ?? 'rsu-1';
  const vehicleId = o.vehicleId ?? 'veh-1';
  const region = 'demo';
  const mqtt = o.mqttUrl ? { url: o.mqttUrl, protocolVersion: 'auto' as const, keepaliveS: 10 } : undefined;
  const roadside: RoadsideConfig = {
    rsu: { id: rsuId, region, mapFrame: o.mapFrame, sensorPose: { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 } },
    rateHz: 10, source: { type: 'trace', path: join(o.scenarioDir, `${rsuId}.jsonl`), loop: true }, frameValidityMs: 1000,
    transports: {
      ...(mqtt ? { mqtt } : {}),
      ...(o.zmq ? { zmq: { ...o.zmq, sendHighWaterMark: 16, receiveHighWaterMark: 64 } } : {}),
    },
    tracking: { enabled: true }, advisories: { enabled: true, validityS: 3, maxHorizonS: 12 },
    statsIntervalS: 5,
  };
  const vehicle: VehicleConfig = {
    vehicle: { id: vehicleId, mapFrame: o.mapFrame }, rateHz: 10, strategy: o.strategy ?? 'adaptive', intraWaitMs: 100,
    ...(o.route ? { route: o.route } : {}),
    source: { type: 'trace', path: join(o.scenarioDir, 'vehicle.jsonl'), loop: true },
    ...(mqtt ? { mqtt } : {}),
    rsus: [{ id: rsuId, region, mqtt: mqtt !== undefined, ...(o.zmq ? { zmq: { ...o.zmq, receiveHighWaterMark: 64 } } : {}) }],
    output: { endpoint: o.outputEndpoint, sendHighWaterMark: 16 },
    link: { windowMs: 2000, staleAfterMs: 1000 }, clockSync: { intervalMs: 1000 }, statsIntervalS: 5,
  };
  const roadsideFile = join(o.workDir, 'roadside.json');
  const vehicleFile = join(o.workDir, 'vehicle.json');
  writeFileSync(roadsideFile, JSON.stringify(roadside, null, 2));
  writeFileSync(vehicleFile, JSON.stringify(vehicle, null, 2));

  // Short reconnect cap: the vehicle binds its output a moment after this connects.
  const planner = connectZmqClient({ downlink: o.outputEndpoint, clock: systemClock, reconnectMaxIntervalMs: 250 });
  let outputSeen = 0;
  let outputObjects = 0;
  const watch = planner.subscribe(outputTopic(vehicleId)).subscribe((m) => {
    const e = decodeEnvelope(m.payload);
    if (e.payload.kind === 'frame') {
      outputSeen++;
      outputObjects += e.payload.frame.objects.length;
    }
  });

  const rsuArgs = ['roadside', '--config', roadsideFile];
  if (o.rsuClockOffsetMs) rsuArgs.push('--clock-offset-ms', String(o.rsuClockOffsetMs));
  const rsuChild = startChild('roadside', rsuArgs, join(o.workDir, 'roadside.log'));
  const vehChild = startChild('vehicle', ['vehicle', '--config', vehicleFile], join(o.workDir, 'vehicle.log'));
  await new Promise((r) => setTimeout(r, o.durationS * 1000));
  // Vehicle first, so that every frame the RSU published while the vehicle listened is counted.
  vehChild.stop();
  const veh = await vehChild.done;
  rsuChild.stop();
  const rsu = await rsuChild.done;
  watch.unsubscribe();
  await planner.close();

  return {
    roadside: (rsu.outputs.find((x) => (x as RoadsideSummary).role === 'roadside') as RoadsideSummary | undefined) ?? null,
    vehicle: (veh.outputs.find((x) => (x as VehicleSummary).role === 'vehicle') as VehicleSummary | undefined) ?? null,
    roadsideExit: rsu.code,
    vehicleExit: veh.code,
    outputSeen,
    outputObjects,
    workDir: o.workDir,
  };
}
