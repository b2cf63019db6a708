// Decision memory for the speed planner: yield decisions carried from one planning cycle to the next.
//
// The planner (planner.ts) is stateless, and near a yield decision bistable: two plans 30 ms apart on the same
// information can differ by one pedestrian yielded to or not, i.e. by metres of travel (docs/metrics.md). Real
// planners keep a yield once taken until it is clearly no longer needed; so does this: a yield is held while the
// object is in the corridor (widened by `releaseLateralMarginM`, 0 by default) and the plan does not pass it with
// `releaseMarginS` to spare. New yields are
// taken at once (the planner's own rule), so holding only ever adds caution. Pure: the state is passed in and
// returned, the time comes with the input.
import type { DetectedObject } from '../model/types.js';
import { DEFAULT_PLANNER_PARAMS, planSpeedProfile, type Plan, type PlannerInput, type PlannerParams } from './planner.js';

/** One object's decision in the last cycle (every input object: yielded, or not: passed or not in the way). */
export interface RememberedDecision {
  /** The object's identities (objectRefs): a later object sharing any of them is the same object. */
  refs: readonly string[];
  yielded: boolean;
  /** When the current decision was first taken, ns (the plan's clock). */
  sinceNs: number;
}

export interface DecisionMemory {
  /** Plan time of the last cycle, ns; null before the first. */
  lastNs: number | null;
  decisions: readonly RememberedDecision[];
  /** Decisions that changed between consecutive cycles, for an object present in both (yield <-> not). */
  flips: number;
}

export interface DecisionMemoryParams {
  /**
   * False: decisions are remembered (and flips counted) but not held, i.e. the stateless planner. Off by default:
   * on the reference entries holding changed no fused strategy's plan (PDE and flips identical, 3 seeds;
   * docs/planning.md, Decision memory), so the stateless planner stays the reference until it is shown to help.
   */
  holdYields: boolean;
  /**
   * A held yield is released only if the plan passes the object's block this much before the time gap asks, s.
   * 0.5 s is about a walker's stride over the corridor edge (1.4 m/s) or the entry-time error of a crossing object
   * whose predicted speed is off by ~15 % two seconds out: a pass feasible by less would flip back with the next
   * prediction.
   */
  releaseMarginS: number;
  /**
   * A held object still blocks the path while within corridorHalfWidthM + this of it, m (hysteresis in space).
   * Default 0: measured, 0.5 m (a tracked object's lateral error, the RSU's zone margin) made the fused strategies'
   * planning error worse (occluded-crossing 300 ms, inter 1.909 -> 2.255 m): the vehicle's noisy estimates kept it
   * yielding to objects ground truth had already seen leave (docs/planning.md, Decision memory).
   */
  releaseLateralMarginM: number;
  /** Memory older than this (no plan in between) is dropped: the world has moved on, s. */
  maxGapS: number;
}

export const DEFAULT_DECISION_MEMORY_PARAMS: Readonly<DecisionMemoryParams> = Object.freeze({
  holdYields: false,
  releaseMarginS: 0.5,
  releaseLateralMarginM: 0,
  maxGapS: 1,
});

export function emptyDecisionMemory(): DecisionMemory {
  return { lastNs: null, decisions: [], flips: 0 };
}

/**
 * An object's identities: every contributing source track of a fused object (`sourceId#trackId`), else its own
 * track id (`#trackId`, e.g. ground-truth actors). Fused ids may be renumbered; a source track lives on.
 */
export function objectRefs(o: DetectedObject): string[] {
  const sources = (o as { sources?: ReadonlyArray<{ sourceId: string; trackId: number }> }).sources;
  if (sources && sources.length > 0) return sources.map((s) => `${s.sourceId}#${s.trackId}`);
  return [`#${o.trackId}`];
}

/** The planner with the memory: returns the plan and the memory for the next cycle. */
export function planRemembering(
  input: PlannerInput, memory: DecisionMemory, params: PlannerParams = DEFAULT_PLANNER_PARAMS,
  memoryParams: DecisionMemoryParams = DEFAULT_DECISION_MEMORY_PARAMS,
): { plan: Plan; memory: DecisionMemory } {
  for (const k of ['releaseMarginS', 'releaseLateralMarginM', 'maxGapS'] as const) {
    if (!(memoryParams[k] >= 0) || !Number.isFinite(memoryParams[k])) throw new RangeError(`DecisionMemoryParams.${k} must be >= 0, got ${memoryParams[k]}`);
  }
  // Stale (or time went backwards: another timeline): start afresh.
  const fresh = memory.lastNs !== null && input.timeNs >= memory.lastNs && input.timeNs - memory.lastNs <= memoryParams.maxGapS * 1e9;
  const byRef = new Map<string, RememberedDecision>();
  if (fresh) for (const d of memory.decisions) for (const r of d.refs) byRef.set(r, d);
  const refs = input.objects.map(objectRefs);
  const before = refs.map((rs) => {
    for (const r of rs) {
      const d = byRef.get(r);
      if (d) return d;
    }
    return undefined;
  });
  const held = new Set<number>();
  if (memoryParams.holdYields) for (let i = 0; i < before.length; i++) if (before[i]?.yielded) held.add(i);
  const plan = planSpeedProfile(input, params, held.size > 0
    ? { objectIndices: held, releaseMarginS: memoryParams.releaseMarginS, releaseLateralMarginM: memoryParams.releaseLateralMarginM }
    : undefined);
  // Every object is remembered, a yield or not (passed, or no block at all): a flip is an object present in both
  // cycles whose yield decision changed, whether its block vanished or the plan now passes it.
  const yieldedNow = new Array<boolean>(input.objects.length).fill(false);
  for (const d of plan.decisions) if (d.yielded) yieldedNow[d.objectIndex] = true;
  let flips = memory.flips;
  const decisions: RememberedDecision[] = [];
  for (let i = 0; i < input.objects.length; i++) {
    const prev = before[i];
    const yielded = yieldedNow[i]!;
    const same = prev !== undefined && prev.yielded === yielded;
    if (prev !== undefined && !same) flips++;
    decisions.push({ refs: refs[i]!, yielded, sinceNs: same ? prev.sinceNs : input.timeNs });
  }
  return { plan, memory: { lastNs: input.timeNs, decisions, flips } };
}
