// Public surface of the fusion modules: Gaussian fusion rules, object-level fusion, the fusion methods and the
// adaptive criteria that choose between them.
export {
  REGULARISATION_EPS,
  choleskySpd,
  fuseCovarianceIntersection,
  fuseInformation,
  invertSpd,
} from './gaussian.js';
export type { CovarianceIntersectionResult, Gaussian } from './gaussian.js';
export {
  DEFAULT_MIN_HEADING_SPEED_MPS,
  fuseClass,
  fuseExistence,
  fuseObjects,
  objectGaussian,
  singleSourceObject,
} from './objects.js';
export type { ClassEstimate, FusionInput, GaussianRule, ObjectFusionOptions } from './objects.js';
export type { FusedObject, FusionMethod, FusionSourceRef } from './types.js';
export {
  DEFAULT_FUSION_PARAMS,
  fuseFrame,
  fuseInterFrame,
  fuseIntraFrame,
  resolveFusionParams,
  roadsideDtMs,
  selectRoadsideFrames,
  vehicleOnlyObjects,
} from './methods.js';
export type {
  FusionParams,
  RoadsideFrameInput,
  RoadsideFrameSelection,
  RoadsideFrameVerdict,
} from './methods.js';
export {
  DEFAULT_CRITERIA_PARAMS,
  METHOD_PREFERENCE,
  MethodSelector,
  aheadCriteria,
  badStretchAhead,
  bestAvailableMethod,
  evaluatePreconditions,
  interPrecondition,
  intraPrecondition,
  lookAheadDistanceM,
  planningPrecondition,
  resolveCriteriaParams,
  rsuLinkCriteria,
  vehicleOnlyPrecondition,
} from './criteria.js';
export type {
  AheadCriteria,
  CriteriaInputs,
  CriteriaParams,
  MethodSelection,
  MethodSelectorOptions,
  Precondition,
  RsuCriteriaInput,
  RsuLinkCriteria,
} from './criteria.js';
