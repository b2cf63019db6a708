import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildNetworkMapFromCicv5g } from '../../shared/netmap/build.js';
import { NetworkMap, type CellSummary } from '../../shared/netmap/network-map.js';
import { parseCicv5g, readCicv5g } from '../../sim/network/cicv5g.js';
import { cicv5gDirOrSkip } from '../support/require.js';

describe('buildNetworkMapFromCicv5g', () => {
  it('one sample per row: one-way = delay / 2, lost above the 10 s round-trip cut-off, frame utm51n', () => {
    const trace = parseCicv5g([
      '1000 1020 20 329001 3463001 0 0 A 1 -80',
      '1055 1085 30 329002 3463002 0 0 A 1 -80',
      '1110 13110 12000 329003 3463003 0 0 A 1 -80',
      '1165 2365 1200 329004 3463004 0 0 A 1 -80',
      '1220 1260 40 329030 3463001 0 0 A 1 -80',
    ].join('\n'));
    const m = buildNetworkMapFromCicv5g(trace, { minCount: 1 });
    assert.equal(m.mapFrame, 'utm51n');
    const s = m.query(329000, 3463000)!;
    assert.deepEqual(
      [s.i, s.j, s.count, s.lostCount, s.outageRate, s.p50Ms, s.maxMs, s.meanMs],
      [13160, 138520, 4, 1, 0.5, 15, 600, 625 / 3],
    );
    assert.equal(m.query(329030, 3463000)!.p50Ms, 20);
    const stricter = buildNetworkMapFromCicv5g(trace, { minCount: 1, lossCutoffRttMs: 1000 });
    assert.equal(stricter.query(329000, 3463000)!.lostCount, 2);
  });

  it('adds into an existing map when given one', () => {
    const trace = parseCicv5g('1000 1020 20 5 5 0 0 A 1 -80\n');
    const earlier = new NetworkMap({ mapFrame: 'utm51n', minCount: 1 });
    earlier.add(6, 6, 30);
    const m = buildNetworkMapFromCicv5g(trace, { into: earlier });
    assert.equal(m, earlier);
    assert.deepEqual([m.query(5, 5)!.count, m.query(5, 5)!.p50Ms, m.query(5, 5)!.maxMs], [2, 10, 30]);
  });
});

describe('network maps of the real CICV5G drives (25 m cells, min 10 samples)', () => {
  const known = (file: string, dir: string): { map: NetworkMap; cells: CellSummary[] } => {
    const map = buildNetworkMapFromCicv5g(readCicv5g(join(dir, file)));
    return { map, cells: map.cells() };
  };

  it('south_n8_v10_01: the long outage shows as a cell with outage rate > 0.3, found by lookAhead', function () {
    const dir = cicv5gDirOrSkip(this);
    const trace = readCicv5g(join(dir, 'south_n8_v10_01.txt'));
    const map = buildNetworkMapFromCicv5g(trace);
    const cells = map.cells();
    assert.equal(cells.length, 12);
    const outageCells = cells.filter((c) => c.outageRate > 0.3);
    assert.equal(outageCells.length, 1, 'one cell holds most of the 11 s outage');
    const bad = outageCells[0]!;
    assert.ok(bad.outageRate > 0.45 && bad.outageRate < 0.46, `outage rate ${bad.outageRate}`);
    assert.ok(bad.p90Ms! > 3000, `p90 ${bad.p90Ms} ms`);
    assert.equal(cells.filter((c) => c.outageRate > 0).length, 4);
    assert.equal(cells.filter((c) => c.p90Ms! > 100).length, 5);
    assert.equal(cells.reduce((n, c) => n + c.lostCount, 0), 5); // round trips above 10 s
    // Driving the recorded route, a 50 m look-ahead from the start already flags that cell.
    const route = trace.rows.map((r) => ({ xM: r.xM, yM: r.yM }));
    const hit = map.lookAhead(route, 0, 50)!;
    assert.deepEqual([hit.i, hit.j], [bad.i, bad.j]);
    assert.ok(hit.enterSM > 40 && hit.enterSM < 45, `entered at ${hit.enterSM} m`);
  });

  it('urban_n8_v30_run01: one-way p90 below 20 ms in every known cell, no outages', function () {
    const { cells } = known('urban_n8_v30_run01.txt', cicv5gDirOrSkip(this));
    assert.equal(cells.length, 48);
    const slow = cells.filter((c) => c.p90Ms! >= 20);
    assert.deepEqual(slow, [], 'cells with p90 >= 20 ms');
    assert.equal(Math.max(...cells.map((c) => c.p90Ms!)), 14);
    assert.ok(cells.every((c) => c.outageRate === 0));
  });

  it('arterial and w2s: good cells with a few slow ones (w2s: two cells with p90 above 100 ms)', function () {
    const dir = cicv5gDirOrSkip(this);
    const arterial = known('arterial_n78_v80_run01.txt', dir).cells;
    assert.equal(arterial.filter((c) => c.p90Ms! > 100).length, 0);
    assert.equal(Math.max(...arterial.map((c) => c.p90Ms!)), 25.5);
    const w2s = known('w2s_n8_v30_run01.txt', dir).cells;
    assert.deepEqual(w2s.filter((c) => c.p90Ms! > 100).map((c) => c.p90Ms), [162, 129]);
    assert.ok([...arterial, ...w2s].every((c) => c.outageRate === 0));
  });

  it('maps of two drives merge, and the merged map survives a JSON round trip', function () {
    const dir = cicv5gDirOrSkip(this);
    const merged = known('urban_n8_v30_run01.txt', dir).map.merge(known('w2s_n8_v30_run01.txt', dir).map);
    const total = merged.cells(1).reduce((n, c) => n + c.count, 0);
    assert.equal(total, 4432 + 1760);
    const back = NetworkMap.fromJSON(JSON.parse(JSON.stringify(merged)));
    assert.deepEqual(back.toJSON(), merged.toJSON());
  });
});
