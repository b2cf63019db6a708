// What a scenario file describes: the road, the RSUs and their sensors, the ego vehicle and scripted actors.
// All positions in the scenario's map frame (metres, x east, y north), times in seconds from the start.
import type { ObjectClass } from '../../shared/model/types.js';
import type { Waypoint } from './trajectory.js';

export interface SensorSpec {
  rangeM: number;
  /** Full horizontal field of view, rad (2*pi for a 360-degree lidar). */
  fovRad: number;
  /** Whether other actors' boxes block the line of sight (false for a high pole-mounted sensor). */
  occlusion: boolean;
  posNoiseStdM: number;
  velNoiseStdMps: number;
  /** Probability of missing a visible object in one cycle. */
  missProbability: number;
  /** Mean false detections per cycle (Poisson), placed uniformly within range and FOV. */
  falsePositivesPerCycle: number;
  /** Sensor capture to detection output, ms. */
  latencyMs: number;
}

export interface SensorPose {
  xM: number;
  yM: number;
  zM: number;
  yawRad: number;
}

export interface RsuSpec {
  id: string;
  pose: SensorPose;
  sensor: SensorSpec;
}

export interface ActorSpec {
  id: number;
  objectClass: ObjectClass;
  lengthM: number;
  widthM: number;
  heightM: number;
  trajectory: Waypoint[];
}

export interface EgoSpec {
  /** Timed route: where the recorded ego was when (the planner's reference path is its polyline). */
  route: Waypoint[];
  sensor: SensorSpec;
  lengthM: number;
  widthM: number;
}

export interface Scenario {
  name: string;
  description: string;
  mapFrame: string;
  durationS: number;
  frameRateHz: number;
  /** Lane centre lines, for display and for the region of interest. */
  lanes: Array<Array<{ xM: number; yM: number }>>;
  ego: EgoSpec;
  rsus: RsuSpec[];
  actors: ActorSpec[];
}
