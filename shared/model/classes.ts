// Typical box sizes per class, for sources that report a class but no size (e.g. a camera-only RSU).
import type { ObjectClass } from './types.js';

export interface BoxSizeM {
  lengthM: number;
  widthM: number;
  heightM: number;
}

export const DEFAULT_SIZE_M: Record<ObjectClass, BoxSizeM> = {
  unknown: { lengthM: 1, widthM: 1, heightM: 1.5 },
  car: { lengthM: 4.5, widthM: 1.8, heightM: 1.5 },
  truck: { lengthM: 10, widthM: 2.5, heightM: 3.5 },
  bus: { lengthM: 12, widthM: 2.55, heightM: 3.2 },
  motorcycle: { lengthM: 2.1, widthM: 0.8, heightM: 1.4 },
  cyclist: { lengthM: 1.8, widthM: 0.6, heightM: 1.7 },
  pedestrian: { lengthM: 0.6, widthM: 0.6, heightM: 1.75 },
  animal: { lengthM: 1.2, widthM: 0.5, heightM: 0.9 },
  static: { lengthM: 1, widthM: 1, heightM: 1 },
};

/**
 * Half extents of an object's box along and across a direction at relRad from its heading: the bounding
 * rectangle of the rotated box (exact on a straight segment). Missing or invalid sizes fall back to the class's.
 */
export function boxHalfExtents(
  obj: { lengthM: number; widthM: number; objectClass: ObjectClass }, relRad: number,
): { halfAlongM: number; halfAcrossM: number } {
  const def = DEFAULT_SIZE_M[obj.objectClass];
  const hl = (obj.lengthM > 0 && Number.isFinite(obj.lengthM) ? obj.lengthM : def.lengthM) / 2;
  const hw = (obj.widthM > 0 && Number.isFinite(obj.widthM) ? obj.widthM : def.widthM) / 2;
  const c = Math.abs(Math.cos(relRad));
  const s = Math.abs(Math.sin(relRad));
  return { halfAlongM: hl * c + hw * s, halfAcrossM: hl * s + hw * c };
}
