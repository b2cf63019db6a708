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
