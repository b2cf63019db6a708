import assert from 'node:assert/strict';
import fc from 'fast-check';
import { from, merge } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createDedupeStats, dedupeFrames, type DedupeOptions } from '../../shared/link/dedup.js';

interface Item {
  sourceId: string;
  sequence: number;
  transport: 'mqtt' | 'zmq';
  receivedAtNs?: number;
}

const item = (sequence: number, transport: Item['transport'], sourceId = 'rsu-1'): Item => ({ sourceId, sequence, transport });

const options = (extra: Partial<DedupeOptions<Item>> = {}): DedupeOptions<Item> => ({
  key: (i) => ({ sourceId: i.sourceId, sequence: i.sequence }),
  transport: (i) => i.transport,
  ...extra,
});

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('dedupeFrames', () => {
  it('emits each frame once, at its earlier arrival, and counts which path won', () => {
    const stats = createDedupeStats();
    const mqttValues = { a: item(0, 'mqtt'), b: item(1, 'mqtt'), c: item(2, 'mqtt'), d: item(3, 'mqtt') };
    const zmqValues = { w: item(0, 'zmq'), x: item(1, 'zmq'), y: item(2, 'zmq'), z: item(3, 'zmq') };
    newScheduler().run(({ hot, expectObservable }) => {
      const mqtt = hot('--a---b-c----d|', mqttValues);
      const zmq = hot('-w---x----y-z--|', zmqValues);
      expectObservable(merge(mqtt, zmq).pipe(dedupeFrames(options({ stats }))))
        .toBe('-w---x--c---z--|', { ...mqttValues, ...zmqValues });
    });
    assert.deepEqual(stats, {
      passed: 4, duplicatesDropped: 4, tooOldDropped: 0, invalidDropped: 0, restarts: 0,
      firstArrivals: { zmq: 3, mqtt: 1 },
    });
  });

  it('keeps sources apart', () => {
    const stats = createDedupeStats();
    const v = { a: item(0, 'mqtt', 'rsu-1'), b: item(0, 'mqtt', 'rsu-2'), c: item(0, 'zmq', 'rsu-1'), d: item(0, 'zmq', 'rsu-2') };
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcd|', v).pipe(dedupeFrames(options({ stats })))).toBe('ab--|', v);
    });
    assert.deepEqual([stats.passed, stats.duplicatesDropped, stats.firstArrivals], [2, 2, { mqtt: 2 }]);
  });

  it('a sender restart (large backward jump) starts afresh instead of dropping everything as old', () => {
    const stats = createDedupeStats();
    const v = {
      a: item(10, 'zmq'), b: item(11, 'zmq'), A: item(10, 'mqtt'), B: item(11, 'mqtt'),
      r: item(0, 'zmq'), s: item(1, 'zmq'), R: item(0, 'mqtt'), S: item(1, 'mqtt'),
    };
    newScheduler().run(({ hot, expectObservable }) => {
      const zmq = hot('a-b---r-s---|', v);
      const mqtt = hot('-A-B---R-S--|', v);
      expectObservable(merge(zmq, mqtt).pipe(dedupeFrames(options({ stats, restart: { maxBackwardJump: 5 } }))))
        .toBe('a-b---r-s---|', v);
    });
    assert.deepEqual(stats, {
      passed: 4, duplicatesDropped: 4, tooOldDropped: 0, invalidDropped: 0, restarts: 1,
      firstArrivals: { zmq: 4 },
    });
  });

  it('a low sequence after a silence is a restart when receive times are given', () => {
    const stats = createDedupeStats();
    const at = (sequence: number, ms: number): Item => ({ ...item(sequence, 'zmq'), receivedAtNs: ms * 1_000_000 });
    const v = { a: at(0, 0), b: at(1, 100), c: at(2, 200), d: at(0, 2200), e: at(1, 2300) };
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', v).pipe(dedupeFrames(options({ stats, receivedAtNs: (i) => i.receivedAtNs! }))))
        .toBe('abcde|', v);
    });
    assert.equal(stats.restarts, 1);
    // Without receive times the same stream reads as two late duplicates.
    const blind = createDedupeStats();
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', v).pipe(dedupeFrames(options({ stats: blind })))).toBe('abc--|', v);
    });
    assert.deepEqual([blind.restarts, blind.duplicatesDropped], [0, 2]);
  });

  it('drops and counts sequences below the window and invalid sequences', () => {
    const stats = createDedupeStats();
    const v = { a: item(0, 'zmq'), b: item(9, 'zmq'), c: item(2, 'mqtt'), d: item(7, 'mqtt'), e: item(-1, 'mqtt') };
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', v).pipe(dedupeFrames(options({ stats, windowSize: 4, restart: { maxBackwardJump: 100 } }))))
        .toBe('ab-d-|', v);
    });
    assert.deepEqual(stats, {
      passed: 3, duplicatesDropped: 0, tooOldDropped: 1, invalidDropped: 1, restarts: 0,
      firstArrivals: { zmq: 2, mqtt: 1 },
    });
  });

  it('each subscription has its own memory', () => {
    const stats = createDedupeStats();
    const v = { a: item(0, 'zmq'), b: item(0, 'mqtt') };
    newScheduler().run(({ cold, expectObservable }) => {
      const deduped = cold('ab|', v).pipe(dedupeFrames(options({ stats })));
      expectObservable(deduped).toBe('a-|', v);
      expectObservable(deduped).toBe('a-|', v);
    });
    assert.deepEqual([stats.passed, stats.duplicatesDropped], [2, 2]);
  });

  it('property: output is exactly the first arrival of every key, in arrival order', () => {
    const keyArb = fc.record({ sourceId: fc.constantFrom('rsu-1', 'rsu-2', 'rsu-3'), sequence: fc.nat(999) });
    fc.assert(fc.property(
      fc.uniqueArray(keyArb, { selector: (k) => `${k.sourceId}/${k.sequence}`, maxLength: 100 }).chain((keys) => {
        // Every key on both paths, in any interleaving.
        const copies = keys.flatMap((k) => [{ ...k, transport: 'mqtt' as const }, { ...k, transport: 'zmq' as const }]);
        return fc.shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length });
      }),
      (arrivals) => {
        const stats = createDedupeStats();
        const out: Item[] = [];
        from(arrivals).pipe(dedupeFrames(options({ stats }))).subscribe((i) => out.push(i));
        const seen = new Set<string>();
        const firsts = arrivals.filter((a) => {
          const k = `${a.sourceId}/${a.sequence}`;
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
        assert.deepEqual(out, firsts);
        assert.equal(new Set(out.map((i) => `${i.sourceId}/${i.sequence}`)).size, out.length);
        assert.equal(stats.duplicatesDropped, arrivals.length - out.length);
        assert.equal((stats.firstArrivals.mqtt ?? 0) + (stats.firstArrivals.zmq ?? 0), out.length);
      },
    ));
  });
});
