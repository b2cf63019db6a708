// Adaptive fusion criteria: per vehicle frame, which fusion method the link allows (docs/fusion-criteria.md).
// Each method has a precondition, a pure function of the frame's inputs with a reason string; MethodSelector adds
// hysteresis (degrade at once, upgrade to inter or planning only after a stable run) and, with `spatial`, looks at
// the network map ahead so the vehicle asks for planning advisories before a stretch where the link fails.
import type { LinkState } from '../link/link-monitor.js';
import type { LookAheadCell } from '../netmap/network-map.js';
import { resolveFusionParams, type FusionParams } from './methods.js';
import type { FusionMethod } from './types.js';

/** Best first. */
export const METHOD_PREFERENCE: readonly FusionMethod[] = Object.freeze(['intra', 'inter', 'planning', 'vehicle-only'] as const);

/** The part of an RSU's link state the criteria read: a LinkMonitor's health(nowNs), or rsuLinkCriteria of a
 * snapshot. */
export interface RsuLinkCriteria {
  /** p90 of the one-way latency over the monitor's window, ms; null before any sample. */
  latencyP90Ms: number | null;
  /** Informational (reasons, logs): the p90 already bounds the delay tail that matters to fusion. */
  jitterMs: number;
  windowLossRatio: number;
  stale: boolean;
}

export interface RsuCriteriaInput {
  rsuId: string;
  /** Vehicle capture − freshest RSU capture, vehicle clock, ms (roadsideDtMs); null if no frame yet. */
  freshestCaptureAgeMs: number | null;
  link: RsuLinkCriteria;
}

/** The worst network-map cell within the look-ahead distance (aheadCriteria builds it from NetworkMap.lookAhead). */
export interface AheadCriteria {
  p90LatencyMs: number | null;
  outageRate: number;
  /** From the vehicle to where the path enters that cell, m (0 = already in it). */
  distanceM: number;
}

export interface CriteriaInputs {
  /** The vehicle frame the decision is for, ns, vehicle clock (ages and validity are measured at it). */
  ownCaptureTimeNs: number;
  rsus: readonly RsuCriteriaInput[];
  /** Time left of the freshest valid planning advisory at the vehicle frame, ms; null if none. */
  advisoryValidForMs: number | null;
  ahead?: AheadCriteria | null;
}

/** The policy's own parameters. The limits it shares with the fusion it chooses for (the vehicle period, the
 * prediction horizon and what follows from them) are not among them: they come from the FusionParams in force
 * (VehicleCore.fusionParams), so the choice and the fusion cannot disagree (resolveCriteria). */
export interface CriteriaParams {
  /** Inter needs the link's window loss ratio ≤ this. */
  maxInterWindowLossRatio: number;
  /** Planning needs an advisory valid for at least this long, ms. */
  minAdvisoryValidityMs: number;
  /** A better method is taken only after its precondition held this many consecutive frames (inter, planning). */
  upgradeAfterFrames: number;
  /** The same for intra. 1: a same-instant frame is itself the evidence that the link delivers now. */
  intraUpgradeAfterFrames: number;
  /** A map cell ahead with an outage rate at or above this is a bad stretch. */
  badAheadOutageRate: number;
  /** Look-ahead along the path, s of driving (lookAheadDistanceM). */
  lookAheadTimeS: number;
  /** Look-ahead floor, m (lookAheadDistanceM). */
  minLookAheadM: number;
  /** Same-instant wait: how fast the actors' error grows with output delay besides the ego's own speed, m/s. */
  objectSpeedMps: number;
  /** Same-instant wait: what a frame without any usable roadside frame loses, per roadside object, m. */
  missingRoadsideCostM: number;
}

/** Justified one by one in docs/fusion-criteria.md. */
export const DEFAULT_CRITERIA_PARAMS: Readonly<CriteriaParams> = Object.freeze({
  maxInterWindowLossRatio: 0.3,
  minAdvisoryValidityMs: 500,
  upgradeAfterFrames: 3,
  intraUpgradeAfterFrames: 1,
  badAheadOutageRate: 0.2,
  lookAheadTimeS: 3,
  minLookAheadM: 50,
  objectSpeedMps: 1.5,
  missingRoadsideCostM: 2,
});

export function resolveCriteriaParams(params: Partial<CriteriaParams> = {}): CriteriaParams {
  const p: CriteriaParams = { ...DEFAULT_CRITERIA_PARAMS, ...params };
  for (const field of NON_NEGATIVE_PARAMS) checkParam(p, Number.isFinite(p[field]) && p[field] >= 0, field, 'finite and >= 0');
  checkParam(p, p.maxInterWindowLossRatio >= 0 && p.maxInterWindowLossRatio <= 1, 'maxInterWindowLossRatio', 'in [0, 1]');
  checkParam(p, p.badAheadOutageRate >= 0 && p.badAheadOutageRate <= 1, 'badAheadOutageRate', 'in [0, 1]');
  checkParam(p, Number.isInteger(p.upgradeAfterFrames) && p.upgradeAfterFrames >= 1, 'upgradeAfterFrames', 'an integer >= 1');
  checkParam(p, Number.isInteger(p.intraUpgradeAfterFrames) && p.intraUpgradeAfterFrames >= 1, 'intraUpgradeAfterFrames', 'an integer >= 1');
  return p;
}

const NON_NEGATIVE_PARAMS = [
  'minAdvisoryValidityMs', 'lookAheadTimeS', 'minLookAheadM',
  'objectSpeedMps', 'missingRoadsideCostM',
] as const;

/** The fusion limits the criteria read (FusionParams). */
export type CriteriaFusionLimits = Pick<FusionParams, 'vehicleFramePeriodMs' | 'maxPredictionHorizonMs'>;

/** CriteriaParams with the limits taken from the fusion's params and what the policy derives from them. */
export interface ResolvedCriteria extends CriteriaParams, CriteriaFusionLimits {
  /** Inter needs the freshest frame's age ≤ this, ms: the horizon less one vehicle period, so that the same frame
   * is still inside the horizon at the next vehicle frame if no newer one arrives. */
  interMaxAgeMs: number;
  /** Inter needs the link's one-way latency p90 ≤ this, ms; a map cell at or above it is a bad stretch. A frame is
   * up to one vehicle period older at use than its latency (it waits for the next vehicle frame), so this is
   * interMaxAgeMs less one period. */
  interMaxLatencyP90Ms: number;
}

/**
 * The criteria in force: `params` over DEFAULT_CRITERIA_PARAMS, and the vehicle period and prediction horizon of
 * `fusion` (over DEFAULT_FUSION_PARAMS; pass the params the fusion runs with, VehicleCore.fusionParams).
 */
export function resolveCriteria(params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {}): ResolvedCriteria {
  const { vehicleFramePeriodMs, maxPredictionHorizonMs } = resolveFusionParams(fusion);
  const interMaxAgeMs = maxPredictionHorizonMs - vehicleFramePeriodMs;
  return {
    ...resolveCriteriaParams(params), vehicleFramePeriodMs, maxPredictionHorizonMs,
    interMaxAgeMs, interMaxLatencyP90Ms: interMaxAgeMs - vehicleFramePeriodMs,
  };
}

function checkParam(p: CriteriaParams, ok: boolean, field: keyof CriteriaParams, want: string): void {
  if (!ok) throw new RangeError(`criteria params: ${field} must be ${want}, got ${String(p[field])}`);
}

export interface Precondition {
  holds: boolean;
  /** Why, in words. Formatted when first read (the selector decides on `holds` alone, and most frames nobody
   * reads the words), from the inputs as they are then: do not mutate the inputs in between. */
  reason: string;
}

/** A Precondition whose reason is formatted by `describe` on first read. */
function precondition(holds: boolean, describe: () => string): Precondition {
  let text: string | undefined;
  return {
    holds,
    get reason(): string {
      return (text ??= describe());
    },
    set reason(value: string) {
      text = value;
    },
  };
}

const fmt = (x: number): string => String(Number(x.toFixed(1)));
const ageText = (age: number | null): string => (age === null ? 'no frame' : `age ${fmt(age)} ms`);

/**
 * Checks every RSU with `problem` (null = usable, else what is wrong, as a code `describe` turns into words);
 * holds with the first usable RSU by `rank` (then rsuId), else lists why each one is not.
 */
function anyRsu<P extends string>(
  name: string,
  rsus: readonly RsuCriteriaInput[],
  problem: (r: RsuCriteriaInput) => P | null,
  describe: (r: RsuCriteriaInput, problem: P) => string,
  rank: (r: RsuCriteriaInput) => number,
  okText: (r: RsuCriteriaInput) => string,
  failText: () => string,
): Precondition {
  // The minimum by (rank, rsuId), first on a tie: what sorting the usable RSUs and taking the first gave.
  let best: RsuCriteriaInput | undefined;
  let bestRank = 0;
  for (const r of rsus) {
    if (problem(r) !== null) continue;
    const k = rank(r);
    if (best === undefined || k < bestRank || (k === bestRank && r.rsuId < best.rsuId)) {
      best = r;
      bestRank = k;
    }
  }
  if (best !== undefined) {
    const found = best;
    return precondition(true, () => `${name}: ${found.rsuId} ${okText(found)}`);
  }
  return precondition(false, () => {
    const why = rsus.map((r) => `${r.rsuId}: ${describe(r, problem(r)!)}`).join('; ');
    return `${name}: ${failText()}${rsus.length === 0 ? ' (no RSU)' : ` (${why})`}`;
  });
}

/** Intra: some RSU has a frame captured within half a vehicle period of the vehicle frame, on a fresh link. */
export function intraPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {}): Precondition {
  return intraResolved(inputs, resolveCriteria(params, fusion));
}

function intraResolved(inputs: CriteriaInputs, p: ResolvedCriteria): Precondition {
  const halfMs = p.vehicleFramePeriodMs / 2;
  return anyRsu<'age' | 'stale'>(
    'intra',
    inputs.rsus,
    (r) => {
      const age = r.freshestCaptureAgeMs;
      if (age === null || !(Math.abs(age) <= halfMs)) return 'age';
      return r.link.stale ? 'stale' : null;
    },
    (r, problem) => (problem === 'age' ? ageText(r.freshestCaptureAgeMs) : 'link stale'),
    (r) => Math.abs(r.freshestCaptureAgeMs!),
    (r) => `frame ${ageText(r.freshestCaptureAgeMs)} within ±${fmt(halfMs)} ms, link fresh`,
    () => `no RSU frame within ±${fmt(halfMs)} ms on a fresh link`,
  );
}

type InterProblem = 'age' | 'no-latency' | 'latency' | 'loss' | 'stale';

/** Inter: some RSU has a frame 0 ≤ age ≤ interMaxAgeMs, latency p90 and window loss within bounds, not stale. */
export function interPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {}): Precondition {
  return interResolved(inputs, resolveCriteria(params, fusion));
}

function interResolved(inputs: CriteriaInputs, p: ResolvedCriteria): Precondition {
  const maxAgeMs = p.interMaxAgeMs;
  return anyRsu<InterProblem>(
    'inter',
    inputs.rsus,
    (r) => {
      const age = r.freshestCaptureAgeMs;
      const { latencyP90Ms, windowLossRatio, stale } = r.link;
      if (age === null || !(age >= 0 && age <= maxAgeMs)) return 'age';
      if (latencyP90Ms === null) return 'no-latency';
      if (!(latencyP90Ms <= p.interMaxLatencyP90Ms)) return 'latency';
      if (!(windowLossRatio <= p.maxInterWindowLossRatio)) return 'loss';
      return stale ? 'stale' : null;
    },
    (r, problem) => {
      switch (problem) {
        case 'age': return `${ageText(r.freshestCaptureAgeMs)} not in [0, ${fmt(maxAgeMs)}]`;
        case 'no-latency': return 'no latency samples';
        case 'latency': return `latency p90 ${fmt(r.link.latencyP90Ms!)} > ${fmt(p.interMaxLatencyP90Ms)} ms`;
        case 'loss': return `loss ${fmt(r.link.windowLossRatio * 100)} % > ${fmt(p.maxInterWindowLossRatio * 100)} %`;
        case 'stale': return 'link stale';
      }
    },
    (r) => r.freshestCaptureAgeMs!,
    (r) => `frame ${ageText(r.freshestCaptureAgeMs)} ≤ ${fmt(maxAgeMs)} ms, latency p90 ${fmt(r.link.latencyP90Ms!)} ms, `
      + `loss ${fmt(r.link.windowLossRatio * 100)} %, jitter ${fmt(r.link.jitterMs)} ms`,
    () => 'no RSU link fit for prediction',
  );
}

/** Planning: a valid advisory with at least minAdvisoryValidityMs left. */
export function planningPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): Precondition {
  return planningResolved(inputs, resolveCriteriaParams(params));
}

function planningResolved(inputs: CriteriaInputs, p: CriteriaParams): Precondition {
  const left = inputs.advisoryValidForMs;
  if (left === null) return { holds: false, reason: 'planning: no valid advisory' };
  if (!(left >= p.minAdvisoryValidityMs)) {
    return precondition(false, () => `planning: advisory valid for ${fmt(left)} ms < ${fmt(p.minAdvisoryValidityMs)} ms`);
  }
  return precondition(true, () => `planning: advisory valid for ${fmt(left)} ms`);
}

/** Vehicle-only needs nothing from the roadside. */
export function vehicleOnlyPrecondition(): Precondition {
  return { holds: true, reason: 'vehicle-only: always available' };
}

/** Every method's precondition for one frame. */
export function evaluatePreconditions(
  inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {},
): Record<FusionMethod, Precondition> {
  return evaluateResolved(inputs, resolveCriteria(params, fusion));
}

function evaluateResolved(inputs: CriteriaInputs, p: ResolvedCriteria): Record<FusionMethod, Precondition> {
  return {
    intra: intraResolved(inputs, p),
    inter: interResolved(inputs, p),
    planning: planningResolved(inputs, p),
    'vehicle-only': vehicleOnlyPrecondition(),
  };
}

/** The best method whose precondition holds for this frame alone: the selector without hysteresis. */
export function bestAvailableMethod(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {}): FusionMethod {
  const pre = evaluatePreconditions(inputs, params, fusion);
  return METHOD_PREFERENCE.find((m) => pre[m].holds) ?? 'vehicle-only';
}

/**
 * Whether the look-ahead shows a bad stretch: outage rate ≥ badAheadOutageRate, or latency p90 ≥ the inter
 * threshold (there, the inter precondition is expected to fail). `holds` = bad.
 */
export function badStretchAhead(
  ahead: AheadCriteria | null | undefined, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {},
): Precondition {
  return badStretchResolved(ahead, resolveCriteria(params, fusion));
}

/** Whether a network-map cell is part of a bad stretch: outages at badAheadOutageRate or more, or a p90 latency
 * at which the inter precondition fails. */
export function isBadCell(
  cell: { outageRate: number; p90LatencyMs: number | null }, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {},
): boolean {
  return badCellResolved(cell, resolveCriteria(params, fusion));
}

function badCellResolved(cell: { outageRate: number; p90LatencyMs: number | null }, p: ResolvedCriteria): boolean {
  return cell.outageRate >= p.badAheadOutageRate || (cell.p90LatencyMs !== null && cell.p90LatencyMs >= p.interMaxLatencyP90Ms);
}

/**
 * The horizon to ask an RSU for before a mapped bad stretch, s: the planner's own horizon (baseHorizonS) plus the
 * time to drive to the stretch's end (stretchEndSM, from NetworkMap.badStretchEndSM) at the ego's speed, at least
 * minCrossingSpeedMps (a vehicle that stops inside the stretch would otherwise ask for forever), at most
 * maxHorizonS. Answered in full, the advisory's zones still cover the planner's horizon when the ego leaves the
 * stretch, where the link is expected back.
 */
export function stretchHorizonS(o: {
  fromSM: number; stretchEndSM: number; speedMps: number; baseHorizonS: number; maxHorizonS: number; minCrossingSpeedMps: number;
}): number {
  const v = Math.max(o.minCrossingSpeedMps, Number.isFinite(o.speedMps) ? Math.abs(o.speedMps) : 0);
  const crossS = Math.max(0, o.stretchEndSM - o.fromSM) / v;
  const h = o.baseHorizonS + (Number.isFinite(crossS) ? crossS : Infinity);
  return Math.min(o.maxHorizonS, Math.max(o.baseHorizonS, h));
}

function badStretchResolved(ahead: AheadCriteria | null | undefined, p: ResolvedCriteria): Precondition {
  if (ahead === null || ahead === undefined) return { holds: false, reason: 'ahead: no known cell' };
  const bad = badCellResolved({ outageRate: ahead.outageRate, p90LatencyMs: ahead.p90LatencyMs }, p);
  return precondition(bad, () => {
    const where = `in ${fmt(ahead.distanceM)} m`;
    const stats = `outage ${fmt(ahead.outageRate * 100)} %, p90 ${ahead.p90LatencyMs === null ? 'n/a' : `${fmt(ahead.p90LatencyMs)} ms`}`;
    return `ahead: ${bad ? 'bad stretch' : 'no bad stretch'} ${where} (${stats})`;
  });
}

/** How far ahead to query the network map at `speedMps`: lookAheadTimeS of driving, at least minLookAheadM. */
export function lookAheadDistanceM(speedMps: number, params: Partial<CriteriaParams> = {}): number {
  const p = resolveCriteriaParams(params);
  const v = Number.isFinite(speedMps) ? Math.abs(speedMps) : 0;
  return Math.max(p.minLookAheadM, v * p.lookAheadTimeS);
}

/** The criteria's view of a LinkMonitor snapshot: the merged stream (what fusion receives). Equal to the monitor's
 * health(nowNs) but its sourceId, which is cheaper to get when no snapshot is needed anyway. */
export function rsuLinkCriteria(state: LinkState): RsuLinkCriteria {
  const m = state.merged;
  return { latencyP90Ms: m.latency.p90Ms, jitterMs: m.jitterMs, windowLossRatio: m.windowLossRatio, stale: state.stale };
}

/** The criteria's view of NetworkMap.lookAhead(path, fromSM, distance) for a vehicle at arc length fromSM. */
export function aheadCriteria(cell: LookAheadCell | null, fromSM: number): AheadCriteria | null {
  if (cell === null) return null;
  return { p90LatencyMs: cell.p90Ms, outageRate: cell.outageRate, distanceM: Math.max(0, cell.enterSM - fromSM) };
}

export interface MethodSelectorOptions {
  /** Use the network map look-ahead (the 'adaptive-st' strategy). Default false ('adaptive'). */
  spatial?: boolean;
  params?: Partial<CriteriaParams>;
  /** The params the fusion runs with (VehicleCore.fusionParams): the vehicle period and prediction horizon. */
  fusion?: Partial<FusionParams>;
  /** Method before the first frame (and after reset). Default 'vehicle-only': nothing is known yet. */
  initialMethod?: FusionMethod;
}

export interface MethodSelection {
  method: FusionMethod;
  /** Why this method, in words (for logs and the run summary). */
  reason: string;
  /** The method differs from the previous frame's. */
  switched: boolean;
  /** Spatial only: a bad stretch lies ahead, so the vehicle should send its intent early / at a higher rate to
   * hold a valid advisory when the link degrades. Always false without `spatial`. */
  wantAdvisoriesEarly: boolean;
  preconditions: Record<FusionMethod, Precondition>;
}

const rankOf = (m: FusionMethod): number => METHOD_PREFERENCE.indexOf(m);
const zeroCounts = (): Record<FusionMethod, number> => ({ intra: 0, inter: 0, planning: 0, 'vehicle-only': 0 });

/**
 * Picks the fusion method per vehicle frame, with hysteresis. Degrades at once when the current method's
 * precondition fails (to the best method whose precondition holds and that is not an unearned upgrade); upgrades
 * to inter or planning only once its precondition has held `upgradeAfterFrames` consecutive frames, counting this
 * one, and to intra after `intraUpgradeAfterFrames` (default 1: a same-instant frame needs no prediction, so it is
 * used as soon as it is there). With `spatial`, a bad stretch ahead raises wantAdvisoriesEarly, so that a valid
 * advisory is at hand when the link fails there; it never holds back an upgrade nor forces a degrade: the
 * preconditions are measured evidence about the frames at hand, the map only a prior about the road ahead.
 */
export class MethodSelector {
  readonly params: Readonly<ResolvedCriteria>;
  readonly spatial: boolean;
  private readonly initialMethod: FusionMethod;
  private current: FusionMethod;
  private held: Record<FusionMethod, number> = zeroCounts();

  constructor(options: MethodSelectorOptions = {}) {
    this.params = Object.freeze(resolveCriteria(options.params, options.fusion));
    this.spatial = options.spatial ?? false;
    this.initialMethod = options.initialMethod ?? 'vehicle-only';
    this.current = this.initialMethod;
  }

  /** The method of the last frame (the initial method before any). */
  get method(): FusionMethod {
    return this.current;
  }

  /** Consecutive frames, up to the last one, in which `method`'s precondition held. */
  heldFrames(method: FusionMethod): number {
    return this.held[method];
  }

  /** Consecutive frames `method`'s precondition must hold before the selector upgrades to it. */
  private upgradeAfter(method: FusionMethod): number {
    return method === 'intra' ? this.params.intraUpgradeAfterFrames : this.params.upgradeAfterFrames;
  }

  /**
   * Whether this frame, without a same-instant roadside frame, would be fused by inter-frame fusion: inter's
   * precondition holds and it is the current method, a degrade, or an upgrade earned with this frame. Reads the
   * state, changes nothing (the same-instant wait asks before select).
   */
  wouldUseInter(inputs: CriteriaInputs): boolean {
    if (!interResolved(inputs, this.params).holds) return false;
    return rankOf('inter') >= rankOf(this.current) || this.held.inter + 1 >= this.upgradeAfter('inter');
  }

  reset(): void {
    this.current = this.initialMethod;
    this.held = zeroCounts();
  }

  select(inputs: CriteriaInputs): MethodSelection {
    const p = this.params;
    const pre = evaluateResolved(inputs, p);
    for (const m of METHOD_PREFERENCE) this.held[m] = pre[m].holds ? this.held[m] + 1 : 0;
    const ahead = this.spatial ? badStretchResolved(inputs.ahead, p) : null;
    const previous = this.current;
    // 'vehicle-only' always holds, so there is always an eligible method.
    const next = METHOD_PREFERENCE.find((m) => this.eligible(m, pre[m], previous)) ?? 'vehicle-only';
    this.current = next;
    const bad = ahead !== null && ahead.holds;
    // The counts as of this frame: the words are formatted only if someone reads them, maybe after later frames.
    const held = { ...this.held };
    let text: string | undefined;
    const selector = this;
    return {
      method: next,
      get reason(): string {
        return (text ??= selector.describe(previous, next, pre, held, bad ? ahead : null));
      },
      set reason(value: string) {
        text = value;
      },
      switched: next !== previous,
      wantAdvisoriesEarly: bad,
      preconditions: pre,
    };
  }

  /** `m` may be chosen after `previous`: its precondition holds, and it is no upgrade or an earned one. */
  private eligible(m: FusionMethod, pre: Precondition, previous: FusionMethod): boolean {
    if (!pre.holds) return false;
    if (rankOf(m) >= rankOf(previous)) return true;
    return this.held[m] >= this.upgradeAfter(m);
  }

  /** MethodSelection.reason: the choice, its preconditions' reasons, pending upgrades, a bad stretch ahead. */
  private describe(
    previous: FusionMethod, next: FusionMethod, pre: Record<FusionMethod, Precondition>,
    held: Record<FusionMethod, number>, badAhead: Precondition | null,
  ): string {
    let reason: string;
    if (next === previous) {
      const pending = METHOD_PREFERENCE.filter((m) => rankOf(m) < rankOf(previous) && pre[m].holds)
        .map((m) => `${m} held ${held[m]}/${this.upgradeAfter(m)} frames`);
      reason = [pre[next].reason, ...pending].join('; ');
    } else if (rankOf(next) > rankOf(previous)) {
      reason = `degrade ${previous} -> ${next}: ${pre[previous].reason}; ${pre[next].reason}`;
    } else {
      reason = `upgrade ${previous} -> ${next} after ${held[next]} frames: ${pre[next].reason}`;
    }
    return badAhead === null ? reason : `${reason}; ${badAhead.reason}`;
  }
}

/** One RSU as the same-instant wait sees it (VehicleCore fills it from the frames held and the link health). */
export interface IntraWaitRsu {
  rsuId: string;
  /** Own capture − freshest RSU capture, vehicle clock, ms (roadsideDtMs); null if no frame yet. */
  freshestCaptureAgeMs: number | null;
  /** The RSU's capture period from its last two frames (per sequence step), ms; null if unknown (the vehicle
   * period is assumed). */
  rsuPeriodMs: number | null;
  /** Capture to publish at the RSU (its processing), from the freshest frame, ms. */
  processingMs: number;
  link: RsuLinkCriteria;
}

export interface IntraWaitInputs {
  /** Own capture to now, ms: the part of the wait already spent (perception). */
  elapsedMs: number;
  rsus: readonly IntraWaitRsu[];
  /** The ego's speed, m/s: a later output is a plan from an older instant of its own motion. */
  egoSpeedMps: number;
  /** The longest wait allowed, ms (the vehicle's intraWaitMs). */
  maxWaitMs: number;
  /** Without a same-instant frame this vehicle frame would be fused by inter-frame fusion (MethodSelector
   * .wouldUseInter); if not (inter's precondition fails, or its upgrade is not earned yet), the roadside objects
   * are missing without the wait. Default true. */
  interWithoutWait?: boolean;
  /** The roadside velocity σ (m/s) and the prediction's acceleration σ (m/s²): inter's error across an age. */
  roadsideVelocityStdMps: number;
  accelStdMps2: number;
}

export type IntraWaitVerdict = 'at-hand' | 'stale' | 'no-frame' | 'no-latency' | 'no-slot' | 'overdue' | 'too-late' | 'not-worth' | 'wait';

export interface IntraWaitRsuDecision {
  rsuId: string;
  verdict: IntraWaitVerdict;
  /** Own capture to the expected arrival of the same-instant frame at the latency p90, ms (NaN if not estimated). */
  arrivalP90Ms: number;
  /** Expected gain of intra over the alternative, m, and the cost of waiting for it, m. */
  gainM: number;
  costM: number;
}

export interface IntraWaitDecision {
  /** How much longer to wait, ms (0: fuse now). */
  waitMs: number;
  /** The RSUs whose same-instant frame is waited for. */
  rsuIds: string[];
  perRsu: IntraWaitRsuDecision[];
  /** In words, formatted when first read. */
  reason: string;
}

/** Share of same-instant frames that arrive by the latency p90: the chance the wait is rewarded. */
const ARRIVAL_PROBABILITY = 0.9;

/**
 * Position error, m, that inter-frame fusion adds by predicting a roadside object across `ageMs` rather than using
 * a same-instant one: the roadside velocity error times the age, plus the unmodelled acceleration (½ a t²).
 */
export function predictionCostM(ageMs: number, velocityStdMps: number, accelStdMps2: number): number {
  const t = Math.abs(ageMs) / 1000;
  return velocityStdMps * t + 0.5 * accelStdMps2 * t * t;
}

/**
 * Whether, and how long, to wait for a same-instant roadside frame before fusing (docs/fusion-criteria.md,
 * "The same-instant wait"). Per RSU without one at hand: when its next capture falls in this vehicle frame's slot,
 * it is expected (at the link's latency p90) at slot offset + RSU processing + p90 after the own capture; waiting
 * that long is worth it when ARRIVAL_PROBABILITY × gain > cost, with gain = what intra saves over inter with the
 * frame at hand (predictionCostM of its age; missingRoadsideCostM when inter would not fuse it) and cost = (ego speed
 * + objectSpeedMps) × the wait (at output time every actor, and the ego's own plan, moves on while the output
 * waits). The wait is the longest of the RSUs worth waiting for, at most maxWaitMs.
 */
export function intraWaitDecision(
  inputs: IntraWaitInputs, params: Partial<CriteriaParams> = {}, fusion: Partial<FusionParams> = {},
): IntraWaitDecision {
  const p = resolveCriteria(params, fusion);
  const halfMs = p.vehicleFramePeriodMs / 2;
  const costPerMs = (Math.max(0, Number.isFinite(inputs.egoSpeedMps) ? Math.abs(inputs.egoSpeedMps) : 0) + p.objectSpeedMps) / 1000;
  const perRsu: IntraWaitRsuDecision[] = [];
  let waitMs = 0;
  const rsuIds: string[] = [];
  for (const r of inputs.rsus) {
    const d: IntraWaitRsuDecision = { rsuId: r.rsuId, verdict: 'wait', arrivalP90Ms: NaN, gainM: 0, costM: 0 };
    perRsu.push(d);
    const age = r.freshestCaptureAgeMs;
    const p90 = r.link.latencyP90Ms;
    if (r.link.stale) d.verdict = 'stale';
    else if (age === null || !Number.isFinite(age)) d.verdict = 'no-frame';
    else if (Math.abs(age) <= halfMs) d.verdict = 'at-hand';
    else if (p90 === null || !Number.isFinite(p90)) d.verdict = 'no-latency';
    if (d.verdict !== 'wait') continue;
    const period = r.rsuPeriodMs !== null && r.rsuPeriodMs > 0 ? r.rsuPeriodMs : p.vehicleFramePeriodMs;
    // The RSU's capture nearest the own capture, after its freshest one.
    const slotMs = Math.max(1, Math.round(age! / period)) * period - age!;
    if (!(Math.abs(slotMs) <= halfMs)) {
      d.verdict = 'no-slot';
      continue;
    }
    d.arrivalP90Ms = slotMs + Math.max(0, r.processingMs) + p90!;
    const needMs = d.arrivalP90Ms - inputs.elapsedMs;
    d.gainM = inputs.interWithoutWait !== false && age! >= 0 && age! <= p.maxPredictionHorizonMs
      ? predictionCostM(age!, inputs.roadsideVelocityStdMps, inputs.accelStdMps2) - predictionCostM(slotMs, inputs.roadsideVelocityStdMps, inputs.accelStdMps2)
      : p.missingRoadsideCostM;
    d.costM = costPerMs * Math.max(0, needMs);
    if (!(needMs > 0)) d.verdict = 'overdue';
    else if (!(needMs <= inputs.maxWaitMs)) d.verdict = 'too-late';
    else if (!(ARRIVAL_PROBABILITY * d.gainM > d.costM)) d.verdict = 'not-worth';
    else {
      rsuIds.push(r.rsuId);
      waitMs = Math.max(waitMs, needMs);
    }
  }
  let text: string | undefined;
  const describe = (): string => {
    const each = perRsu.map((d) => {
      const est = Number.isNaN(d.arrivalP90Ms) ? ''
        : ` (p90 arrival ${fmt(d.arrivalP90Ms)} ms after capture, gain ${d.gainM.toFixed(2)} m, cost ${d.costM.toFixed(2)} m)`;
      return `${d.rsuId}: ${d.verdict}${est}`;
    });
    const head = waitMs > 0 ? `wait ${fmt(waitMs)} ms` : 'no wait';
    return `${head}${each.length > 0 ? `: ${each.join('; ')}` : ''}`;
  };
  return {
    waitMs, rsuIds, perRsu,
    get reason(): string {
      return (text ??= describe());
    },
    set reason(value: string) {
      text = value;
    },
  };
}
