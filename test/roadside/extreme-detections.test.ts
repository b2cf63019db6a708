// Schema-valid but extreme detections (xM 1e300, posStdM 1e200) used to kill the roadside pipeline for good
// (solveAssignment: cost must be finite ... got NaN). Now the source edge drops and counts them, the tracker
// stage survives a batch it throws on, and a process whose pipeline does die exits non-zero.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pull, Push } from 'zeromq';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { zmqIngest, parseIngestMessage, type IngestCounters } from '../../shared/sources/zmq-ingest.js';
import { parseTrace } from '../../shared/sources/trace.js';
import { implausibleDetection, type DetectionBatch } from '../../shared/sources/detections.js';
import { startRoadside } from '../../roadside/pipeline.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { frameTopic, syncRequestTopic } from '../../shared/transport/topics.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope, encodeEnvelope } from '../../shared/wire/codec.js';
import type { DetectedObject, PerceptionFrame } from '../../shared/model/types.js';
import { IAAD_BIN, startChild } from '../../sim/realtime/children.js';
import { connectZmqClient } from '../../shared/transport/zmq.js';
import { filter } from 'rxjs';
import { freePort, sendUntilReceived, tempIpcEndpoint, waitUntil } from '../support/net.js';

const log = pino({ level: 'silent' });
const POSE = { xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 };
const T0 = 1_764_306_000_000_000_000;

describe('extreme detections never kill the roadside pipeline', function () {
  this.timeout(60_000);

  it('the plausibility check names the field of each extreme value', () => {
    const base = { id: 1, class: 'car' as const, confidence: 1, xM: 1, yM: 2, zM: 0, vxMps: 0, vyMps: 0, yawRateRadps: 0,
      existenceProbability: 1, ageS: 0 };
    assert.equal(implausibleDetection(base), null);
    assert.match(implausibleDetection({ ...base, xM: 1e300 })!, /^xM:/);
    assert.match(implausibleDetection({ ...base, posStdM: 1e200 })!, /^posStdM:/);
    assert.match(implausibleDetection({ ...base, posStdM: 1e-200 })!, /^posStdM:/);
    assert.match(implausibleDetection({ ...base, vyMps: 1e300 })!, /^vyMps:/);
    assert.match(implausibleDetection({ ...base, lengthM: 1e10 })!, /^lengthM:/);
  });

  it('a trace with an extreme detection is rejected at start naming FILE:LINE: field', () => {
    const text = '{"timeS":0,"objects":[]}\n{"timeS":0.1,"objects":[{"id":1,"xM":0,"yM":0},{"id":2,"xM":1e300,"yM":0}]}\n';
    assert.throws(() => parseTrace(text, 't.jsonl'), /^TraceError: t\.jsonl:2: objects\.1\.xM: beyond/);
    const many = JSON.stringify({ timeS: 0, objects: Array.from({ length: 2001 }, (_, i) => ({ id: i, xM: 0, yM: 0 })) });
    assert.throws(() => parseTrace(many, 'm.jsonl'), /m\.jsonl:1: objects: 2001 > 2000/);
  });

  it('ingest drops implausible detections, oversized and crowded batches, counting each reason', () => {
    const dropped: string[] = [];
    const batch = parseIngestMessage(Buffer.from(JSON.stringify({ captureTimeNs: T0, objects: [
      { id: 1, xM: 1e300, yM: 0 }, { id: 2, xM: 3, yM: 4, posStdM: 1e200 }, { id: 3, xM: 5, yM: 6 },
    ] })), systemClock, (reason) => dropped.push(reason));
    assert.deepEqual(batch.objects.map((o) => o.trackId), [3]);
    assert.deepEqual(dropped, ['implausible:xM', 'implausible:posStdM']);
    const crowded = JSON.stringify({ objects: Array.from({ length: 2001 }, (_, i) => ({ id: i, xM: 0, yM: 0 })) });
    assert.throws(() => parseIngestMessage(Buffer.from(crowded), systemClock), (e: Error & { reason?: string }) => e.reason === 'tooManyObjects');
    assert.throws(() => parseIngestMessage(new Uint8Array(5 * 1024 * 1024), systemClock), (e: Error & { reason?: string }) => e.reason === 'tooLarge');
  });

  it('live ingest with tracking: frames keep coming after extreme detections', async () => {
    const ingestEndpoint = tempIpcEndpoint('ingest');
    const transport = new MemoryBus().connect();
    const counters: IngestCounters = { received: 0, rejected: 0 };
    const rsu = startRoadside({ rsuId: 'rsu-x', region: 'r', mapFrame: 'enu:t', sensorPose: POSE, rateHz: 100, frameValidityMs: 1000,
      tracking: { enabled: true } }, zmqIngest(ingestEndpoint, systemClock, log, counters), [transport], systemClock, log);
    const frames: PerceptionFrame[] = [];
    const sub = transport.subscribe(frameTopic('r', 'rsu-x')).subscribe((m) => {
      const e = decodeEnvelope(m.payload);
      if (e.payload.kind === 'frame') frames.push(e.payload.frame);
    });
    const push = new Push({ linger: 0 });
    push.connect(ingestEndpoint);
    const ped = (t: number): string => JSON.stringify({ captureTimeNs: T0 + t * 100e6, objects: [{ id: 5, class: 'pedestrian', xM: 3 + t * 0.1, yM: 4, posStdM: 0.3 }] });
    for (let t = 0; t < 3; t++) await push.send(ped(t));
    await push.send(JSON.stringify({ captureTimeNs: T0 + 300e6, objects: [{ id: 6, xM: 3, yM: 4, posStdM: 1e200 }, { id: 7, xM: 1e300, yM: 4 }] }));
    for (let t = 4; t < 8; t++) await push.send(ped(t));
    await waitUntil(() => counters.received === 8, 'eight batches received');
    await waitUntil(() => frames.length === 8, 'eight frames published');
    sub.unsubscribe();
    push.close();
    await rsu.stop();
    await transport.close();
    assert.equal(counters.detectionsDropped, 2);
    assert.deepEqual(counters.rejectedBy, { 'implausible:posStdM': 1, 'implausible:xM': 1 });
    assert.equal(rsu.counters.batchesFailed ?? 0, 0);
    assert.ok(frames[7]!.objects.length >= 1, 'the pedestrian is still tracked');
  });

  it('a batch the tracker throws on is dropped and counted; the tracker restarts and frames go on', async () => {
    const transport = new MemoryBus().connect();
    const source = new Subject<DetectionBatch>();
    const rsu = startRoadside({ rsuId: 'rsu-y', region: 'r', mapFrame: 'enu:t', sensorPose: POSE, rateHz: 100, frameValidityMs: 1000,
      tracking: { enabled: true } }, source, [transport], systemClock, log);
    const obj = (xM: number, posVar: number): DetectedObject => ({
      trackId: 1, objectClass: 'car', classConfidence: 1, xM, yM: 0, zM: 0, vxMps: 0, vyMps: 0, headingRad: 0, yawRateRadps: 0,
      lengthM: 4, widthM: 2, heightM: 1.5, covariance: [posVar, 0, 0, 0, posVar, 0, 0, 1, 0, 1], existenceProbability: 1, ageS: 0,
    });
    // Bypasses the source edge on purpose: what the net under it catches.
    for (let i = 0; i < 3; i++) source.next({ captureTimeNs: T0 + i * 100e6, objects: [obj(i, 0.1)] });
    source.next({ captureTimeNs: T0 + 300e6, objects: [obj(3, 1e300 * 1e300), obj(1e300, 0.1)] });
    for (let i = 4; i < 7; i++) source.next({ captureTimeNs: T0 + i * 100e6, objects: [obj(i, 0.1)] });
    await rsu.stop();
    await transport.close();
    assert.equal(rsu.counters.batchesFailed, 1);
    assert.equal(rsu.counters.framesPublished, 6);
  });

  it('a roadside process fed extreme detections over its live ingest keeps publishing frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-extreme-'));
    const [ingest, pub, pull] = [await freePort(), await freePort(), await freePort()].map((p) => `tcp://127.0.0.1:${p}`) as [string, string, string];
    writeFileSync(join(dir, 'roadside.yaml'), [
      'rsu: { id: rsu-e, region: r, mapFrame: "enu:t" }', `source: { type: zmq-pull, endpoint: "${ingest}" }`,
      `transports: { zmq: { pubEndpoint: "${pub}", pullEndpoint: "${pull}" } }`, '',
    ].join('\n'));
    const rsu = startChild('roadside', ['roadside', '--config', join(dir, 'roadside.yaml')]);
    const client = connectZmqClient({ downlink: pub, uplink: pull, reconnectMaxIntervalMs: 100 });
    const push = new Push({ linger: 0 });
    push.connect(ingest); // queued until the roadside has bound it
    try {
      const t0 = systemClock.nowNs();
      await push.send(JSON.stringify({ captureTimeNs: t0, objects: [{ id: 6, xM: 3, yM: 4, posStdM: 1e200 }, { id: 7, xM: 1e300, yM: 4 }] }));
      let k = 1;
      // Resends valid batches (100 ms apart in capture time) until a frame carrying the tracked pedestrian arrives.
      const tracked$ = client.subscribe(frameTopic('r', 'rsu-e')).pipe(filter((m) => {
        const e = decodeEnvelope(m.payload);
        return e.payload.kind === 'frame' && e.payload.frame.objects.length > 0;
      }));
      await sendUntilReceived(tracked$, () => push.send(JSON.stringify({
        captureTimeNs: t0 + 100e6 * k, objects: [{ id: 5, class: 'pedestrian', xM: 3 + 0.1 * k++, yM: 4, posStdM: 0.3 }],
      })), 30_000);
    } finally {
      push.close();
      await client.close();
      rsu.stop();
    }
    const { code, outputs } = await rsu.done;
    assert.equal(code, 0);
    const summary = outputs[outputs.length - 1] as { stoppedBy: string; ingest: IngestCounters; counters: { batchesFailed?: number } };
    assert.equal(summary.stoppedBy, 'SIGTERM');
    assert.equal(summary.ingest.detectionsDropped, 2);
    assert.deepEqual(summary.ingest.rejectedBy, { 'implausible:posStdM': 1, 'implausible:xM': 1 });
    assert.equal(summary.counters.batchesFailed ?? 0, 0);
  });

  it('a roadside process whose pipeline dies exits non-zero, naming why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-dead-'));
    const ingest = `tcp://127.0.0.1:${await freePort()}`;
    const squatter = new Pull({ linger: 0 });
    await squatter.bind(ingest); // the ingest cannot bind: its source fails
    writeFileSync(join(dir, 'roadside.yaml'), [
      'rsu: { id: rsu-d, mapFrame: "enu:t" }', `source: { type: zmq-pull, endpoint: "${ingest}" }`,
      `transports: { zmq: { pubEndpoint: "${tempIpcEndpoint('pub')}", pullEndpoint: "${tempIpcEndpoint('pull')}" } }`, '',
    ].join('\n'));
    let stderr = '';
    const child = spawn(process.execPath, [IAAD_BIN, 'roadside', '--config', join(dir, 'roadside.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    squatter.close();
    assert.equal(code, 1, stderr);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { stoppedBy: string };
    assert.match(summary.stoppedBy, /^pipeline failed: /);
  });
});

describe('roadside: received intents and sync requests are validated, rejections counted per reason', () => {
  it('counts oversized, undecodable, wrong-kind and implausible messages, answers the good ones', async () => {
    const bus = new MemoryBus();
    const rsuSide = bus.connect('rsu');
    const vehicle = bus.connect('veh');
    const rsu = startRoadside({ rsuId: 'rsu-v', region: 'r', mapFrame: 'm', sensorPose: POSE, rateHz: 10, frameValidityMs: 1000,
      advisories: { enabled: true } }, new Subject<DetectionBatch>(), [rsuSide], systemClock, log);
    const now = systemClock.nowNs();
    const req = (t1Ns: number): Uint8Array => encodeEnvelope({ senderId: 'v', payload: { kind: 'syncRequest', syncRequest: { clientId: 'v', sequence: 1, t1Ns } } });
    const topic = syncRequestTopic('r', 'rsu-v');
    await vehicle.publish(topic, req(now));
    await vehicle.publish(topic, new Uint8Array(5 * 1024 * 1024));
    await vehicle.publish(topic, new Uint8Array([1, 2, 3]));
    await vehicle.publish(topic, encodeEnvelope({ senderId: 'v', payload: { kind: 'intent', intent: {
      vehicleId: 'v', sequence: 1, timeNs: now, pose: POSE, speedMps: 1e300, mapFrame: 'm', path: [], horizonS: 5 } } }));
    await vehicle.publish(topic, encodeEnvelope({ senderId: 'v', payload: { kind: 'intent', intent: {
      vehicleId: 'v', sequence: 1, timeNs: now, pose: POSE, speedMps: 1, mapFrame: 'm', path: [], horizonS: 5 } } }));
    await rsu.stop();
    assert.equal(rsu.counters.syncAnswered, 1);
    assert.deepEqual(rsu.counters.rejected, { tooLarge: 1, undecodable: 1, implausible: 1, unexpected: 1 });
    assert.equal(rsu.counters.badMessages, 4);
  });
});

describe('trace playback: degenerate timing rejected at start', () => {
  it('names the file and line when every row has one timeS or the span passes 2^31 ms', () => {
    assert.throws(() => parseTrace('{"timeS":5,"objects":[]}\n\n{"timeS":5,"objects":[]}\n', 'same.jsonl'),
      /same\.jsonl:3: timeS: all 2 rows have timeS 5/);
    assert.throws(() => parseTrace('{"timeS":0,"objects":[]}\n{"timeS":1,"objects":[]}\n{"timeS":2200000,"objects":[]}\n', 'long.jsonl'),
      /long\.jsonl:3: timeS 2200000: more than 2\^31 ms/);
    assert.equal(parseTrace('{"timeS":7,"objects":[]}\n', 'one.jsonl').length, 1);
  });
});
