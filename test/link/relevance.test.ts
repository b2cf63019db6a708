import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RsuRelevance, rsuRelevanceFor } from '../../shared/link/relevance.js';

describe('RSU relevance (shared/link/relevance.ts)', () => {
  const sites = [{ rsuId: 'a', xM: 0, yM: 0 }, { rsuId: 'b', xM: 1000, yM: 0 }];

  it('takes an RSU in within subscribeWithinM and lets it go only beyond releaseBeyondM', () => {
    const r = new RsuRelevance(sites, { subscribeWithinM: 250, releaseBeyondM: 300 });
    // Before any position: everything counts (nothing says an RSU is far).
    assert.equal(r.isRelevant('a'), true);
    assert.equal(r.isRelevant('b'), true);
    assert.deepEqual(r.update(0, 0), [{ rsuId: 'b', relevant: false }]);
    assert.deepEqual(r.update(290, 0), []); // a: 290 m, inside the release distance: kept
    assert.deepEqual(r.update(301, 0), [{ rsuId: 'a', relevant: false }]);
    assert.deepEqual(r.update(260, 0), []); // back to 260 m: not yet within 250 m
    assert.deepEqual(r.update(749, 0), []); // b at 251 m
    assert.deepEqual(r.update(750, 0), [{ rsuId: 'b', relevant: true }]);
    assert.equal(r.isRelevant('a'), false);
    assert.equal(r.isRelevant('b'), true);
    assert.equal(r.isRelevant('unsited'), true);
  });

  it('never flaps: along any path, an RSU changes state only across the band between the two distances', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -2000, max: 2000, noNaN: true }), { minLength: 1, maxLength: 60 }), (xs) => {
      const r = new RsuRelevance([{ rsuId: 'a', xM: 0, yM: 0 }], { subscribeWithinM: 250, releaseBeyondM: 300 });
      for (const x of xs) {
        const was = r.isRelevant('a');
        const changes = r.update(x, 0);
        const now = r.isRelevant('a');
        assert.equal(changes.length, was === now ? 0 : 1);
        if (now && !was) assert.ok(Math.abs(x) <= 250);
        if (!now && was) assert.ok(Math.abs(x) > 300);
        if (Math.abs(x) <= 250) assert.equal(now, true);
        if (Math.abs(x) > 300) assert.equal(now, false);
      }
    }));
  });

  it('rejects inconsistent parameters and positions; no positions means no relevance at all', () => {
    assert.throws(() => new RsuRelevance(sites, { subscribeWithinM: 300, releaseBeyondM: 250 }), /subscribeWithinM <= releaseBeyondM/);
    assert.throws(() => new RsuRelevance(sites, { subscribeWithinM: 0, releaseBeyondM: 250 }), RangeError);
    assert.throws(() => new RsuRelevance([{ rsuId: 'x', xM: Number.NaN, yM: 0 }]), /position must be finite/);
    assert.equal(rsuRelevanceFor([{ id: 'a' }, { id: 'b' }]), undefined);
    const r = rsuRelevanceFor([{ id: 'a', position: { xM: 0, yM: 0 } }, { id: 'b' }]);
    assert.ok(r);
    r.update(5000, 0);
    assert.equal(r.isRelevant('a'), false);
    assert.equal(r.isRelevant('b'), true);
  });
});
