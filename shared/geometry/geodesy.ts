// WGS-84 geodetic <-> UTM and <-> a local ENU tangent frame, through proj4. Map frames are metric (UTM
// easting/northing, e.g. "utm51n" = EPSG:32651 for our traces near Shanghai, or ENU around a site origin);
// these conversions bring GNSS fixes and survey points into them.
import proj4 from 'proj4';
import type { Point3 } from './transform.js';

export type Hemisphere = 'N' | 'S';

export interface GeodeticPoint {
  latDeg: number;
  lonDeg: number;
  /** Ellipsoidal height, m. Only the ENU conversions use it; UTM is 2D. */
  heightM?: number;
}

export interface UtmPoint {
  eastingM: number;
  northingM: number;
  /** 1..60 */
  zone: number;
  hemisphere: Hemisphere;
}

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const GEOCENTRIC = '+proj=geocent +datum=WGS84 +units=m +no_defs';

/**
 * Standard 6-degree UTM zone of a longitude (1..60; lon 180 belongs to zone 60). The Norway and Svalbard
 * exceptions are not applied: pass the zone explicitly there.
 */
export function utmZoneForLon(lonDeg: number): number {
  if (!Number.isFinite(lonDeg) || lonDeg < -180 || lonDeg > 180) throw new RangeError(`longitude out of range: ${lonDeg}`);
  return Math.min(60, Math.floor((lonDeg + 180) / 6) + 1);
}

/** EPSG code of a WGS-84 UTM zone: 326zz north, 327zz south (e.g. 51N -> 32651). */
export function utmEpsg(zone: number, hemisphere: Hemisphere): number {
  checkZone(zone);
  return (hemisphere === 'N' ? 32600 : 32700) + zone;
}

// proj4's inverse can return a longitude a few ulps past ±180 at the antimeridian; bring it back into range.
function normalizeLon(lonDeg: number): number {
  if (lonDeg > 180) return lonDeg - 360;
  if (lonDeg < -180) return lonDeg + 360;
  return lonDeg;
}

function checkZone(zone: number): void {
  if (!Number.isInteger(zone) || zone < 1 || zone > 60) throw new RangeError(`UTM zone must be an integer 1..60, got ${zone}`);
}

function checkLatLon(p: GeodeticPoint): void {
  if (!(Math.abs(p.latDeg) <= 90) || !(Math.abs(p.lonDeg) <= 180)) {
    throw new RangeError(`invalid geodetic point lat ${p.latDeg}, lon ${p.lonDeg}`);
  }
}

// proj4 converters are cheap to use but not to build: one per UTM zone, built on first use.
const utmConverters = new Map<string, proj4.Converter>();

function utmConverter(zone: number, hemisphere: Hemisphere): proj4.Converter {
  checkZone(zone);
  const key = `${zone}${hemisphere}`;
  let c = utmConverters.get(key);
  if (c === undefined) {
    const def = `+proj=utm +zone=${zone}${hemisphere === 'S' ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`;
    c = proj4(WGS84, def);
    utmConverters.set(key, c);
  }
  return c;
}

/**
 * Geodetic -> UTM. Zone defaults to the point's standard zone and hemisphere to the sign of the latitude; give
 * them to stay in a fixed map frame (e.g. 51N) near a zone edge.
 */
export function wgs84ToUtm(p: GeodeticPoint, zone?: number, hemisphere?: Hemisphere): UtmPoint {
  checkLatLon(p);
  const z = zone ?? utmZoneForLon(p.lonDeg);
  const h = hemisphere ?? (p.latDeg >= 0 ? 'N' : 'S');
  const [eastingM, northingM] = utmConverter(z, h).forward([p.lonDeg, p.latDeg]);
  return { eastingM: eastingM!, northingM: northingM!, zone: z, hemisphere: h };
}

/** UTM -> geodetic (height not involved). */
export function utmToWgs84(p: UtmPoint): GeodeticPoint {
  if (!Number.isFinite(p.eastingM) || !Number.isFinite(p.northingM)) throw new RangeError('UTM coordinates must be finite');
  const [lonDeg, latDeg] = utmConverter(p.zone, p.hemisphere).inverse([p.eastingM, p.northingM]);
  return { latDeg: latDeg!, lonDeg: normalizeLon(lonDeg!) };
}

// ---- local ENU tangent frame ----

const geocentric = proj4(WGS84, GEOCENTRIC);

function toEcef(p: GeodeticPoint): [number, number, number] {
  checkLatLon(p);
  const [x, y, z] = geocentric.forward([p.lonDeg, p.latDeg, p.heightM ?? 0]);
  return [x!, y!, z!];
}

// Rows are the E, N, U unit vectors in ECEF at the origin.
function enuBasis(origin: GeodeticPoint): [[number, number, number], [number, number, number], [number, number, number]] {
  const lat = (origin.latDeg * Math.PI) / 180;
  const lon = (origin.lonDeg * Math.PI) / 180;
  const sl = Math.sin(lat);
  const cl = Math.cos(lat);
  const so = Math.sin(lon);
  const co = Math.cos(lon);
  return [
    [-so, co, 0],
    [-sl * co, -sl * so, cl],
    [cl * co, cl * so, sl],
  ];
}

/**
 * Geodetic -> east/north/up metres (xM, yM, zM) of the tangent plane at `origin` (including its height).
 * Exact (no projection distortion): ECEF difference rotated into the origin's ENU axes.
 */
export function wgs84ToEnu(p: GeodeticPoint, origin: GeodeticPoint): Point3 {
  const [x, y, z] = toEcef(p);
  const [x0, y0, z0] = toEcef(origin);
  const d = [x - x0, y - y0, z - z0] as const;
  const [e, n, u] = enuBasis(origin);
  return {
    xM: e[0] * d[0] + e[1] * d[1] + e[2] * d[2],
    yM: n[0] * d[0] + n[1] * d[1] + n[2] * d[2],
    zM: u[0] * d[0] + u[1] * d[1] + u[2] * d[2],
  };
}

/** ENU metres around `origin` -> geodetic, heightM included. */
export function enuToWgs84(p: Point3, origin: GeodeticPoint): GeodeticPoint {
  if (!Number.isFinite(p.xM) || !Number.isFinite(p.yM) || !Number.isFinite(p.zM)) throw new RangeError('ENU coordinates must be finite');
  const [x0, y0, z0] = toEcef(origin);
  const [e, n, u] = enuBasis(origin);
  // ECEF = origin + Bᵀ [e n u]; B is orthonormal.
  const x = x0 + e[0] * p.xM + n[0] * p.yM + u[0] * p.zM;
  const y = y0 + e[1] * p.xM + n[1] * p.yM + u[1] * p.zM;
  const z = z0 + e[2] * p.xM + n[2] * p.yM + u[2] * p.zM;
  const [lonDeg, latDeg, heightM] = geocentric.inverse([x, y, z]);
  return { latDeg: latDeg!, lonDeg: normalizeLon(lonDeg!), heightM: heightM! };
}

/** UTM -> ENU around `origin` (both on the ellipsoid surface, height 0 for the UTM point). */
export function utmToEnu(p: UtmPoint, origin: GeodeticPoint): Point3 {
  return wgs84ToEnu(utmToWgs84(p), origin);
}

/** ENU around `origin` -> UTM in the given zone (default: the origin's zone). */
export function enuToUtm(p: Point3, origin: GeodeticPoint, zone?: number, hemisphere?: Hemisphere): UtmPoint {
  return wgs84ToUtm(enuToWgs84(p, origin), zone ?? utmZoneForLon(origin.lonDeg), hemisphere ?? (origin.latDeg >= 0 ? 'N' : 'S'));
}
