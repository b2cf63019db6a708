// Public surface of planning fusion (RSU side): conflict zones along a vehicle's declared path.
// The vehicle's speed planner is vehicle/planner.ts.
export { DEFAULT_ADVISORY_PARAMS, computeAdvisory } from './conflicts.js';
export type { AdvisoryIds, AdvisoryParams } from './conflicts.js';
