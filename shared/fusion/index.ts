// Public surface of the fusion modules: Gaussian fusion rules, object-level fusion, the fusion methods (one module
// each, their shared pieces in methods.ts), the strategies that pick them, and the adaptive criteria.
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
  resolveFusionParams,
  roadsideDtMs,
  selectRoadsideFrames,
} from './methods.js';
export type {
  FrameFuser,
  FrameInputs,
  FusionParams,
  HeldAdvisory,
  RoadsideFrameInput,
  RoadsideFrameSelection,
  RoadsideFrameVerdict,
  RoadsideHistory,
} from './methods.js';
export { fuseIntraFrame, INTRA_FRAME } from './intra-frame.js';
export { fuseInterFrame, INTER_FRAME } from './inter-frame.js';
export { advisoryFrame, advisoryValidForMs, completeWithRoadside, fusePlanning, PLANNING } from './planning.js';
export { vehicleOnlyObjects, VEHICLE_ONLY } from './vehicle-only.js';
export { fuseLatest, fuseLinearCompensation, LATEST, LINEAR_COMPENSATION } from './baselines.js';
export {
  findStrategy,
  isThreadLocalStrategy,
  parseStrategy,
  registerStrategy,
  strategyDef,
  strategyHelp,
  strategyNames,
  unknownStrategy,
} from './strategies.js';
export type { MethodChoice, MethodPick, StrategyDef, StrategyMethods, StrategyName } from './strategies.js';
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
