// `iaad vehicle`: the vehicle process. Config -> own source, RSU links over MQTT/ZeroMQ, output socket ->
// pipeline; logs link state periodically and prints a JSON summary on exit.
import { readFileSync } from 'node:fs';
import { loadConfigFile, resolveFrom } from '../shared/config/load.js';
import { NetworkMap } from '../shared/netmap/network-map.js';
import { VehicleCore } from './core.js';
import { createLogger } from '../shared/log.js';
import { openSource } from '../shared/sources/open.js';
import { msToNs, offsetClock, systemClock } from '../shared/time/clock.js';
import { connectMqtt, type MqttTransport } from '../shared/transport/mqtt.js';
import { bindZmqServer, connectZmqClient } from '../shared/transport/zmq.js';
import type { Transport } from '../shared/transport/types.js';
import { waitForShutdown } from '../cli/signals.js';
import { vehicleConfigSchema } from './config.js';
import { startVehicle } from './pipeline.js';
import { RsuLink } from './rsu-link.js';
import { summarizeVehicle } from './summary.js';

/** Flags of the command (cli/main.ts). */
export interface VehicleCommandArgs {
  config: string;
  /** Stop after this many seconds (default: until SIGINT/SIGTERM). */
  duration?: number;
  /** Testing: pretend this host clock is off by this much. */
  clockOffsetMs?: number;
  /** Testing: pass what this process receives through this network model (docs/network-models.md). */
  impair?: string;
  /** Record what this process receives and sends to this MCAP file. */
  record?: string;
  /** Start trace replay at this wall-clock time, ms since epoch (aligns processes). */
  startAtMs?: number;
  /** Overrides the config strategy. */
  strategy?: string;
}

export async function runVehicleCommand(o: VehicleCommandArgs): Promise<number> {
  const { config, baseDir, path } = loadConfigFile(vehicleConfigSchema, o.config);
  const log = createLogger(`vehicle:${config.vehicle.id}`);
  const clock = o.clockOffsetMs ? offsetClock(systemClock, msToNs(o.clockOffsetMs)) : systemClock;
  const source = openSource(config.source, baseDir, clock, log);

  const owned: Transport[] = [];
  let mqtt: MqttTransport | null = null;
  if (config.mqtt) {
    mqtt = await connectMqtt({
      url: config.mqtt.url, clientId: `iaad-veh-${config.vehicle.id}`, protocolVersion: config.mqtt.protocolVersion,
      clock, keepaliveS: config.mqtt.keepaliveS, username: config.mqtt.username, password: config.mqtt.password,
    });
    owned.push(mqtt);
  }
  const links = config.rsus.map((r) => {
    const paths: Transport[] = [];
    if (r.mqtt && mqtt) paths.push(mqtt);
    if (r.zmq) {
      const z = connectZmqClient({
        downlink: r.zmq.pubEndpoint, uplink: r.zmq.pullEndpoint, receiveHighWaterMark: r.zmq.receiveHighWaterMark, clock,
      });
      owned.push(z);
      paths.push(z);
    }
    return new RsuLink(
      { rsuId: r.id, region: r.region, vehicleId: config.vehicle.id, staleAfterMs: config.link.staleAfterMs,
        latencyWindowMs: config.link.windowMs, syncIntervalMs: config.clockSync.intervalMs },
      paths, clock, log,
    );
  });
  const output = await bindZmqServer({
    downlink: config.output.endpoint, sendHighWaterMark: config.output.sendHighWaterMark, clock,
  });
  owned.push(output);
  log.info({ config: path, source: source.describe, rsus: config.rsus.map((r) => r.id), output: config.output.endpoint },
    'vehicle started');

  const netmap = config.netmap ? NetworkMap.fromJSON(JSON.parse(readFileSync(resolveFrom(baseDir, config.netmap), 'utf8'))) : null;
  const core = new VehicleCore({
    vehicleId: config.vehicle.id, mapFrame: config.vehicle.mapFrame, strategy: config.strategy,
    ...(config.route ? { route: config.route } : {}), netmap, fusion: { vehicleFramePeriodMs: 1000 / config.rateHz },
  });
  const handle = startVehicle(
    { vehicleId: config.vehicle.id, mapFrame: config.vehicle.mapFrame, framePeriodMs: 1000 / config.rateHz,
      intraWaitMs: config.intraWaitMs },
    source.batches$, links, output, core, clock, log,
  );
  const statsTimer = setInterval(() => {
    const now = clock.nowNs();
    log.info({ counters: { ...handle.counters, e2eLatencyMs: undefined }, strategy: config.strategy, links: links.map((l) => l.monitor.snapshot(now)) }, 'stats');
  }, config.statsIntervalS * 1000);

  const why = await waitForShutdown(o.duration);
  clearInterval(statsTimer);
  await handle.stop();
  const summary = summarizeVehicle(config.vehicle.id, config.strategy, why, handle, links, owned, clock.nowNs());
  await Promise.all(owned.map((t) => t.close()));
  log.info({ why }, 'vehicle stopped');
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}
