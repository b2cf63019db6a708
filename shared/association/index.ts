// Public surface of the association modules: gating, assignment, per-component association.
export {
  DEFAULT_CLASS_COMPATIBILITY,
  DEFAULT_GATE_PROBABILITY,
  GATE_SUBSTATE_INDICES,
  chiSquareGate,
  classCompatibilityFromGroups,
  classesCompatible,
  createGate,
  gatedPairs,
  gaussianDistance2,
  mahalanobisSquared,
} from './gating.js';
export type { ClassCompatibility, GateSubState, GatedEdge, GatingOptions, ObjectGate } from './gating.js';
export { DEFAULT_TIE_TOLERANCE, assignmentCost, solveAssignment } from './assignment.js';
export type { AssignmentOptions, AssignmentPair, CostMatrix } from './assignment.js';
export { associate, bipartiteComponents, solveByComponents, solveGatedEdges } from './components.js';
export type {
  AssociationPair,
  AssociationParams,
  AssociationResult,
  BipartiteComponent,
} from './components.js';
