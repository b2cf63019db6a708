import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  enuToUtm,
  enuToWgs84,
  utmEpsg,
  utmToEnu,
  utmToWgs84,
  utmZoneForLon,
  wgs84ToEnu,
  wgs84ToUtm,
} from '../../shared/geometry/geodesy.js';
import { close } from '../support/close.js';

// WGS-84 ellipsoid, for independent reference values.
const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const meridionalRadius = (latRad: number): number => (A * (1 - E2)) / (1 - E2 * Math.sin(latRad) ** 2) ** 1.5;

/** Meridian arc length from the equator, by composite Simpson integration (independent of proj4). */
function meridianArc(latDeg: number): number {
  const n = 2000;
  const b = (latDeg * Math.PI) / 180;
  const h = b / n;
  let sum = meridionalRadius(0) + meridionalRadius(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * meridionalRadius(i * h);
  return (sum * h) / 3;
}

const SHANGHAI_ORIGIN = { latDeg: 31.29, lonDeg: 121.2, heightM: 4 };

describe('geometry/geodesy', () => {
  it('picks standard UTM zones and EPSG codes', () => {
    assert.equal(utmZoneForLon(121.2), 51);
    assert.equal(utmEpsg(51, 'N'), 32651);
    assert.equal(utmEpsg(56, 'S'), 32756);
    assert.equal(utmZoneForLon(-180), 1);
    assert.equal(utmZoneForLon(180), 60);
    assert.equal(utmZoneForLon(0), 31);
    assert.equal(utmZoneForLon(-0.0001), 30);
    assert.throws(() => utmZoneForLon(200), RangeError);
    assert.throws(() => utmZoneForLon(Number.NaN), RangeError);
    assert.throws(() => utmEpsg(61, 'N'), RangeError);
  });

  it('converts a UTM 51N point of our Shanghai traces to WGS-84 and back within 1 mm', () => {
    const utm = { eastingM: 329239.16, northingM: 3463458.39, zone: 51, hemisphere: 'N' as const };
    const g = utmToWgs84(utm);
    close(g.latDeg, 31.2930, 1e-3);
    close(g.lonDeg, 121.2059, 1e-3);
    const back = wgs84ToUtm(g, 51, 'N');
    close(back.eastingM, utm.eastingM, 1e-3);
    close(back.northingM, utm.northingM, 1e-3);
    // Without an explicit zone the point's own zone (51N) is chosen.
    const auto = wgs84ToUtm(g);
    assert.equal(auto.zone, 51);
    assert.equal(auto.hemisphere, 'N');
  });

  it('matches the projection definition on the central meridian', () => {
    const eq = wgs84ToUtm({ latDeg: 0, lonDeg: 123 });
    close(eq.eastingM, 500000, 1e-6);
    close(eq.northingM, 0, 1e-6);
    // On the central meridian northing = k0 · meridian arc; 45°N gives the textbook 4 982 950.400 m.
    for (const lat of [10, 31.29, 45, 60]) {
      const p = wgs84ToUtm({ latDeg: lat, lonDeg: 123 }, 51, 'N');
      close(p.eastingM, 500000, 1e-6, `E at ${lat}`);
      close(p.northingM, 0.9996 * meridianArc(lat), 1e-3, `N at ${lat}`);
    }
    close(wgs84ToUtm({ latDeg: 45, lonDeg: 123 }).northingM, 4982950.4, 1e-3);
  });

  it('handles the southern hemisphere (false northing 10 000 km)', () => {
    const sydney = { latDeg: -33.8688, lonDeg: 151.2093 };
    const u = wgs84ToUtm(sydney);
    assert.equal(u.zone, 56);
    assert.equal(u.hemisphere, 'S');
    // 2.2° off the central meridian northing exceeds k0·arc by ~1.4 km; only a sanity range here.
    assert.ok(u.northingM > 6.24e6 && u.northingM < 6.26e6);
    const g = utmToWgs84(u);
    close(g.latDeg, sydney.latDeg, 1e-10);
    close(g.lonDeg, sydney.lonDeg, 1e-10);
  });

  it('rejects invalid input', () => {
    assert.throws(() => wgs84ToUtm({ latDeg: 91, lonDeg: 0 }), RangeError);
    assert.throws(() => wgs84ToUtm({ latDeg: Number.NaN, lonDeg: 0 }), RangeError);
    assert.throws(() => utmToWgs84({ eastingM: Infinity, northingM: 0, zone: 51, hemisphere: 'N' }), RangeError);
    assert.throws(() => wgs84ToUtm({ latDeg: 31, lonDeg: 121 }, 0), RangeError);
  });

  it('ENU: origin is zero, height is up, north and east follow the ellipsoid radii', () => {
    const o = wgs84ToEnu(SHANGHAI_ORIGIN, SHANGHAI_ORIGIN);
    close(o.xM, 0, 1e-9);
    close(o.yM, 0, 1e-9);
    close(o.zM, 0, 1e-9);
    const up = wgs84ToEnu({ ...SHANGHAI_ORIGIN, heightM: 104 }, SHANGHAI_ORIGIN);
    close(up.xM, 0, 1e-8);
    close(up.yM, 0, 1e-8);
    close(up.zM, 100, 1e-8);
    // 0.001° north: arc ≈ M(φ_mid)·Δφ; the tangent plane sees it as y ≈ arc (diff ~ arc³/R², nm) and dips below by
    // ≈ arc²/(2M).
    const dLat = 0.001;
    const north = wgs84ToEnu({ ...SHANGHAI_ORIGIN, latDeg: SHANGHAI_ORIGIN.latDeg + dLat }, SHANGHAI_ORIGIN);
    const arc = meridionalRadius(((SHANGHAI_ORIGIN.latDeg + dLat / 2) * Math.PI) / 180) * ((dLat * Math.PI) / 180);
    close(north.xM, 0, 1e-8);
    close(north.yM, arc, 1e-4);
    close(north.zM, -(arc * arc) / (2 * meridionalRadius((SHANGHAI_ORIGIN.latDeg * Math.PI) / 180)), 1e-5);
    // 0.001° east: along the parallel, radius N(φ)·cos φ.
    const east = wgs84ToEnu({ ...SHANGHAI_ORIGIN, lonDeg: SHANGHAI_ORIGIN.lonDeg + dLat }, SHANGHAI_ORIGIN);
    const lat = (SHANGHAI_ORIGIN.latDeg * Math.PI) / 180;
    const nRadius = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
    close(east.xM, (nRadius + SHANGHAI_ORIGIN.heightM) * Math.cos(lat) * ((dLat * Math.PI) / 180), 1e-3);
  });

  it('property: ENU round trip within 1 mm over ±5 km', () => {
    const off = fc.double({ min: -5000, max: 5000, noNaN: true });
    fc.assert(
      fc.property(off, off, fc.double({ min: -100, max: 500, noNaN: true }), (x, y, z) => {
        const g = enuToWgs84({ xM: x, yM: y, zM: z }, SHANGHAI_ORIGIN);
        const p = wgs84ToEnu(g, SHANGHAI_ORIGIN);
        close(p.xM, x, 1e-3);
        close(p.yM, y, 1e-3);
        close(p.zM, z, 1e-3);
      }),
      { numRuns: 200 },
    );
  });

  it('property: UTM round trip within 1 mm', () => {
    fc.assert(
      fc.property(fc.double({ min: -79, max: 83, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), (latDeg, lonDeg) => {
        const u = wgs84ToUtm({ latDeg, lonDeg });
        const g = utmToWgs84(u);
        const u2 = wgs84ToUtm(g, u.zone, u.hemisphere);
        close(u2.eastingM, u.eastingM, 1e-3);
        close(u2.northingM, u.northingM, 1e-3);
      }),
      { numRuns: 300, examples: [[-70.95910643033488, 180], [0, -180], [83, 180]] },
    );
  });

  it('UTM <-> ENU around a site origin', () => {
    const originUtm = wgs84ToUtm(SHANGHAI_ORIGIN, 51, 'N');
    const o = utmToEnu(originUtm, { ...SHANGHAI_ORIGIN, heightM: 0 });
    close(o.xM, 0, 1e-3);
    close(o.yM, 0, 1e-3);
    const p = { xM: 120, yM: -75, zM: 0 };
    const u = enuToUtm(p, SHANGHAI_ORIGIN);
    assert.equal(u.zone, 51);
    const back = utmToEnu(u, SHANGHAI_ORIGIN);
    close(back.xM, p.xM, 1e-3);
    close(back.yM, p.yM, 1e-3);
    // UTM grid vs the tangent plane: lengths scale by the point scale factor k ≈ k0·(1 + (Δλ·cos φ)²/2), and
    // directions rotate by the grid convergence γ = atan(tan Δλ · sin φ) (math angles: grid = true + γ).
    const dE = u.eastingM - originUtm.eastingM;
    const dN = u.northingM - originUtm.northingM;
    const lat = (SHANGHAI_ORIGIN.latDeg * Math.PI) / 180;
    const dLon = ((SHANGHAI_ORIGIN.lonDeg - 123) * Math.PI) / 180;
    const k = 0.9996 * (1 + (dLon * Math.cos(lat)) ** 2 / 2);
    close(Math.hypot(dE, dN), k * Math.hypot(p.xM, p.yM), 1e-3);
    const gamma = Math.atan(Math.tan(dLon) * Math.sin(lat));
    close(Math.atan2(dN, dE) - Math.atan2(p.yM, p.xM), gamma, 1e-5);
  });
});
