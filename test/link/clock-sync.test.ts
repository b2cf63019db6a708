import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ClockOffsetEstimator, answerSyncRequest, buildSyncRequest, clockSample, responseMatches,
} from '../../shared/link/clock-sync.js';
import { decodeEnvelope, encodeEnvelope } from '../../shared/wire/codec.js';

const MS = 1_000_000;

/**
 * One exchange against a server whose clock is serverAheadMs ahead of the client: request sent at t1 (client),
 * upMs on the way out, processingMs at the server, downMs on the way back. Returns [t1, t2, t3, t4] in ns.
 */
function exchange(t1Ms: number, serverAheadMs: number, upMs: number, downMs: number, processingMs = 1): [number, number, number, number] {
  const t2Ms = t1Ms + serverAheadMs + upMs;
  const t3Ms = t2Ms + processingMs;
  const t4Ms = t3Ms - serverAheadMs + downMs;
  return [t1Ms * MS, t2Ms * MS, t3Ms * MS, t4Ms * MS];
}

describe('clockSample', () => {
  it('client 5 ms behind, symmetric 10 ms one-way delays: offset exactly +5 ms, delay 20 ms', () => {
    // t1 = 1000, t2 = 1015, t3 = 1016 (server), t4 = 1021 (client)
    assert.deepEqual(exchange(1000, 5, 10, 10), [1000 * MS, 1015 * MS, 1016 * MS, 1021 * MS]);
    assert.deepEqual(clockSample(1000 * MS, 1015 * MS, 1016 * MS, 1021 * MS), { offsetNs: 5 * MS, delayNs: 20 * MS });
  });

  it('asymmetric delays bias the offset by (up - down) / 2, within delay / 2', () => {
    // up 30 ms, down 10 ms: offset = 5 + (30 - 10)/2 = 15 ms, delay = 40 ms
    assert.deepEqual(clockSample(...exchange(1000, 5, 30, 10)), { offsetNs: 15 * MS, delayNs: 40 * MS });
    // up 10 ms, down 20 ms: offset = 5 + (10 - 20)/2 = 0 ms, delay = 30 ms
    assert.deepEqual(clockSample(...exchange(1000, 5, 10, 20)), { offsetNs: 0, delayNs: 30 * MS });
  });

  it('property: the offset error is (up - down) / 2 and never exceeds delay / 2', () => {
    fc.assert(fc.property(
      fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }),
      fc.integer({ min: 0, max: 50 }),
      (aheadMs, upMs, downMs, procMs) => {
        const s = clockSample(...exchange(100_000, aheadMs, upMs, downMs, procMs));
        const errorNs = s.offsetNs - aheadMs * MS;
        return errorNs === ((upMs - downMs) * MS) / 2 && Math.abs(errorNs) <= s.delayNs / 2
          && s.delayNs === (upMs + downMs) * MS;
      },
    ));
  });
});

describe('ClockOffsetEstimator', () => {
  it('is empty before any sample', () => {
    const e = new ClockOffsetEstimator();
    assert.equal(e.estimate(), null);
    assert.equal(e.offsetNs, null);
    assert.equal(e.uncertaintyNs, null);
    assert.equal(e.sampleCount, 0);
  });

  it('takes the offset of the minimum-delay sample among mixed samples', () => {
    const e = new ClockOffsetEstimator();
    assert.equal(e.add(...exchange(1000, 5, 30, 10)), true); // offset 15, delay 40
    assert.equal(e.add(...exchange(2000, 5, 10, 10)), true); // offset 5, delay 20
    assert.equal(e.add(...exchange(3000, 5, 10, 20)), true); // offset 0, delay 30
    assert.deepEqual(e.estimate(), { offsetNs: 5 * MS, delayNs: 20 * MS, uncertaintyNs: 10 * MS, sampleCount: 3 });
    assert.equal(e.offsetNs, 5 * MS);
    assert.equal(e.uncertaintyNs, 10 * MS);
  });

  it('on equal delays the newest sample wins', () => {
    const e = new ClockOffsetEstimator();
    e.add(...exchange(1000, 5, 10, 10)); // offset 5, delay 20
    e.add(...exchange(2000, 7, 10, 10)); // offset 7, delay 20 (the clocks drifted)
    assert.equal(e.offsetNs, 7 * MS);
  });

  it('forgets samples beyond maxSamples, oldest first', () => {
    const e = new ClockOffsetEstimator({ maxSamples: 2 });
    e.add(...exchange(1000, 5, 1, 1)); // offset 5, delay 2: the best, but oldest
    e.add(...exchange(2000, 5, 40, 20)); // offset 15, delay 60
    e.add(...exchange(3000, 5, 20, 30)); // offset 0, delay 50
    assert.deepEqual(e.estimate(), { offsetNs: 0, delayNs: 50 * MS, uncertaintyNs: 25 * MS, sampleCount: 2 });
  });

  it('rejects negative, non-finite and absurd delays', () => {
    const e = new ClockOffsetEstimator({ maxDelayNs: 1000 * MS });
    assert.equal(e.add(1000 * MS, 1015 * MS, 1016 * MS, 999 * MS), false); // t4 before t1
    assert.equal(e.add(1000 * MS, 1015 * MS, 1045 * MS, 1021 * MS), false); // server held it longer than the round trip
    assert.equal(e.add(Number.NaN, 1015 * MS, 1016 * MS, 1021 * MS), false);
    assert.equal(e.add(...exchange(1000, 5, 600, 600)), false); // 1.2 s round trip
    assert.equal(e.rejected, 4);
    assert.equal(e.sampleCount, 0);
    assert.equal(e.add(...exchange(1000, 5, 0, 0)), true); // zero delay is possible on loopback
    assert.deepEqual(e.estimate(), { offsetNs: 5 * MS, delayNs: 0, uncertaintyNs: 0, sampleCount: 1 });
    e.reset();
    assert.equal(e.estimate(), null);
  });
});

describe('clock-sync messages', () => {
  it('builds a request, answers it and turns the response into a sample, through the wire codec', () => {
    const [t1, t2, t3, t4] = exchange(1000, 5, 10, 10);
    const request = buildSyncRequest('veh-7', 42, t1);
    assert.deepEqual(request, { clientId: 'veh-7', sequence: 42, t1Ns: t1 });
    const response = answerSyncRequest(request, 'rsu-12', t2, t3);
    assert.deepEqual(response, { serverId: 'rsu-12', clientId: 'veh-7', sequence: 42, t1Ns: t1, t2Ns: t2, t3Ns: t3 });

    const decoded = decodeEnvelope(encodeEnvelope({ senderId: 'rsu-12', payload: { kind: 'syncResponse', syncResponse: response } }));
    assert.equal(decoded.payload.kind, 'syncResponse');
    if (decoded.payload.kind !== 'syncResponse') return;
    assert.equal(responseMatches(decoded.payload.syncResponse, request), true);
    assert.equal(responseMatches({ ...response, sequence: 41 }, request), false);

    const e = new ClockOffsetEstimator();
    assert.equal(e.addResponse(decoded.payload.syncResponse, t4), true);
    assert.equal(e.offsetNs, 5 * MS);
  });

  it('wraps the request sequence to uint32 as on the wire', () => {
    assert.equal(buildSyncRequest('v', 2 ** 32 + 3, 0).sequence, 3);
  });
});
