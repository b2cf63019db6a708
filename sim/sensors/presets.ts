// Sensor specs shared by the built-in scenarios: one definition, so that scenarios compare like with like.
import type { SensorSpec } from '../world/scenario.js';

/** A pole-mounted 360-degree lidar: high enough that other road users do not occlude. */
export const RSU_LIDAR: Readonly<SensorSpec> = Object.freeze({
  rangeM: 80, fovRad: 2 * Math.PI, occlusion: false, posNoiseStdM: 0.25, velNoiseStdMps: 0.3,
  missProbability: 0.02, falsePositivesPerCycle: 0.05, latencyMs: 40,
});

/** A vehicle's forward perception (camera + radar class): 50 m, 120 degrees, occluded by other road users. */
export const EGO_FORWARD_SENSOR: Readonly<SensorSpec> = Object.freeze({
  rangeM: 50, fovRad: (120 * Math.PI) / 180, occlusion: true, posNoiseStdM: 0.15, velNoiseStdMps: 0.2,
  missProbability: 0.02, falsePositivesPerCycle: 0.05, latencyMs: 30,
});
