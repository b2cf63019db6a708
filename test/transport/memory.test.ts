import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/time/clock.js';
import { MemoryBus } from '../../shared/transport/memory.js';
import { advisoryTopic, framesFilter, frameTopic, intentTopic } from '../../shared/transport/topics.js';
import type { Message } from '../../shared/transport/types.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('memory transport', () => {
  it('delivers synchronously with MQTT topic semantics, stamped by the bus clock', async () => {
    const clock = new ManualClock(5_000);
    const bus = new MemoryBus({ clock });
    const rsu = bus.connect('rsu');
    const veh = bus.connect('veh');
    const got: Message[] = [];
    const sub = veh.subscribe(framesFilter('sh')).subscribe((m) => got.push(m));
    await rsu.publish(frameTopic('sh', 'r1'), bytes(1));
    await rsu.publish(frameTopic('other', 'r1'), bytes(2));
    assert.deepEqual(got.map((m) => [m.topic, [...m.payload], m.transport, m.receivedAtNs]),
      [['iaad/v1/sh/r1/frame', [1], 'memory', 5_000]]);
    sub.unsubscribe();
    await rsu.publish(frameTopic('sh', 'r1'), bytes(3));
    assert.equal(got.length, 1);
    assert.deepEqual(rsu.stats(), { published: 3, received: 0, droppedSend: 0, droppedReceive: 0 });
    assert.deepEqual(veh.stats(), { published: 0, received: 1, droppedSend: 0, droppedReceive: 0 });
  });

  it('microtask delivery happens after the publisher\'s synchronous code, before timers', async () => {
    const bus = new MemoryBus({ delivery: 'microtask' });
    const a = bus.connect();
    const got: number[] = [];
    a.subscribe('#').subscribe((m) => got.push(m.payload[0]!));
    void a.publish('t/1', bytes(1));
    assert.deepEqual(got, []); // not yet
    await Promise.resolve();
    assert.deepEqual(got, [1]);
  });

  it('copies payloads so a sender may reuse its buffer', async () => {
    const bus = new MemoryBus();
    const a = bus.connect();
    const got: Uint8Array[] = [];
    a.subscribe('x').subscribe((m) => got.push(m.payload));
    const buf = bytes(1, 2);
    await a.publish('x', buf);
    buf[0] = 9;
    assert.deepEqual([...got[0]!], [1, 2]);
  });

  it('counts per message kind on the bus', async () => {
    const bus = new MemoryBus();
    const rsu = bus.connect();
    const v1 = bus.connect();
    const v2 = bus.connect();
    v1.subscribe(framesFilter()).subscribe();
    v2.subscribe(framesFilter()).subscribe();
    await rsu.publish(frameTopic('sh', 'r1'), bytes(1));
    await rsu.publish(advisoryTopic('sh', 'r1', 'v9'), bytes(1)); // nobody listens
    await v1.publish(intentTopic('v1'), bytes(1));
    await v1.publish('not/in/scheme', bytes(1));
    const s = bus.stats();
    assert.deepEqual(s.frame, { published: 1, delivered: 2, unrouted: 0 });
    assert.deepEqual(s.advisory, { published: 1, delivered: 0, unrouted: 1 });
    assert.deepEqual(s.intent, { published: 1, delivered: 0, unrouted: 1 });
    assert.deepEqual(s.other, { published: 1, delivered: 0, unrouted: 1 });
    assert.deepEqual(s.syncRequest, { published: 0, delivered: 0, unrouted: 0 });
  });

  it('close() completes observers, stops delivery and counts later publishes as dropped', async () => {
    const bus = new MemoryBus();
    const a = bus.connect();
    const b = bus.connect();
    let completed = false;
    const got: Message[] = [];
    b.subscribe('#').subscribe({ next: (m) => got.push(m), complete: () => (completed = true) });
    await b.close();
    assert.equal(completed, true);
    await a.publish('x', bytes(1));
    assert.equal(got.length, 0);
    await b.publish('x', bytes(1));
    assert.equal(b.stats().droppedSend, 1);
    let lateCompleted = false;
    b.subscribe('#').subscribe({ complete: () => (lateCompleted = true) });
    assert.equal(lateCompleted, true);
    await assert.rejects(a.publish('a/+', bytes(1)), /must not contain/);
  });
});
