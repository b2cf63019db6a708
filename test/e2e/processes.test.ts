// The roadside and vehicle as separate OS processes exchanging frames end to end, over real brokers (aedes
// in-process, mosquitto as its own process) and ZeroMQ over tcp:// and ipc://. The processes run until their
// own periodic stats show what the test checks, then are stopped: never for a fixed time counted from spawn
// (starting them alone can take seconds on a busy machine).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { combineLatest, filter, firstValueFrom, of, skip, timeout } from 'rxjs';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { freePort } from '../../shared/net/ports.js';
import type { LinkState } from '../../shared/link/link-monitor.js';
import { runProcessPair, type PairResult, type PairWatch } from '../../sim/realtime/process-pair.js';
import type { RsuLinkCounters } from '../../vehicle/rsu-link.js';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { mosquittoOrSkip, startMosquitto } from '../support/mosquitto.js';
import { tempIpcEndpoint } from '../support/net.js';

const SCENARIO = resolve('examples/occluded-crossing');
const MAP_FRAME = 'enu:occluded-crossing';
const OFFSET_MS = 25;
/** Frames each checked path must have delivered before the processes are stopped. */
const MIN_FRAMES = 15;
/** A safety net only: past it the processes are stopped anyway and the assertions say what was missing. */
const GIVE_UP_MS = 90_000;

type LinkStats = LinkState & { counters: RsuLinkCounters };

/**
 * Resolves once the vehicle logs stats whose links pass `ready` and the downstream planner has seen 10 output
 * frames (the vehicle logs stats every 5 s; the summary it prints on stop has at least these counts).
 */
function vehicleStatsShow(ready: (links: LinkStats[]) => boolean): (w: PairWatch) => Promise<unknown> {
  return ({ logs$, outputs$ }) => firstValueFrom(combineLatest([
    logs$.pipe(filter((l) => l.process === 'vehicle' && l.entry.msg === 'stats' && ready(l.entry.links as LinkStats[]))),
    outputs$.pipe(skip(9)),
  ]).pipe(timeout({ first: GIVE_UP_MS, with: () => of(null) })));
}

/** Both paths of the one link delivered MIN_FRAMES and the clock offset is estimated. */
const bothPathsDelivered = vehicleStatsShow(([link]) =>
  (link?.paths.mqtt?.received ?? 0) >= MIN_FRAMES && (link?.paths.zmq?.received ?? 0) >= MIN_FRAMES && link?.clock.offsetNs != null);

function checkPair(r: PairResult, expectMqttVersion: 4 | 5): void {
  const where = `(logs in ${r.workDir})`;
  assert.ok(r.roadside, `roadside printed no summary ${where}`);
  assert.ok(r.vehicle, `vehicle printed no summary ${where}`);
  assert.equal(r.roadsideExit, 0);
  assert.equal(r.vehicleExit, 0);
  const link = r.vehicle.links[0]!;
  const mqtt = link.state.paths.mqtt;
  const zmq = link.state.paths.zmq;
  assert.ok(mqtt && mqtt.received >= MIN_FRAMES, `mqtt delivered ${mqtt?.received} frames ${where}`);
  assert.ok(zmq && zmq.received >= MIN_FRAMES, `zmq delivered ${zmq?.received} frames ${where}`);
  // Both paths carry the same frames: every frame is emitted once, the other copy is dropped as a duplicate.
  assert.equal(link.dedupe.passed, link.state.merged.received);
  assert.equal(link.dedupe.passed + link.dedupe.duplicatesDropped, link.counters.receivedPerPath.mqtt! + link.counters.receivedPerPath.zmq!);
  assert.equal((link.dedupe.firstArrivals.mqtt ?? 0) + (link.dedupe.firstArrivals.zmq ?? 0), link.dedupe.passed);
  assert.equal(link.state.merged.lost, 0, 'nothing is lost on loopback');
  assert.equal(link.counters.decodeErrors, 0);
  assert.equal(link.counters.expired, 0);
  // The RSU's clock is 25 ms ahead; the NTP-style exchange must find it to within its own error bound, half the
  // round trip of the exchange it used (how small that is depends on the machine's load, not on the code).
  const { offsetNs, uncertaintyNs } = link.state.clock;
  assert.ok(offsetNs !== null && uncertaintyNs !== null, 'no clock-sync exchange completed');
  const [offsetMs, boundMs] = [offsetNs / 1e6, uncertaintyNs / 1e6];
  assert.ok(Math.abs(offsetMs - OFFSET_MS) <= boundMs, `estimated offset ${offsetMs} ms ± ${boundMs}, expected ${OFFSET_MS}`);
  // ...so one-way latency is corrected by it: uncorrected, the RSU's stamps 25 ms ahead would make it negative.
  const latency = link.state.merged.latency;
  assert.ok(latency?.p50Ms != null && latency.p50Ms > -OFFSET_MS / 2, `merged latency p50 ${latency?.p50Ms} ms`);
  assert.ok(r.outputSeen >= 10, `downstream saw ${r.outputSeen} output frames`);
  const mqttTransport = r.vehicle.transports.find((t) => t.kind === 'mqtt');
  assert.equal(mqttTransport?.protocolVersion, expectMqttVersion);
  assert.ok(r.roadside!.counters.framesPublished >= link.state.merged.received);
}

describe('roadside and vehicle processes end to end', function () {
  this.timeout(GIVE_UP_MS + 60_000);

  it('exchange frames over the embedded broker (MQTT 3.1.1) and ZeroMQ tcp://', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const [pub, pull, out] = [await freePort(), await freePort(), await freePort()];
      const r = await runProcessPair({
        scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), until: bothPathsDelivered,
        mqttUrl: broker.url, zmq: { pubEndpoint: `tcp://127.0.0.1:${pub}`, pullEndpoint: `tcp://127.0.0.1:${pull}` },
        outputEndpoint: `tcp://127.0.0.1:${out}`, rsuClockOffsetMs: OFFSET_MS,
      });
      checkPair(r, 4);
    } finally {
      await broker.close();
    }
  });

  it('exchange frames over mosquitto (MQTT 5) and ZeroMQ ipc://', async function () {
    const bin = mosquittoOrSkip(this);
    const mosquitto = await startMosquitto(bin);
    try {
      const r = await runProcessPair({
        scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), until: bothPathsDelivered,
        mqttUrl: mosquitto.url, zmq: { pubEndpoint: tempIpcEndpoint('pub'), pullEndpoint: tempIpcEndpoint('pull') },
        outputEndpoint: tempIpcEndpoint('out'), rsuClockOffsetMs: OFFSET_MS,
      });
      checkPair(r, 5);
    } finally {
      await mosquitto.stop();
    }
  });

  it('a vehicle given RSU positions listens to the near RSU and drops the far one undecoded', async () => {
    // Two roadside processes with the same trace: rsu-1 at the crossing, rsu-far 5 km away (the ego stays near x 0).
    const dir = mkdtempSync(join(tmpdir(), 'iaad-e2e-far-'));
    for (const f of ['vehicle.jsonl', 'rsu-1.jsonl']) copyFileSync(join(SCENARIO, f), join(dir, f));
    copyFileSync(join(SCENARIO, 'rsu-1.jsonl'), join(dir, 'rsu-far.jsonl'));
    const pose = (xM: number) => ({ xM, yM: 8, zM: 6, yawRad: -2.356, pitchRad: 0, rollRad: 0 });
    const rsus = [];
    for (const [id, xM] of [['rsu-1', 8], ['rsu-far', 5000]] as const) {
      rsus.push({ id, sensorPose: pose(xM), zmq: { pubEndpoint: `tcp://127.0.0.1:${await freePort()}`, pullEndpoint: `tcp://127.0.0.1:${await freePort()}` } });
    }
    const r = await runProcessPair({
      scenarioDir: dir, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), rsus,
      until: vehicleStatsShow(([near, far]) => (near?.merged.received ?? 0) >= MIN_FRAMES && (far?.counters.outOfRange ?? 0) >= MIN_FRAMES),
      outputEndpoint: `tcp://127.0.0.1:${await freePort()}`,
    });
    const where = `(logs in ${r.workDir})`;
    assert.equal(r.vehicleExit, 0, where);
    const [near, far] = r.vehicle!.links;
    assert.deepEqual([near!.rsuId, far!.rsuId], ['rsu-1', 'rsu-far']);
    assert.ok(near!.state.merged.received >= MIN_FRAMES && near!.counters.outOfRange === 0, `near: ${JSON.stringify(near!.counters)} ${where}`);
    // The far RSU's frames arrived and were dropped before decoding, all but any that came before the vehicle's
    // first own frame (no position yet: every RSU counts until then).
    assert.ok(far!.counters.outOfRange >= MIN_FRAMES, `far: ${JSON.stringify(far!.counters)} ${where}`);
    assert.ok(far!.state.merged.received <= 3, `far frames used: ${far!.state.merged.received} ${where}`);
    assert.equal(far!.counters.outOfRange + far!.state.merged.received, far!.counters.receivedPerPath.zmq);
  });

  it('refuse a bad config with exit code 2 and a message naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-badcfg-'));
    const file = join(dir, 'roadside.yaml');
    writeFileSync(file, 'rsu: { id: "rsu/1", mapFrame: m }\nsource: { type: trace, path: x.jsonl }\ntransports: { zmq: { pubEndpoint: "http://x", pullEndpoint: "tcp://127.0.0.1:1" } }\n');
    const r = spawnSync(process.execPath, [IAAD_BIN, 'roadside', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /rsu\.id: may contain only letters/);
    assert.match(r.stderr, /transports\.zmq\.pubEndpoint: must be tcp:\/\/HOST:PORT or ipc:\/\/PATH/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for an operator error');
  });
});
