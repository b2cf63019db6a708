// `iaad vehicle`: the vehicle process. Config -> own source, RSU links over MQTT/ZeroMQ, output socket ->
// pipeline; logs link state periodically and prints a JSON summary on exit. Testing and replay: --impair passes
// what arrives through a network model, --record writes what the links received, own frames and outputs to MCAP.
import { readFileSync } from 'node:fs';
import { map, tap } from 'rxjs';
import { loadConfigFile, resolveFrom } from '../shared/config/load.js';
import { preparePolyline, RouteProgress } from '../shared/geometry/polyline.js';
import { NetworkMap } from '../shared/netmap/network-map.js';
import { parseStrategy, strategyDef } from '../shared/fusion/strategies.js';
import { VehicleCore } from './core.js';
import { createLogger } from '../shared/log.js';
import type { EgoState } from '../shared/sources/detections.js';
import { openSource } from '../shared/sources/open.js';
import { requireResolvableHosts } from '../shared/net/hosts.js';
import { msToNs, offsetClock, systemClock } from '../shared/time/clock.js';
import { connectMqtt, type MqttTransport } from '../shared/transport/mqtt.js';
import { bindZmqServer, connectZmqClient } from '../shared/transport/zmq.js';
import { curveClientKeysFromConfig, mqttOptionsFromConfig } from '../shared/transport/credentials.js';
import type { Transport } from '../shared/transport/types.js';
import type { ProcessCommandArgs } from '../shared/process/command-args.js';
import { waitForShutdown } from '../shared/process/shutdown.js';
import { memorySample } from '../shared/process/memory.js';
import { metadataFromEnv, vehicleMetadata } from '../shared/record/metadata.js';
import { rsuWireLimits, vehicleConfigSchema } from './config.js';
import { startVehicle } from './pipeline.js';
import { RsuLink } from './rsu-link.js';
import { DEFAULT_RSU_RELEVANCE, rsuRelevanceFor } from '../shared/link/relevance.js';
import { summarizeVehicle } from './summary.js';
import { loadSecurity } from '../shared/keys/security.js';

/** Flags of the command (cli/main.ts): every process's, plus a strategy override. */
export interface VehicleCommandArgs extends ProcessCommandArgs {
  /** Overrides the config strategy. */
  strategy?: string;
}

export async function runVehicleCommand(o: VehicleCommandArgs): Promise<number> {
  const { config, baseDir, path } = loadConfigFile(vehicleConfigSchema, o.config);
  const log = createLogger(`vehicle:${config.vehicle.id}`);
  const clock = o.clockOffsetMs ? offsetClock(systemClock, msToNs(o.clockOffsetMs)) : systemClock;
  const strategy = o.strategy === undefined ? config.strategy : parseStrategy(o.strategy, '--strategy');
  // Keys first: a bad key file fails the start before any socket opens.
  const sec = config.security;
  const security = loadSecurity(sec, baseDir, clock.nowNs());
  // Only loaded when asked for: a plain vehicle never loads the MCAP writer.
  const io = o.record ? await import('../shared/record/process-recording.js') : null;
  const source = openSource(config.source, baseDir, clock, log, o.startAtMs !== undefined ? { startAtMs: o.startAtMs } : {});
  await requireResolvableHosts(path, [
    ...(config.mqtt ? [{ field: 'mqtt.url', address: config.mqtt.url }] : []),
    ...config.rsus.flatMap((r, i) => (r.zmq ? [
      { field: `rsus.${i}.zmq.pubEndpoint`, address: r.zmq.pubEndpoint }, { field: `rsus.${i}.zmq.pullEndpoint`, address: r.zmq.pullEndpoint },
    ] : [])),
    { field: 'output.endpoint', address: config.output.endpoint, bind: true },
    ...(config.source.type === 'zmq-pull' ? [{ field: 'source.endpoint', address: config.source.endpoint, bind: true }] : []),
  ]);

  const owned: Transport[] = [];
  const site = (field: string) => ({ baseDir, origin: path, field });
  // Read key, certificate and password files before opening anything: a bad one fails the start, naming it.
  const mqttOptions = config.mqtt && mqttOptionsFromConfig(config.mqtt, site('mqtt'));
  const curveByRsu = new Map(config.rsus.flatMap((r, i) =>
    (r.zmq?.curve ? [[r.id, curveClientKeysFromConfig(r.zmq.curve, site(`rsus.${i}.zmq`))] as const] : [])));
  let mqtt: MqttTransport | null = null;
  if (mqttOptions) {
    mqtt = await connectMqtt({ ...mqttOptions, clientName: `iaad-veh-${config.vehicle.id}`, log, clock });
    owned.push(mqtt);
  }
  const zmqByRsu = new Map<string, Transport>();
  for (const r of config.rsus) {
    if (!r.zmq) continue;
    const z = connectZmqClient({
      downlink: r.zmq.pubEndpoint, uplink: r.zmq.pullEndpoint, receiveHighWaterMark: r.zmq.receiveHighWaterMark, clock,
      curve: curveByRsu.get(r.id), handshakeIntervalMs: r.zmq.handshakeTimeoutMs,
    });
    owned.push(z);
    zmqByRsu.set(r.id, z);
  }
  // Fail fast, naming the endpoint and its config field, and close what is already open (an open MQTT session
  // used to keep the process hanging after 'Address already in use').
  const output = await bindZmqServer({
    downlink: config.output.endpoint, sendHighWaterMark: config.output.sendHighWaterMark, clock,
  }).catch(async (err: unknown) => {
    await Promise.all(owned.map((t) => t.close()));
    throw new Error(`${path}: output.endpoint: cannot bind ${config.output.endpoint}: ${(err as Error).message}`);
  });
  owned.push(output);

  let netmap = config.netmap ? NetworkMap.fromJSON(JSON.parse(readFileSync(resolveFrom(baseDir, config.netmap), 'utf8'))) : null;
  if (strategyDef(strategy).needsNetmap && !netmap) {
    log.warn(`${strategy} without a network map (netmap): it starts empty and is learned online`);
    netmap = new NetworkMap({ mapFrame: config.vehicle.mapFrame });
  }
  const framePeriodMs = 1000 / config.rateHz;
  const setup = {
    vehicleId: config.vehicle.id, mapFrame: config.vehicle.mapFrame, framePeriodMs, intraWaitMs: config.intraWaitMs,
    link: { staleAfterMs: config.link.staleAfterMs, latencyWindowMs: config.link.windowMs, syncIntervalMs: config.clockSync.intervalMs },
    rsus: config.rsus.map((r) => ({
      id: r.id, paths: [...(r.mqtt && mqtt ? ['mqtt'] : []), ...(zmqByRsu.has(r.id) ? ['zmq'] : [])],
      ...(r.position ? { position: r.position } : {}),
    })),
    ...(config.rsus.some((r) => r.position) ? { rsuRelevance: config.rsuRelevance ?? { ...DEFAULT_RSU_RELEVANCE } } : {}),
    ...(config.route ? { route: config.route } : {}),
  };
  const rsuRelevance = rsuRelevanceFor(setup.rsus, setup.rsuRelevance);

  // --record: opened right before the pipeline starts; its start time is the replay's time origin.
  const recording = o.record && io
    ? await io.openProcessRecording(o.record, clock, vehicleMetadata({
      mode: 'process', strategy, startedAtNs: clock.nowNs(), setup, netmap: netmap?.toJSON(), config: path,
      extra: { ...(o.receive ? { network: o.receive.describe } : {}), ...metadataFromEnv() },
    })).catch(async (err: unknown) => {
      await Promise.all(owned.map((t) => t.close())); // open sockets would keep the process alive
      throw err;
    })
    : null;

  // --impair: the network model sees where the ego is (position- and route-indexed traces), from its own frames.
  let lastEgo: EgoState | undefined;
  const progress = config.route ? new RouteProgress(preparePolyline(config.route)) : null;
  const start = config.route?.[0] ?? { xM: 0, yM: 0 };
  const egoContext = () => {
    const p = lastEgo?.pose ?? start;
    return { egoXM: p.xM, egoYM: p.yM, ...(progress ? { routeSM: progress.update({ xM: p.xM, yM: p.yM }).sM } : {}) };
  };
  const runStartNs = o.startAtMs !== undefined ? msToNs(o.startAtMs) : clock.nowNs();
  let stream = 2;
  // Impaired first, recorded outside it: the recording holds what the vehicle actually received, and when.
  const receiving = (t: Transport): Transport => {
    const impaired = o.receive ? o.receive.wrap(t, { stream: stream++, clock, runStartNs, context: egoContext }) : t;
    return recording ? recording.wrap(impaired) : impaired;
  };
  const mqttPath = mqtt ? receiving(mqtt) : null;
  const links = config.rsus.map((r) => {
    const paths: Transport[] = [];
    if (r.mqtt && mqttPath) paths.push(mqttPath);
    const z = zmqByRsu.get(r.id);
    if (z) paths.push(receiving(z));
    return new RsuLink(
      { rsuId: r.id, region: r.region, vehicleId: config.vehicle.id, ...setup.link, seal: security.seal,
        rsuPosition: r.position, wireLimits: rsuWireLimits(r),
        ...(security.policy ? { auth: { ...security.policy, maxAgeMs: config.security?.maxAgeMs } } : {}) },
      paths, clock, log,
    );
  });
  log.info({ config: path, source: source.describe, rsus: config.rsus.map((r) => r.id), output: config.output.endpoint,
    strategy, impair: o.receive?.describe ?? null, record: o.record ?? null,
    security: { signedBy: security.keyId, trustedKeys: security.trustedKeys, requireSigned: security.policy?.requireSigned ?? false } }, 'vehicle started');

  const ownTransport = config.source.type === 'zmq-pull' ? 'zmq' : 'local';
  const own$ = source.batches$.pipe(
    tap((b) => (lastEgo = b.ego ?? lastEgo)),
    // Recorded as it arrives; fused as decoded from the recorded bytes, so that a replay fuses the very same.
    map((b) => (recording ? recording.process.own(config.vehicle.id, config.vehicle.mapFrame, b, ownTransport) : b)),
  );
  const core = new VehicleCore({
    vehicleId: config.vehicle.id, mapFrame: config.vehicle.mapFrame, strategy,
    ...(config.route ? { route: config.route } : {}), netmap, fusion: { vehicleFramePeriodMs: framePeriodMs },
  });
  const handle = startVehicle(
    {
      vehicleId: config.vehicle.id, mapFrame: config.vehicle.mapFrame, framePeriodMs, intraWaitMs: config.intraWaitMs,
      ...(rsuRelevance ? { rsuRelevance } : {}), seal: security.seal,
    },
    own$, links, output, core, clock, log,
    recording ? (_own, result, outputTimeNs) => recording.process.output(config.vehicle.id, result.output, outputTimeNs) : undefined,
  );
  const statsTimer = setInterval(() => {
    const now = clock.nowNs();
    log.info({ counters: { ...handle.counters, e2eLatencyMs: undefined }, strategy, links: links.map((l) => ({ ...l.monitor.snapshot(now), counters: l.counters })), memory: memorySample() }, 'stats');
  }, config.statsIntervalS * 1000);

  const why = await waitForShutdown(o.duration);
  clearInterval(statsTimer);
  await handle.stop();
  const summary = summarizeVehicle(config.vehicle.id, strategy, why, handle, links, owned, clock.nowNs());
  await Promise.all(owned.map((t) => t.close()));
  const recorded = recording && io ? await io.closeProcessRecording(recording, log) : null;
  log.info({ why }, 'vehicle stopped');
  process.stdout.write(`${JSON.stringify(recorded ? { ...summary, recording: recorded } : summary)}\n`);
  return 0;
}
