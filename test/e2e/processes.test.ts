// The roadside and vehicle as separate OS processes exchanging frames end to end, over real brokers (aedes
// in-process, mosquitto as its own process) and ZeroMQ over tcp:// and ipc://.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { freePort } from '../../shared/net/ports.js';
import { runProcessPair, type PairResult } from '../../sim/realtime/process-pair.js';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { mosquittoOrSkip, startMosquitto } from '../support/mosquitto.js';
import { tempIpcEndpoint } from '../support/net.js';

const SCENARIO = resolve('examples/occluded-crossing');
const MAP_FRAME = 'enu:occluded-crossing';
const OFFSET_MS = 25;

function checkPair(r: PairResult, expectMqttVersion: 4 | 5): void {
  const where = `(logs in ${r.workDir})`;
  assert.ok(r.roadside, `roadside printed no summary ${where}`);
  assert.ok(r.vehicle, `vehicle printed no summary ${where}`);
  assert.equal(r.roadsideExit, 0);
  assert.equal(r.vehicleExit, 0);
  const link = r.vehicle.links[0]!;
  const mqtt = link.state.paths.mqtt;
  const zmq = link.state.paths.zmq;
  assert.ok(mqtt && mqtt.received >= 15, `mqtt delivered ${mqtt?.received} frames ${where}`);
  assert.ok(zmq && zmq.received >= 15, `zmq delivered ${zmq?.received} frames ${where}`);
  // Both paths carry the same frames: every frame is emitted once, the other copy is dropped as a duplicate.
  assert.equal(link.dedupe.passed, link.state.merged.received);
  assert.equal(link.dedupe.passed + link.dedupe.duplicatesDropped, link.counters.receivedPerPath.mqtt! + link.counters.receivedPerPath.zmq!);
  assert.equal((link.dedupe.firstArrivals.mqtt ?? 0) + (link.dedupe.firstArrivals.zmq ?? 0), link.dedupe.passed);
  assert.equal(link.state.merged.lost, 0, 'nothing is lost on loopback');
  assert.equal(link.counters.decodeErrors, 0);
  assert.equal(link.counters.expired, 0);
  // The RSU's clock is 25 ms ahead; the NTP-style exchange must find it to within a millisecond or two.
  const offsetNs = link.state.clock.offsetNs;
  assert.ok(offsetNs !== null, 'no clock-sync exchange completed');
  const offsetMs = offsetNs / 1e6;
  assert.ok(Math.abs(offsetMs - OFFSET_MS) < 2, `estimated offset ${offsetMs} ms, expected ${OFFSET_MS}`);
  // ...so one-way latency stays loopback-small instead of showing the 25 ms clock error.
  const latency = link.state.merged.latency;
  assert.ok(latency?.p50Ms != null && latency.p50Ms < 10, `merged latency p50 ${latency?.p50Ms} ms`);
  assert.ok(r.outputSeen >= 10, `downstream saw ${r.outputSeen} output frames`);
  const mqttTransport = r.vehicle.transports.find((t) => t.kind === 'mqtt');
  assert.equal(mqttTransport?.protocolVersion, expectMqttVersion);
  assert.ok(r.roadside!.counters.framesPublished >= link.state.merged.received);
}

describe('roadside and vehicle processes end to end', function () {
  this.timeout(60_000);

  it('exchange frames over the embedded broker (MQTT 3.1.1) and ZeroMQ tcp://', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const [pub, pull, out] = [await freePort(), await freePort(), await freePort()];
      const r = await runProcessPair({
        scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), durationS: 7,
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
        scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), durationS: 7,
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
      scenarioDir: dir, mapFrame: MAP_FRAME, workDir: mkdtempSync(join(tmpdir(), 'iaad-e2e-')), durationS: 6, rsus,
      outputEndpoint: `tcp://127.0.0.1:${await freePort()}`,
    });
    const where = `(logs in ${r.workDir})`;
    assert.equal(r.vehicleExit, 0, where);
    const [near, far] = r.vehicle!.links;
    assert.deepEqual([near!.rsuId, far!.rsuId], ['rsu-1', 'rsu-far']);
    assert.ok(near!.state.merged.received >= 15 && near!.counters.outOfRange === 0, `near: ${JSON.stringify(near!.counters)} ${where}`);
    // The far RSU's frames arrived and were dropped before decoding, all but any that came before the vehicle's
    // first own frame (no position yet: every RSU counts until then).
    assert.ok(far!.counters.outOfRange >= 15, `far: ${JSON.stringify(far!.counters)} ${where}`);
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
