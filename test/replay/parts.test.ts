// The pieces of recording and replay: channel parsing, own-frame encoding, the recording decorator, sync
// re-anchoring, and the virtual frame of a clock reading.
import assert from 'node:assert/strict';
import { firstValueFrom, take, toArray } from 'rxjs';
import { clockSample } from '../../shared/link/clock-sync.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { ManualClock } from '../../shared/time/clock.js';
import { frameTopic, syncRequestTopic, syncResponseTopic } from '../../shared/transport/topics.js';
import { decodeEnvelope, encodeEnvelope } from '../../shared/wire/codec.js';
import { SIM_EPOCH_NS } from '../../sim/engine/sim-clock.js';
import { parseFeedChannel, egoStateChannel } from '../../shared/record/feed-channels.js';
import { frameAt } from '../../sim/replay/engine.js';
import { ProcessRecorder, RecordingTransport, encodeOwn, ownBatch, type RecordSink } from '../../shared/record/process-recorder.js';
import { ReplayTransport, SyncAnchors } from '../../sim/replay/replay-transport.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';

class ListSink implements RecordSink {
  readonly rows: Array<{ channel: string; logTimeNs: number; bytes: Uint8Array }> = [];
  record(channel: string, bytes: Uint8Array, logTimeNs: number): boolean {
    this.rows.push({ channel, logTimeNs, bytes });
    return true;
  }
}

const batch: DetectionBatch = {
  captureTimeNs: SIM_EPOCH_NS + 30_000_128,
  objects: [{
    trackId: 7, objectClass: 'pedestrian', classConfidence: 0.9, xM: -9.123456789, yM: -7.5, zM: 0.875, vxMps: 0.01,
    vyMps: 1.4, headingRad: 1.5, yawRateRadps: 0, lengthM: 0.6, widthM: 0.6, heightM: 1.75,
    covariance: [0.0225, 0, 0, 0, 0.0225, 0, 0, 0.04, 0, 0.04], existenceProbability: 0.95, ageS: 0,
  }],
  ego: { pose: { xM: -70.123456789, yM: -1.75, zM: 0, yawRad: 0.001, pitchRad: 0, rollRad: 0 }, speedMps: 7.000000001 },
};

describe('replay parts', () => {
  it('parses the channels a replay feeds', () => {
    assert.deepEqual(parseFeedChannel('/rsu/rsu-1/frame@zmq'), { kind: 'frame', rsuId: 'rsu-1', transport: 'zmq' });
    assert.deepEqual(parseFeedChannel('/rsu/r/sync_response/veh-1@mqtt'), { kind: 'syncResponse', rsuId: 'r', vehicleId: 'veh-1', transport: 'mqtt' });
    assert.deepEqual(parseFeedChannel(egoStateChannel('ego')), { kind: 'ego', vehicleId: 'ego', transport: 'local' });
    assert.equal(parseFeedChannel('/rsu/rsu-1/frame'), null, 'tx: what an RSU sent is not fed');
    assert.equal(parseFeedChannel('/vehicle/ego/output'), null);
  });

  it('keeps pose, speed and times exact through an own frame, and sizes at wire (float32) precision', () => {
    const { frame, ego } = encodeOwn('ego', 'm', 3, batch, batch.captureTimeNs + 30e6);
    const back = ownBatch(decodeEnvelope(frame), decodeEnvelope(ego!));
    assert.equal(back.captureTimeNs, batch.captureTimeNs);
    assert.deepEqual(back.ego, batch.ego);
    const o = back.objects[0]!;
    assert.equal(o.xM, batch.objects[0]!.xM);
    assert.equal(o.widthM, Math.fround(0.6));
    assert.deepEqual(o.covariance, batch.objects[0]!.covariance);
    // Decoding again gives the same values: what the live vehicle fused is what a replay fuses.
    assert.deepEqual(ownBatch(decodeEnvelope(frame), decodeEnvelope(ego!)), back);
    assert.equal(encodeOwn('ego', 'm', 3, { ...batch, ego: undefined }, 0).ego, null);
  });

  it('records each delivered copy and each output once, however many paths carry it', async () => {
    const clock = new ManualClock(SIM_EPOCH_NS);
    const bus = new MemoryBus({ clock });
    const sink = new ListSink();
    const rec = new ProcessRecorder(sink, clock);
    const a = new RecordingTransport(bus.connect('a'), rec, { rx: true, tx: true });
    const b = new RecordingTransport(bus.connect('b'), rec, { rx: true, tx: true });
    const got = firstValueFrom(a.subscribe(frameTopic('r', 'rsu-1')).pipe(take(2), toArray()));
    const bytes = encodeEnvelope({ senderId: 'x', payload: { kind: 'syncRequest', syncRequest: { clientId: 'ego', sequence: 1, t1Ns: 5 } } });
    await a.publish(frameTopic('r', 'rsu-1'), bytes);
    await b.publish(frameTopic('r', 'rsu-1'), bytes);
    await got;
    assert.deepEqual(sink.rows.map((r) => r.channel), ['/rsu/rsu-1/frame', '/rsu/rsu-1/frame@memory', '/rsu/rsu-1/frame@memory']);
  });

  it('re-anchors a recorded sync response to the replayed request, keeping offset and delay', () => {
    const anchors = new SyncAnchors();
    const t = new ReplayTransport('mqtt', anchors);
    const req = (t1Ns: number) => encodeEnvelope({ senderId: 'ego', payload: { kind: 'syncRequest', syncRequest: { clientId: 'ego', sequence: 4, t1Ns } } });
    const base = 1_790_000_000_000_000_000;
    const [t1, t2, t3, t4] = [base, base + 37_512_192, base + 37_612_288, base + 2_000_128];
    void t.publish(syncRequestTopic('replay', 'rsu-1'), req(t1 - 1_500_160)); // the replay ticked 1.5 ms earlier
    const got: Uint8Array[] = [];
    t.subscribe(syncResponseTopic('replay', 'rsu-1', 'ego')).subscribe((m) => got.push(m.payload));
    const response = encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'syncResponse', syncResponse: { serverId: 'rsu-1', clientId: 'ego', sequence: 4, t1Ns: t1, t2Ns: t2, t3Ns: t3 } } });
    t.inject(syncResponseTopic('replay', 'rsu-1', 'ego'), response, t4);
    const e = decodeEnvelope(got[0]!);
    assert.equal(e.payload.kind, 'syncResponse');
    if (e.payload.kind !== 'syncResponse') return;
    const r = e.payload.syncResponse;
    assert.equal(r.t1Ns, t1 - 1_500_160);
    assert.deepEqual(clockSample(r.t1Ns, r.t2Ns, r.t3Ns, t4), clockSample(t1, t2, t3, t4));
    assert.equal(anchors.rewritten, 1);
    // A response to a request the replay sent at the very same time passes byte for byte.
    void t.publish(syncRequestTopic('replay', 'rsu-1'), req(t1));
    t.inject(syncResponseTopic('replay', 'rsu-1', 'ego'), response, t4);
    assert.equal(got[1], response);
  });

  it('finds the whole-microsecond virtual frame of a clock reading (the clock resolves 256 ns at the epoch)', () => {
    const clockAt = (ms: number): number => SIM_EPOCH_NS + Math.round(ms * 1e6);
    for (const ms of [0, 30, 130, 1400, 14_930, 23.5, 0.001]) assert.equal(frameAt(clockAt(ms), SIM_EPOCH_NS, clockAt), ms);
    const odd = 123.4567891; // not on a microsecond: any frame with the same reading will do
    assert.equal(clockAt(frameAt(clockAt(odd), SIM_EPOCH_NS, clockAt)), clockAt(odd));
  });
});
