import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  findCicv5gOutages, parseCicv5g, quantileLower, readCicv5g, summarizeCicv5g,
} from '../../sim/network/cicv5g.js';
import { cicv5gDirOrSkip } from '../support/require.js';

const HEADER10 = 'pub_time(ms) sub_time(ms) delay(ms) utmX(m) utmY(m) heading(rad) velocity(m/s) cellid(db) sinr(db) rsrp(db)';
const HEADER13 = `${HEADER10} currentX(m) currentY currentHeading(rad)`;

describe('parseCicv5g', () => {
  it('parses 10-column rows with trailing spaces, skipping the header', () => {
    const text = `${HEADER10}\n1721201578559 1721201578591 32 328968.400000 3463465.190000 2.684316 9.040000 5C4225714 8 -68 \n`
      + '1721201578615 1721201578638 23 328967.910000 3463465.420000 2.684316 9.040000 5C4225714 8 -68 \n';
    const t = parseCicv5g(text, 'urban.txt');
    assert.equal(t.origin, 'urban.txt');
    assert.deepEqual(t.rows, [
      {
        pubTimeMs: 1721201578559, subTimeMs: 1721201578591, delayMs: 32, xM: 328968.4, yM: 3463465.19,
        headingRad: 2.684316, speedMps: 9.04, cellId: '5C4225714', sinrDb: 8, rsrpDb: -68,
      },
      {
        pubTimeMs: 1721201578615, subTimeMs: 1721201578638, delayMs: 23, xM: 328967.91, yM: 3463465.42,
        headingRad: 2.684316, speedMps: 9.04, cellId: '5C4225714', sinrDb: 8, rsrpDb: -68,
      },
    ]);
  });

  it('ignores extra columns (12 or 13), CRLF line ends and blank lines', () => {
    const text = `${HEADER13}\r\n`
      + '1722584771162 1722584771194 32 329239.16 3463458.39 0.257 0 5C422503D 24 -71 329239.1679 3463458.3928 0.2568\r\n'
      + '\r\n'
      + '1722584771216 1722584771233 17 329239.5 3463458.5 0.257 1.5 5C42D300B 20 -75 329239.17 3463458.39\r\n';
    const t = parseCicv5g(text);
    assert.equal(t.rows.length, 2);
    assert.deepEqual(t.rows.map((r) => [r.delayMs, r.xM, r.yM, r.speedMps, r.cellId, r.sinrDb, r.rsrpDb]), [
      [32, 329239.16, 3463458.39, 0, '5C422503D', 24, -71],
      [17, 329239.5, 3463458.5, 1.5, '5C42D300B', 20, -75],
    ]);
  });

  it('accepts a file without a header', () => {
    const t = parseCicv5g('1000 1020 20 1 2 0 0 A 1 -80\n');
    assert.equal(t.rows.length, 1);
    assert.equal(t.rows[0]!.delayMs, 20);
  });

  it('names file:line for a short row', () => {
    const text = `${HEADER10}\n1000 1020 20 1 2 0 0 A 1 -80\n1055 1080 25 1 2 0\n`;
    assert.throws(() => parseCicv5g(text, 'x.txt'), {
      name: 'SyntaxError',
      message: 'x.txt:3: expected at least 10 columns, got 6',
    });
  });

  it('names file:line and the column for a non-numeric field', () => {
    const text = `${HEADER10}\n1000 1020 20 1 abc 0 0 A 1 -80\n`;
    assert.throws(() => parseCicv5g(text, 'x.txt'), { message: 'x.txt:2: column 5 (utmY) is not a number: "abc"' });
  });

  it('rejects a delay that disagrees with sub - pub, and pub times going backwards', () => {
    assert.throws(() => parseCicv5g('1000 1020 50 1 2 0 0 A 1 -80\n', 'x.txt'), {
      message: 'x.txt:1: delay 50 ms disagrees with sub_time - pub_time = 20 ms',
    });
    assert.throws(() => parseCicv5g('1000 1020 20 1 2 0 0 A 1 -80\n900 930 30 1 2 0 0 A 1 -80\n', 'x.txt'), {
      message: 'x.txt:2: pub_time 900 goes backwards (previous row 1000)',
    });
  });

  it('rejects a file with no data rows', () => {
    assert.throws(() => parseCicv5g(`${HEADER10}\n\n`, 'empty.txt'), { message: 'empty.txt: no data rows' });
  });
});

describe('quantileLower and summarizeCicv5g', () => {
  it('quantileLower takes index floor(p * (n - 1)) of the sorted sample', () => {
    const s = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(quantileLower(s, 0.5), 50); // floor(4.5) = 4
    assert.equal(quantileLower(s, 0.95), 90); // floor(8.55) = 8 (nearest rank would give 100)
    assert.equal(quantileLower(s, 1), 100);
    assert.equal(quantileLower(s, 0), 10);
    assert.throws(() => quantileLower([], 0.5), RangeError);
  });

  it('summarises duration, distance and delay of a small trace', () => {
    const text = [
      '1000 1020 20 0 0 0 0 A 1 -80',
      '1055 1085 30 3 4 0 0 A 1 -80', // 5 m
      '1110 1150 40 3 4 0 0 A 1 -80', // 0 m
      '1165 2165 1000 3 10 0 0 A 1 -80', // 6 m
    ].join('\n');
    const s = summarizeCicv5g(parseCicv5g(text));
    assert.equal(s.rows, 4);
    assert.equal(s.durationS, 0.165);
    assert.equal(s.distanceM, 11);
    assert.deepEqual(s.delayMs, { p50: 30, p95: 40, p99: 40, max: 1000, mean: 272.5 });
  });

  it('findCicv5gOutages reports runs above the threshold and when the link came back', () => {
    const text = [
      '1000 1020 20 0 0 0 0 A 1 -80',
      '1055 3000 1945 0 0 0 0 A 1 -80',
      '1110 3000 1890 0 3 0 0 A 1 -80',
      '1165 3001 1836 0 4 0 0 A 1 -80',
      '1220 1240 20 0 5 0 0 A 1 -80',
      '1275 2300 1025 0 6 0 0 A 1 -80',
    ].join('\n');
    assert.deepEqual(findCicv5gOutages(parseCicv5g(text)), [
      { firstRow: 1, rowCount: 3, startMs: 1055, endMs: 3001, durationS: 1.946, maxDelayMs: 1945, extentM: 4 },
      { firstRow: 5, rowCount: 1, startMs: 1275, endMs: 2300, durationS: 1.025, maxDelayMs: 1025, extentM: 0 },
    ]);
  });
});

describe('CICV5G real traces (data README table)', function () {
  // README: delay p50 / p95 / p99 / max, ms. quantileLower (numpy 'lower') reproduces all of them exactly;
  // nearest rank gives arterial p99 156, w2s p99 283, south p95 5014 and p99 9209.
  const table: Array<[string, number, number, number, number]> = [
    ['urban_n8_v30_run01.txt', 18, 25, 28, 261],
    ['arterial_n78_v80_run01.txt', 16, 23, 155, 271],
    ['w2s_n8_v30_run01.txt', 19, 35, 278, 505],
    ['south_n8_v10_01.txt', 28, 4960, 9182, 10241],
  ];
  for (const [file, p50, p95, p99, max] of table) {
    it(`${file}: delay quantiles ${p50} / ${p95} / ${p99} / ${max} ms`, function () {
      const dir = cicv5gDirOrSkip(this);
      const s = summarizeCicv5g(readCicv5g(join(dir, file)));
      const got = s.delayMs;
      for (const [name, want, have] of [['p50', p50, got.p50], ['p95', p95, got.p95], ['p99', p99, got.p99], ['max', max, got.max]] as const) {
        assert.ok(Math.abs(have - want) <= 1, `${file} ${name}: README ${want} ms, measured ${have} ms`);
      }
      assert.ok(s.durationS > 50 && s.distanceM > 300, `${file}: a real drive (${s.durationS} s, ${s.distanceM} m)`);
    });
  }

  it('row counts, durations and distances as measured', function () {
    const dir = cicv5gDirOrSkip(this);
    const got = table.map(([file]) => {
      const s = summarizeCicv5g(readCicv5g(join(dir, file)));
      return [file, s.rows, s.durationS, Math.round(s.distanceM)];
    });
    assert.deepEqual(got, [
      ['urban_n8_v30_run01.txt', 4432, 253.668, 1748],
      ['arterial_n78_v80_run01.txt', 979, 53.926, 800],
      ['w2s_n8_v30_run01.txt', 1760, 97.411, 711],
      ['south_n8_v10_01.txt', 2042, 113.824, 311],
    ]);
  });

  it('south has one long outage (about 11 s, 185 rows, 33 m) and four short ones; the others have none', function () {
    const dir = cicv5gDirOrSkip(this);
    const south = findCicv5gOutages(readCicv5g(join(dir, 'south_n8_v10_01.txt')));
    assert.deepEqual(south.map((o) => o.rowCount), [2, 3, 185, 1, 21]);
    const long = south[2]!;
    assert.equal(long.maxDelayMs, 10241);
    assert.ok(long.durationS > 11 && long.durationS < 11.5, `long outage ${long.durationS} s`);
    assert.ok(long.extentM > 30 && long.extentM < 35, `long outage extent ${long.extentM} m`);
    for (const file of ['urban_n8_v30_run01.txt', 'arterial_n78_v80_run01.txt', 'w2s_n8_v30_run01.txt']) {
      assert.deepEqual(findCicv5gOutages(readCicv5g(join(dir, file))), [], file);
    }
  });
});
