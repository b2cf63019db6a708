// The roadside pipeline's publishing bookkeeping: failed publishes are counted, never fatal, and stop() waits for
// every publish in flight (roadside/pipeline.ts).
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { EMPTY, Subject, type Observable } from 'rxjs';
import { startRoadside } from '../../roadside/pipeline.js';
import type { DetectionBatch } from '../../shared/sources/detections.js';
import type { Message, PublishOptions, Transport, TransportStats } from '../../shared/transport/types.js';
import { systemClock } from '../../shared/time/clock.js';

/** A transport whose publishes settle only when the test says so: resolve or reject, in any order. */
class ManualTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly calls: Array<{ topic: string; resolve: () => void; reject: (e: Error) => void }> = [];
  publish(topic: string, _payload: Uint8Array, _o?: PublishOptions): Promise<void> {
    return new Promise((resolve, reject) => this.calls.push({ topic, resolve, reject }));
  }
  subscribe(): Observable<Message> {
    return EMPTY;
  }
  stats(): TransportStats {
    return { published: 0, received: 0, droppedSend: 0, droppedReceive: 0 };
  }
  async close(): Promise<void> {}
}

describe('roadside publishing', () => {
  it('counts failed publishes and stops only when every publish has settled', async () => {
    const t = new ManualTransport();
    const batches = new Subject<DetectionBatch>();
    const rsu = startRoadside(
      { rsuId: 'rsu-1', region: 'r', mapFrame: 'enu:t', sensorPose: { xM: 0, yM: 0, zM: 5, yawRad: 0, pitchRad: 0, rollRad: 0 },
        rateHz: 10, frameValidityMs: 1000 },
      batches, [t], systemClock, pino({ level: 'silent' }),
    );
    for (let k = 0; k < 3; k++) batches.next({ captureTimeNs: 1e18 + k * 1e8, objects: [] });
    assert.equal(t.calls.length, 3);
    assert.equal(rsu.counters.framesPublished, 3);
    let stopped = false;
    const stopping = rsu.stop().then(() => { stopped = true; });
    const second = rsu.stop(); // a second caller waits for the same publishes
    t.calls[1]!.reject(new Error('broker gone'));
    t.calls[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    assert.equal(rsu.counters.publishErrors, 1);
    assert.equal(stopped, false, 'one publish is still in flight');
    t.calls[2]!.resolve();
    await Promise.all([stopping, second]);
    assert.equal(stopped, true);
    assert.equal(rsu.counters.publishErrors, 1);
  });
});
