// `iaad roadside`: the RSU process. Config -> source, transports -> pipeline; prints a JSON summary on exit.
// Testing: --impair passes what it receives (intents, sync requests) through a network model; --record writes
// what it sends and receives to MCAP.
import { loadConfigFile } from '../shared/config/load.js';
import { createLogger } from '../shared/log.js';
import { openSource } from '../shared/sources/open.js';
import { requireResolvableHosts } from '../shared/net/hosts.js';
import { msToNs, offsetClock, systemClock } from '../shared/time/clock.js';
import { connectMqtt } from '../shared/transport/mqtt.js';
import { bindZmqServer } from '../shared/transport/zmq.js';
import { curveServerKeysFromConfig, mqttOptionsFromConfig } from '../shared/transport/credentials.js';
import type { Transport } from '../shared/transport/types.js';
import type { ProcessCommandArgs } from '../shared/process/command-args.js';
import { waitForShutdown } from '../shared/process/shutdown.js';
import { memorySample } from '../shared/process/memory.js';
import { metadataFromEnv, roadsideMetadata } from '../shared/record/metadata.js';
import { roadsideConfigSchema } from './config.js';
import { startRoadside } from './pipeline.js';
import { loadSecurity } from '../shared/keys/security.js';

export async function runRoadsideCommand(o: ProcessCommandArgs): Promise<number> {
  const { config, baseDir, path } = loadConfigFile(roadsideConfigSchema, o.config);
  const log = createLogger(`roadside:${config.rsu.id}`);
  const clock = o.clockOffsetMs ? offsetClock(systemClock, msToNs(o.clockOffsetMs)) : systemClock;
  // Keys first: a bad key file fails the start before any socket opens.
  const sec = config.security;
  const security = loadSecurity(sec ? { ...sec, requireSigned: sec.requireSignedIntents } : undefined, baseDir, clock.nowNs());
  // Only loaded when asked for: a plain RSU never loads the MCAP writer.
  const io = o.record ? await import('../shared/record/process-recording.js') : null;
  const source = openSource(config.source, baseDir, clock, log, o.startAtMs !== undefined ? { startAtMs: o.startAtMs } : {});
  const zmq = config.transports.zmq;
  const mqtt = config.transports.mqtt;
  await requireResolvableHosts(path, [
    ...(mqtt ? [{ field: 'transports.mqtt.url', address: mqtt.url }] : []),
    ...(zmq ? [
      { field: 'transports.zmq.pubEndpoint', address: zmq.pubEndpoint, bind: true }, { field: 'transports.zmq.pullEndpoint', address: zmq.pullEndpoint, bind: true },
    ] : []),
    ...(config.source.type === 'zmq-pull' ? [{ field: 'source.endpoint', address: config.source.endpoint, bind: true }] : []),
  ]);

  const raw: Transport[] = [];
  const site = (field: string) => ({ baseDir, origin: path, field });
  // Read key, certificate and password files before opening anything: a bad one fails the start, naming it.
  const curve = zmq?.curve && curveServerKeysFromConfig(zmq.curve, site('transports.zmq'));
  const mqttOptions = mqtt && mqttOptionsFromConfig(mqtt, site('transports.mqtt'));
  if (zmq) {
    raw.push(await bindZmqServer({
      downlink: zmq.pubEndpoint, uplink: zmq.pullEndpoint, clock, curve, handshakeIntervalMs: zmq.handshakeTimeoutMs,
      sendHighWaterMark: zmq.sendHighWaterMark, receiveHighWaterMark: zmq.receiveHighWaterMark,
    }).catch((err: unknown) => {
      throw new Error(`${path}: transports.zmq (pubEndpoint ${zmq.pubEndpoint}, pullEndpoint ${zmq.pullEndpoint}): cannot bind: ${(err as Error).message}`);
    }));
  }
  if (mqttOptions) {
    raw.push(await connectMqtt({ ...mqttOptions, clientName: `iaad-rsu-${config.rsu.id}`, clock, log }));
  }
  const recording = o.record && io
    ? await io.openProcessRecording(o.record, clock, roadsideMetadata({
      rsuId: config.rsu.id, startedAtNs: clock.nowNs(), config: path,
      extra: { ...(o.receive ? { network: o.receive.describe } : {}), ...metadataFromEnv() },
    })).catch(async (err: unknown) => {
      await Promise.all(raw.map((t) => t.close())); // open sockets would keep the process alive
      throw err;
    })
    : null;
  const runStartNs = o.startAtMs !== undefined ? msToNs(o.startAtMs) : clock.nowNs();
  // Impaired first, recorded outside it: the recording holds what the RSU actually received, and when.
  const transports = raw.map((t, i) => {
    const impaired = o.receive ? o.receive.wrap(t, { stream: 3 + i, clock, runStartNs }) : t;
    return recording ? recording.wrap(impaired) : impaired;
  });
  log.info({ config: path, source: source.describe, transports: transports.map((t) => t.kind), impair: o.receive?.describe ?? null,
    record: o.record ?? null,
    security: { signedBy: security.keyId, trustedKeys: security.trustedKeys, requireSignedIntents: security.policy?.requireSigned ?? false } }, 'roadside started');

  const handle = startRoadside(
    { rsuId: config.rsu.id, region: config.rsu.region, mapFrame: config.rsu.mapFrame, sensorPose: config.rsu.sensorPose,
      rateHz: config.rateHz, frameValidityMs: config.frameValidityMs, tracking: config.tracking,
      advisories: { enabled: config.advisories.enabled,
        params: { validityS: config.advisories.validityS, maxHorizonS: config.advisories.maxHorizonS },
        answerWithinM: config.advisories.answerWithinM },
      seal: security.seal, ...(security.policy ? { auth: security.policy } : {}) },
    source.batches$, transports, clock, log,
  );
  const statsTimer = setInterval(() => {
    log.info({ counters: handle.counters, transports: transports.map((t) => ({ kind: t.kind, ...t.stats() })), memory: memorySample() }, 'stats');
  }, config.statsIntervalS * 1000);

  // A dead pipeline (its source failed) must not leave a process that answers clock sync but sends no frames.
  let failed = false;
  const why = await waitForShutdown(o.duration, handle.failure.then((err) => {
    failed = true;
    return `pipeline failed: ${err.message}`;
  }));
  clearInterval(statsTimer);
  await handle.stop();
  const transportStats = raw.map((t) => ({ kind: t.kind, ...t.stats() }));
  await Promise.all(raw.map((t) => t.close()));
  const recorded = recording && io ? await io.closeProcessRecording(recording, log) : null;
  log.info({ why }, 'roadside stopped');
  process.stdout.write(`${JSON.stringify({
    type: 'summary', role: 'roadside', id: config.rsu.id, stoppedBy: why, counters: handle.counters,
    ingest: source.ingest ?? null, transports: transportStats, ...(recorded ? { recording: recorded } : {}),
  })}\n`);
  return failed ? 1 : 0;
}
