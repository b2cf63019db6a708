// A live perception stack PUSHes JSON batches into the roadside's PULL ingest; the roadside pipeline publishes
// them as frames over ZeroMQ; a vehicle-side client receives and decodes them. Real sockets on loopback.
import assert from 'node:assert/strict';
import { Push } from 'zeromq';
import { pino } from 'pino';
import { zmqIngest, type IngestCounters } from '../../shared/sources/zmq-ingest.js';
import { startRoadside } from '../../roadside/pipeline.js';
import { bindZmqServer, connectZmqClient } from '../../shared/transport/zmq.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { systemClock } from '../../shared/time/clock.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { PerceptionFrame } from '../../shared/model/types.js';
import { sendUntilReceived, tempIpcEndpoint, waitUntil } from '../support/net.js';

const log = pino({ level: 'silent' });

describe('roadside live ingest (ZeroMQ PULL) to published frames', function () {
  this.timeout(30_000);

  it('publishes each valid batch as a frame, counts and skips bad ones', async () => {
    const ingestEndpoint = tempIpcEndpoint('ingest');
    const server = await bindZmqServer({ downlink: tempIpcEndpoint('pub'), uplink: tempIpcEndpoint('pull') });
    const client = connectZmqClient({ downlink: server.endpoints.downlink, uplink: server.endpoints.uplink!, reconnectMaxIntervalMs: 100 });
    const counters: IngestCounters = { received: 0, rejected: 0 };
    const rsu = startRoadside(
      { rsuId: 'rsu-9', region: 'r', mapFrame: 'enu:t', sensorPose: { xM: 1, yM: 2, zM: 3, yawRad: 0, pitchRad: 0, rollRad: 0 },
        rateHz: 100, frameValidityMs: 1000 },
      zmqIngest(ingestEndpoint, systemClock, log, counters), [server], systemClock, log,
    );
    const frames: PerceptionFrame[] = [];
    const topic = frameTopic('r', 'rsu-9');
    const sub = client.subscribe(topic).subscribe((m) => {
      if (m.payload.length === 1) return; // a probe, below
      const e = decodeEnvelope(m.payload);
      if (e.payload.kind === 'frame') frames.push(e.payload.frame);
    });
    // Slow joiner: the SUB's subscription must have reached the PUB, or the frames are dropped at the PUB. Probed
    // on the server directly, so the pipeline's counters see only the batches below. (The PUSH needs no wait: it
    // queues until connected.)
    await sendUntilReceived(client.subscribe(topic), () => server.publish(topic, new Uint8Array([0])));
    const push = new Push({ linger: 0 });
    push.connect(ingestEndpoint);
    const t0 = 1_764_306_000_000_000_000;
    await push.send(JSON.stringify({ captureTimeNs: t0, objects: [{ id: 5, class: 'pedestrian', xM: 3, yM: 4, posStdM: 0.5 }] }));
    await push.send('{not json');
    await push.send(JSON.stringify({ objects: [{ id: 6, class: 'spaceship', xM: 0, yM: 0 }] }));
    await push.send(JSON.stringify({ captureTimeNs: t0 + 50e6, objects: [] }));
    await waitUntil(() => frames.length >= 2, 'two frames published');
    sub.unsubscribe();
    push.close();
    await rsu.stop();
    await client.close();
    await server.close();

    assert.equal(counters.received, 2);
    assert.equal(counters.rejected, 2);
    assert.equal(frames.length, 2);
    const [a, b] = frames;
    assert.equal(a!.sourceId, 'rsu-9');
    assert.equal(a!.sequence, 0);
    assert.equal(b!.sequence, 1);
    assert.equal(a!.captureTimeNs, t0);
    assert.ok(a!.publishTimeNs > 0);
    assert.deepEqual(a!.sensorPose, { xM: 1, yM: 2, zM: 3, yawRad: 0, pitchRad: 0, rollRad: 0 });
    const o = a!.objects[0]!;
    assert.equal(o.trackId, 5);
    assert.equal(o.objectClass, 'pedestrian');
    assert.deepEqual([o.xM, o.yM], [3, 4]);
    assert.deepEqual(o.covariance, [0.25, 0, 0, 0, 0.25, 0, 0, 0.25, 0, 0.25]);
    assert.equal(b!.objects.length, 0);
    assert.equal(rsu.counters.framesPublished, 2);
  });
});
