import assert from 'node:assert/strict';
import type { TransportKind } from '../../shared/transport/types.js';
import { LinkMonitor, type FrameArrival } from '../../shared/link/link-monitor.js';

const MS = 1_000_000;
const BASE_MS = 1_000_000; // 1000 s
const RSU_AHEAD_MS = 5; // RSU clock - vehicle clock

/** Frame k captured at BASE + 100 k ms, published 20 ms later (RSU clock), arriving after latencyMs of flight. */
function arrival(sequence: number, transport: TransportKind, latencyMs: number): FrameArrival {
  const captureMs = BASE_MS + sequence * 100;
  const publishMs = captureMs + 20;
  return {
    sourceId: 'rsu-1', sequence, transport,
    captureTimeNs: captureMs * MS, publishTimeNs: publishMs * MS,
    receivedAtNs: (publishMs + latencyMs - RSU_AHEAD_MS) * MS,
  };
}

/** A sync exchange with symmetric 10 ms one-way delays: estimates exactly +5 ms, uncertainty 10 ms. */
function sync(m: LinkMonitor, t1Ms: number): boolean {
  const t2Ms = t1Ms + RSU_AHEAD_MS + 10;
  const t3Ms = t2Ms + 1;
  return m.onSync(t1Ms * MS, t2Ms * MS, t3Ms * MS, (t3Ms - RSU_AHEAD_MS + 10) * MS);
}

// mqtt delivers 0, 1, 2, 4 (loses 3) in 30, 30, 40, 30 ms; zmq delivers 0, 1, 3, 4 (loses 2) in 10, 50, 10, 10 ms.
// First arrivals: 0 zmq, 1 mqtt, 2 mqtt, 3 zmq, 4 zmq.
const ARRIVALS: FrameArrival[] = [
  arrival(0, 'mqtt', 30), arrival(1, 'mqtt', 30), arrival(2, 'mqtt', 40), arrival(4, 'mqtt', 30),
  arrival(0, 'zmq', 10), arrival(1, 'zmq', 50), arrival(3, 'zmq', 10), arrival(4, 'zmq', 10),
].sort((a, b) => a.receivedAtNs - b.receivedAtNs);

describe('LinkMonitor', () => {
  it('reports exact per-path and merged loss, latency, jitter, age and clock state', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1', staleAfterMs: 1000, latencyWindowMs: 2000 });
    assert.equal(sync(m, BASE_MS - 1000), true);
    const verdicts = ARRIVALS.map((a) => `${a.transport}:${a.sequence}:${m.onFrame(a).merged}`);
    assert.deepEqual(verdicts, [
      'zmq:0:new', 'mqtt:0:duplicate', 'mqtt:1:new', 'zmq:1:duplicate', 'mqtt:2:new', 'zmq:3:new', 'zmq:4:new',
      'mqtt:4:duplicate',
    ]);

    const nowNs = ARRIVALS[ARRIVALS.length - 1]!.receivedAtNs; // capture of 4 + 45 ms, vehicle clock
    const s = m.snapshot(nowNs);
    assert.deepEqual(s.paths.mqtt, {
      received: 4, expected: 5, lost: 1, duplicates: 0, reordered: 0, invalid: 0, restarts: 0, lossRatio: 0.2, windowLossRatio: 0.2,
      latency: { count: 4, meanMs: 32.5, minMs: 30, p50Ms: 30, p90Ms: 40, p99Ms: 40, maxMs: 40 },
      captureToArrival: { count: 4, meanMs: 52.5, minMs: 50, p50Ms: 50, p90Ms: 60, p99Ms: 60, maxMs: 60 },
      // transits 25, 25, 35, 25 ms: D = 0, 10, -10 -> 0, 0.625, 1.2109375
      jitterMs: 1.2109375,
      lastArrivalNs: nowNs,
      stale: false,
    });
    assert.deepEqual(s.paths.zmq, {
      received: 4, expected: 5, lost: 1, duplicates: 0, reordered: 0, invalid: 0, restarts: 0, lossRatio: 0.2, windowLossRatio: 0.2,
      latency: { count: 4, meanMs: 20, minMs: 10, p50Ms: 10, p90Ms: 50, p99Ms: 50, maxMs: 50 },
      captureToArrival: { count: 4, meanMs: 40, minMs: 30, p50Ms: 30, p90Ms: 70, p99Ms: 70, maxMs: 70 },
      // transits 5, 45, 5, 5 ms: D = 40, -40, 0 -> 2.5, 4.84375, 4.541015625
      jitterMs: 4.541015625,
      lastArrivalNs: (BASE_MS + 420 + 10 - RSU_AHEAD_MS) * MS,
      stale: false,
    });
    assert.deepEqual(s.merged, {
      received: 5, expected: 5, lost: 0, duplicates: 3, reordered: 0, invalid: 0, restarts: 0, lossRatio: 0, windowLossRatio: 0,
      latency: { count: 5, meanMs: 20, minMs: 10, p50Ms: 10, p90Ms: 40, p99Ms: 40, maxMs: 40 },
      captureToArrival: { count: 5, meanMs: 40, minMs: 30, p50Ms: 30, p90Ms: 60, p99Ms: 60, maxMs: 60 },
      // transits 5, 25, 35, 5, 5 ms: D = 20, 10, -30, 0 -> 1.25, 1.796875, 3.5595703125, 3.33709716796875
      jitterMs: 3.33709716796875,
      lastArrivalNs: (BASE_MS + 420 + 10 - RSU_AHEAD_MS) * MS,
      stale: false,
    });
    assert.equal(s.ageMs, 50); // captured at BASE + 400 (RSU); now is BASE + 445 vehicle = BASE + 450 RSU
    assert.deepEqual(s.clock, { offsetNs: 5 * MS, uncertaintyNs: 10 * MS, samples: 1 });
    assert.equal(s.stale, false);
    assert.equal(s.sourceId, 'rsu-1');
    assert.equal(s.atNs, nowNs);
    assert.deepEqual(Object.keys(s.paths).sort(), ['mqtt', 'zmq']);
  });

  it('flags paths and the link stale after the timeout', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1', staleAfterMs: 1000 });
    assert.equal(m.snapshot(0).stale, true); // never heard from
    assert.equal(m.isStale(0), true);
    for (const a of ARRIVALS) m.onFrame(a);
    const zmqLastNs = (BASE_MS + 420 + 10 - RSU_AHEAD_MS) * MS;
    const mqttLastNs = (BASE_MS + 420 + 30 - RSU_AHEAD_MS) * MS;
    let s = m.snapshot(zmqLastNs + 1000 * MS);
    assert.deepEqual([s.stale, s.paths.zmq!.stale, s.paths.mqtt!.stale], [false, false, false]);
    assert.equal(m.isStale(zmqLastNs + 1000 * MS), false);
    s = m.snapshot(zmqLastNs + 1000 * MS + 1);
    assert.deepEqual([s.stale, s.paths.zmq!.stale, s.paths.mqtt!.stale], [true, true, false]);
    assert.equal(m.isStale(zmqLastNs + 1000 * MS + 1), true); // the cheap check agrees with the snapshot
    s = m.snapshot(mqttLastNs + 1000 * MS + 1);
    assert.deepEqual([s.stale, s.paths.zmq!.stale, s.paths.mqtt!.stale], [true, true, true]);
  });

  it('health(nowNs) equals what rsuLinkCriteria reads of snapshot(nowNs), before and after frames, and when stale', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1', staleAfterMs: 1000, latencyWindowMs: 200 });
    const fromSnapshot = (nowNs: number): unknown => {
      const s = m.snapshot(nowNs);
      return { sourceId: s.sourceId, latencyP90Ms: s.merged.latency.p90Ms, jitterMs: s.merged.jitterMs,
        windowLossRatio: s.merged.windowLossRatio, stale: s.stale };
    };
    assert.deepEqual(m.health(0), fromSnapshot(0));
    sync(m, BASE_MS - 1000);
    for (const a of ARRIVALS) {
      m.onFrame(a);
      for (const laterMs of [0, 150, 250, 1001]) assert.deepEqual(m.health(a.receivedAtNs + laterMs * MS), fromSnapshot(a.receivedAtNs + laterMs * MS));
    }
  });

  it('assumes a zero offset before any sync and uses the estimate once there is one', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1' });
    assert.equal(m.onFrame(arrival(0, 'zmq', 10)).latencyMs, 5); // 10 ms flight, minus the 5 ms the clocks disagree
    assert.deepEqual(m.snapshot(0).clock, { offsetNs: null, uncertaintyNs: null, samples: 0 });
    assert.equal(m.clockOffsetNs(), null);
    sync(m, BASE_MS);
    assert.deepEqual([m.clockOffsetNs(), m.clockUncertaintyNs()], [5 * MS, 10 * MS]);
    assert.equal(m.onFrame(arrival(1, 'zmq', 10)).latencyMs, 10);
    assert.equal(m.onSync(10 * MS, 0, 0, 5 * MS), false); // negative delay: rejected
    assert.deepEqual(m.snapshot(0).clock, { offsetNs: 5 * MS, uncertaintyNs: 10 * MS, samples: 1 });
  });

  it('handles a sender restart: new epoch, no phantom loss, age follows the new frames', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1' });
    sync(m, BASE_MS);
    for (let k = 0; k < 3; k++) m.onFrame(arrival(k, 'zmq', 10));
    // The RSU restarts 5 s later; its sequence starts again at 0 and its capture times are later.
    const restarted = { ...arrival(0, 'zmq', 10), captureTimeNs: (BASE_MS + 5000) * MS, publishTimeNs: (BASE_MS + 5020) * MS, receivedAtNs: (BASE_MS + 5025) * MS };
    assert.deepEqual(m.onFrame(restarted), { path: 'restart', merged: 'restart', latencyMs: 10 });
    const s = m.snapshot((BASE_MS + 5025) * MS);
    assert.deepEqual([s.merged.received, s.merged.expected, s.merged.lost, s.merged.restarts], [4, 4, 0, 1]);
    assert.equal(s.ageMs, 30);
  });

  it('rejects a frame of another source; counts a frame with an unusable sequence without failing', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1' });
    assert.throws(() => m.onFrame({ ...arrival(0, 'zmq', 10), sourceId: 'rsu-2' }), RangeError);
    assert.deepEqual(m.onFrame({ ...arrival(0, 'zmq', 10), sequence: 2 ** 60 }), { path: 'invalid', merged: 'invalid', latencyMs: 5 });
    const s = m.snapshot(0);
    assert.deepEqual([s.paths.zmq!.invalid, s.paths.zmq!.received, s.merged.invalid, s.merged.latency.count], [1, 0, 1, 0]);
  });

  it('returns a JSON-serialisable plain object', () => {
    const m = new LinkMonitor({ sourceId: 'rsu-1' });
    for (const a of ARRIVALS) m.onFrame(a);
    const s = m.snapshot(ARRIVALS[7]!.receivedAtNs);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });
});
