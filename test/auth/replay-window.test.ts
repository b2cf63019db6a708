import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplayWindow, SequenceGate } from '../../shared/auth/replay-window.js';
import { ReplayGuard } from '../../shared/auth/authenticate.js';

describe('replay protection (shared/auth/replay-window.ts)', () => {
  it('ReplayWindow accepts each (boot, sequence) at most once, and matches a set-based model', () => {
    const W = 16;
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 80 })), { maxLength: 300 }), (msgs) => {
      const w = new ReplayWindow(W);
      let boot = -1;
      let highest = -1;
      let seen = new Set<number>();
      for (const [b, s] of msgs) {
        let expected: string;
        if (b < boot) expected = 'oldBoot';
        else {
          if (b > boot) { boot = b; highest = -1; seen = new Set(); }
          if (s > highest) expected = 'ok';
          else if (highest - s >= W) expected = 'tooOld';
          else expected = seen.has(s) ? 'duplicate' : 'ok';
          if (expected === 'ok') { seen.add(s); highest = Math.max(highest, s); }
        }
        assert.equal(w.check(b, s), expected, `boot ${b} sequence ${s}`);
      }
    }), { seed: 15, numRuns: 500 });
  });

  it('ReplayWindow: a restart (later boot epoch) starts afresh; an earlier boot epoch is a replay', () => {
    const w = new ReplayWindow();
    for (let s = 0; s < 100; s++) assert.equal(w.check(1000, s), 'ok');
    assert.equal(w.check(1000, 50), 'duplicate');
    assert.equal(w.check(2000, 0), 'ok');
    assert.equal(w.check(1000, 101), 'oldBoot');
    assert.equal(w.check(2000, 2 ** 52), 'ok');
    assert.equal(w.check(2000, 1), 'tooOld');
  });

  it('ReplayGuard keeps one window per path: the same message over MQTT and ZeroMQ is not a replay; stale ones are', () => {
    const g = new ReplayGuard(10e9);
    const c = { keyId: 'k', stream: 'frame', bootEpochNs: 1, sequence: 5, timeNs: 100e9, nowSenderNs: 100e9 };
    assert.equal(g.check({ ...c, path: 'mqtt' }), null);
    assert.equal(g.check({ ...c, path: 'zmq' }), null);
    assert.equal(g.check({ ...c, path: 'mqtt' })?.reason, 'replayed');
    assert.equal(g.check({ ...c, path: 'mqtt', sequence: 6, timeNs: 89e9 })?.reason, 'stale');
  });

  it('SequenceGate: first copies only; a restart with a later boot epoch resets; 2^52 does not disable the stream', () => {
    const g = new SequenceGate(5);
    assert.ok(g.accept(10, 0));
    assert.ok(!g.accept(10, 0), 'the other path\'s copy');
    assert.ok(g.accept(10, 1));
    assert.ok(g.accept(20, 0), 'restart: later boot epoch, sequence from 0');
    assert.ok(g.accept(20, 2 ** 52), 'an unsigned message with a huge sequence');
    // The real sender goes on: its next messages are below the mark, then followed.
    const taken = [3, 3, 4, 5, 6, 7, 8].map((s) => g.accept(20, s));
    assert.deepEqual(taken, [false, false, false, false, false, true, true]);
  });

  it('SequenceGate: never disabled for good, whatever arrives before (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 50 }), fc.nat({ max: 1000 }), (noise, start) => {
      const g = new SequenceGate(5);
      for (const [b, s] of noise) g.accept(b, s);
      const taken = Array.from({ length: 10 }, (_, i) => g.accept(0, start + i));
      assert.ok(taken.slice(5).every(Boolean), `a steady sender is followed after at most 5 messages: ${taken}`);
    }), { seed: 15, numRuns: 300 });
  });
});
