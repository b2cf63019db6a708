import assert from 'node:assert/strict';
import { NetworkMap, type NetworkMapJson } from '../../shared/netmap/network-map.js';

/** n samples of latencyMs (null = lost) at (xM, yM). */
function fill(map: NetworkMap, xM: number, yM: number, n: number, latencyMs: number | null): void {
  for (let k = 0; k < n; k++) map.add(xM, yM, latencyMs);
}

describe('NetworkMap cells', () => {
  it('assigns points to cells by floor: a boundary belongs to the cell above/right', () => {
    const m = new NetworkMap();
    assert.deepEqual(m.cellOf(0, 0), { i: 0, j: 0 });
    assert.deepEqual(m.cellOf(24.999999, 24.999999), { i: 0, j: 0 });
    assert.deepEqual(m.cellOf(25, 0), { i: 1, j: 0 });
    assert.deepEqual(m.cellOf(0, 25), { i: 0, j: 1 });
    assert.deepEqual(m.cellOf(-0.001, -25), { i: -1, j: -1 });
    assert.deepEqual(m.cellOf(-25.001, 50), { i: -2, j: 2 });
    const utm = new NetworkMap({ cellSizeM: 10, originXM: 329000, originYM: 3463000 });
    assert.deepEqual(utm.cellOf(329010, 3462999.99), { i: 1, j: -1 });
    assert.deepEqual(new NetworkMap().cellOf(329010, 3463000), { i: 13160, j: 138520 });
    assert.throws(() => m.cellOf(NaN, 0), RangeError);
  });

  it('summarises known samples exactly: count, mean, nearest-rank p50/p90/p99, max', () => {
    const m = new NetworkMap();
    for (let v = 1; v <= 100; v++) m.add(10, 10, v);
    const s = m.query(10, 10);
    assert.deepEqual(s, {
      i: 0, j: 0, centerXM: 12.5, centerYM: 12.5, count: 100, lostCount: 0, outageRate: 0,
      meanMs: 50.5, p50Ms: 50, p90Ms: 90, p99Ms: 99, maxMs: 100,
    });
  });

  it('half-ms samples below 100 ms are exact; above, a quantile reports its bucket maximum (never lower)', () => {
    const m = new NetworkMap({ minCount: 1 });
    for (const v of [9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14]) m.add(0, 0, v);
    assert.deepEqual([m.query(0, 0)!.p50Ms, m.query(0, 0)!.p90Ms, m.query(0, 0)!.maxMs], [11.5, 13.5, 14]);
    // 101..104 share the 5 ms bucket [100, 105): p50 (true value 102) reads 104.
    for (const v of [101, 102, 103, 104]) m.add(100, 0, v);
    assert.equal(m.query(100, 0)!.p50Ms, 104);
    // Overflow above 10 s keeps the true maximum.
    m.add(200, 0, 12_345);
    assert.equal(m.query(200, 0)!.p50Ms, 12_345);
  });

  it('outage rate counts lost samples and samples strictly above the threshold', () => {
    const m = new NetworkMap({ minCount: 1 });
    for (const v of [499, 500, 501, null]) m.add(0, 0, v);
    const s = m.query(0, 0)!;
    // p50 is the 2nd of 499, 500, 501; 500 and 501 share the bucket [500, 505), which reads 501.
    assert.deepEqual([s.count, s.lostCount, s.outageRate, s.meanMs, s.p50Ms, s.maxMs], [4, 1, 0.5, 500, 501, 501]);
    fill(m, 30, 0, 3, null);
    const lost = m.query(30, 0)!;
    assert.deepEqual([lost.outageRate, lost.meanMs, lost.p90Ms], [1, null, null]);
    const strict = new NetworkMap({ minCount: 1, outageThresholdMs: 100 });
    strict.add(0, 0, 120);
    assert.equal(strict.query(0, 0)!.outageRate, 1);
  });

  it('query needs minCount samples; cell answers whatever it has', () => {
    const m = new NetworkMap({ minCount: 10 });
    fill(m, 5, 5, 9, 20);
    assert.equal(m.query(5, 5), null);
    assert.equal(m.cell(5, 5)!.count, 9);
    assert.equal(m.cell(100, 100), null);
    m.add(20, 20, 20);
    assert.equal(m.query(5, 5)!.count, 10);
    assert.equal(m.cells().length, 1);
    assert.equal(m.cells(1).length, 1);
  });

  it('rejects invalid samples and options', () => {
    const m = new NetworkMap();
    assert.throws(() => m.add(0, 0, -1), /latency must be a finite number >= 0 ms or null/);
    assert.throws(() => m.add(0, 0, Infinity), RangeError);
    assert.throws(() => new NetworkMap({ cellSizeM: 0 }), /cellSizeM must be > 0/);
    assert.throws(() => new NetworkMap({ minCount: 0.5 }), /minCount must be an integer >= 1/);
  });
});

describe('NetworkMap along a path', () => {
  it('cellsAlong: exact cells and entry arc lengths on a diagonal, across segments, and going backwards', () => {
    const m = new NetworkMap();
    const diag = m.cellsAlong([{ xM: 5, yM: 5 }, { xM: 60, yM: 30 }], 0, 100);
    const len = Math.hypot(55, 25);
    assert.deepEqual(diag.map(({ i, j }) => [i, j]), [[0, 0], [1, 0], [1, 1], [2, 1]]);
    const want = [0, (20 / 55) * len, (20 / 25) * len, (45 / 55) * len];
    diag.forEach((c, k) => assert.ok(Math.abs(c.enterSM - want[k]!) < 1e-9, `cell ${k}: ${c.enterSM} vs ${want[k]}`));

    const corner = [{ xM: 0, yM: 0 }, { xM: 100, yM: 0 }, { xM: 100, yM: 100 }];
    assert.deepEqual(m.cellsAlong(corner, 90, 30), [{ i: 3, j: 0, enterSM: 90 }, { i: 4, j: 0, enterSM: 100 }]);
    assert.deepEqual(m.cellsAlong(corner, 90, 40).map((c) => [c.i, c.j, c.enterSM]), [[3, 0, 90], [4, 0, 100], [4, 1, 125]]);

    assert.deepEqual(m.cellsAlong([{ xM: 60, yM: 5 }, { xM: -10, yM: 5 }], 0, 70), [
      { i: 2, j: 0, enterSM: 0 }, { i: 1, j: 0, enterSM: 10 }, { i: 0, j: 0, enterSM: 35 }, { i: -1, j: 0, enterSM: 60 },
    ]);
    assert.deepEqual(m.cellsAlong(corner, 500, 10), []);
  });

  // A straight road along y = 12.5: 10 ms everywhere, except a slow cell 100-125 m and a lossy one 200-225 m.
  const road = [{ xM: 0, yM: 12.5 }, { xM: 1000, yM: 12.5 }];
  function roadMap(): NetworkMap {
    const m = new NetworkMap();
    for (let i = 0; i < 40; i++) fill(m, i * 25 + 12.5, 12.5, 20, 10);
    fill(m, 112.5, 12.5, 20, 400); // cell 4 now: 20 x 10 ms + 20 x 400 ms, p90 400, no outage
    fill(m, 212.5, 12.5, 12, null); // cell 8: 12 lost of 32, outage 0.375
    return m;
  }

  it('lookAhead finds a bad cell 100 m ahead, not before it is within the horizon', () => {
    const m = roadMap();
    const hit = m.lookAhead(road, 0, 150)!;
    assert.deepEqual([hit.i, hit.j, hit.enterSM, hit.p90Ms, hit.outageRate], [4, 0, 100, 400, 0]);
    const near = m.lookAhead(road, 0, 90)!;
    assert.deepEqual([near.i, near.enterSM, near.p90Ms], [0, 0, 10]); // all good: the nearest
    const inside = m.lookAhead(road, 110, 50)!;
    assert.deepEqual([inside.i, inside.enterSM], [4, 110]);
  });

  it('badStretchEndSM: where the last bad known cell within the distance is left', () => {
    const m = roadMap();
    const bad = (c: { p90Ms: number | null; outageRate: number }): boolean => c.outageRate >= 0.2 || (c.p90Ms ?? Infinity) >= 300;
    assert.equal(m.badStretchEndSM(road, 0, 150, bad), 125); // cell 4 [100, 125)
    assert.equal(m.badStretchEndSM(road, 0, 300, bad), 225); // cells 4 and 8: the last one's end
    assert.equal(m.badStretchEndSM(road, 0, 210, bad), 210); // inside cell 8 at the distance: the distance
    assert.equal(m.badStretchEndSM(road, 130, 60, bad), null); // only good cells in [130, 190]
    assert.equal(m.badStretchEndSM(road, 110, 10, bad), 120); // in the bad cell already
    const sparse = new NetworkMap();
    fill(sparse, 12.5, 12.5, 9, null); // below minCount: unknown, not bad
    assert.equal(sparse.badStretchEndSM(road, 0, 100, bad), null);
  });

  it('lookAhead ranks outage rate above latency, and ignores cells with too few samples', () => {
    const m = roadMap();
    const worst = m.lookAhead(road, 0, 300)!;
    assert.deepEqual([worst.i, worst.enterSM, worst.outageRate], [8, 200, 0.375]);
    fill(m, 262.5, 12.5, 100, null); // cell 10 gets 20 good + 100 lost
    const sparse = new NetworkMap();
    fill(sparse, 12.5, 12.5, 9, null); // below minCount 10: unknown, not bad
    assert.equal(sparse.lookAhead(road, 0, 100), null);
    assert.equal(m.lookAhead(road, 0, 300)!.i, 10);
  });
});

describe('NetworkMap persistence and merging', () => {
  function sampleMap(): NetworkMap {
    const m = new NetworkMap({ mapFrame: 'utm51n', cellSizeM: 20, originXM: 329000, originYM: 3463000, minCount: 3 });
    const vals = [9.5, 12, 12, 18.5, 130, 777, 12_001, null, 44];
    vals.forEach((v, k) => m.add(329000 + k * 7, 3463000 - k * 3, v));
    fill(m, 329005, 3463005, 5, 16);
    return m;
  }

  it('round-trips through JSON text with equal content and summaries', () => {
    const m = sampleMap();
    const json = m.toJSON();
    assert.equal(json.format, 'iaad-network-map');
    assert.equal(json.version, 1);
    const back = NetworkMap.fromJSON(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(back.toJSON(), json);
    assert.deepEqual(back.cells(1), m.cells(1));
    assert.equal(back.mapFrame, 'utm51n');
  });

  it('fromJSON rejects a bad version, format or content with a clear message', () => {
    const json = sampleMap().toJSON();
    const bad = (patch: Partial<NetworkMapJson> | Record<string, unknown>): unknown => ({ ...json, ...patch });
    assert.throws(() => NetworkMap.fromJSON(bad({ version: 2 })), {
      name: 'TypeError',
      message: 'NetworkMap.fromJSON: unsupported version 2 (this build reads version 1)',
    });
    assert.throws(() => NetworkMap.fromJSON(bad({ format: 'x' })), /format must be "iaad-network-map"/);
    assert.throws(() => NetworkMap.fromJSON(null), /expected an object/);
    assert.throws(() => NetworkMap.fromJSON(bad({ cellSizeM: -1 })), /cellSizeM must be > 0/);
    const cells = structuredClone(json.cells);
    cells[0]!.count += 1;
    assert.throws(() => NetworkMap.fromJSON(bad({ cells })), /cells\[0\]: bucket counts sum to \d+, expected count - lost = \d+/);
    const cells2 = structuredClone(json.cells);
    cells2[0]!.buckets[0]![2] = 1e6;
    assert.throws(() => NetworkMap.fromJSON(bad({ cells: cells2 })), /cells\[0\]\.buckets\[0\]: needs count > 0 and .* <= maxMs </);
    assert.throws(() => NetworkMap.fromJSON(bad({ cells: [...json.cells, json.cells[0]] })), /duplicate cell/);
  });

  it('merge equals one map fed all samples, and is deterministic regardless of order', () => {
    const samples: Array<[number, number, number | null]> = [];
    for (let k = 0; k < 300; k++) samples.push([(k * 37) % 200, (k * 11) % 90, k % 17 === 0 ? null : (k * 7) % 1300 / 2]);
    const all = new NetworkMap();
    for (const [x, y, v] of samples) all.add(x, y, v);
    const a = new NetworkMap();
    const b = new NetworkMap();
    samples.forEach(([x, y, v], k) => (k % 3 === 0 ? a : b).add(x, y, v));
    assert.deepEqual(a.merge(b).toJSON(), all.toJSON());
    const reversed = new NetworkMap();
    for (const [x, y, v] of [...samples].reverse()) reversed.add(x, y, v);
    assert.deepEqual(reversed.toJSON(), all.toJSON());
  });

  it('refuses to merge maps on different grids', () => {
    assert.throws(() => new NetworkMap({ cellSizeM: 25 }).merge(new NetworkMap({ cellSizeM: 10 })),
      /cannot merge network maps with different cellSizeM \(25 vs 10\)/);
    assert.throws(() => new NetworkMap({ mapFrame: 'a' }).merge(new NetworkMap({ mapFrame: 'b' })), /mapFrame \(a vs b\)/);
  });
});
