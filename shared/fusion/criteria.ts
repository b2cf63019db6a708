// Adaptive fusion criteria: per vehicle frame, which fusion method the link allows (docs/fusion-criteria.md).
// Each method has a precondition, a pure function of the frame's inputs with a reason string; MethodSelector adds
// hysteresis (degrade at once, upgrade to inter or planning only after a stable run) and, with `spatial`, looks at
// the network map ahead so the vehicle asks for planning advisories before a stretch where the link fails.
import type { LinkState } from '../link/link-monitor.js';
import type { LookAheadCell } from '../netmap/network-map.js';
import type { FusionMethod } from './types.js';

/** Best first. */
export const METHOD_PREFERENCE: readonly FusionMethod[] = Object.freeze(['intra', 'inter', 'planning', 'vehicle-only'] as const);

/** The part of an RSU's LinkState the criteria read (see rsuLinkCriteria). */
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

export interface CriteriaParams {
  /** Vehicle perception period, ms: intra needs a roadside frame within half of it. */
  vehicleFramePeriodMs: number;
  /** Oldest roadside frame inter-frame fusion predicts across, ms (as FusionParams). */
  maxPredictionHorizonMs: number;
  /** Inter needs the freshest frame's age ≤ horizon − this margin, ms. */
  predictionSafetyMarginMs: number;
  /** Inter needs the link's one-way latency p90 ≤ this, ms; a map cell at or above it is a bad stretch. */
  maxInterLatencyP90Ms: number;
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
}

/** Justified one by one in docs/fusion-criteria.md. */
export const DEFAULT_CRITERIA_PARAMS: Readonly<CriteriaParams> = Object.freeze({
  vehicleFramePeriodMs: 100,
  maxPredictionHorizonMs: 500,
  predictionSafetyMarginMs: 100,
  maxInterLatencyP90Ms: 300,
  maxInterWindowLossRatio: 0.3,
  minAdvisoryValidityMs: 500,
  upgradeAfterFrames: 3,
  intraUpgradeAfterFrames: 1,
  badAheadOutageRate: 0.2,
  lookAheadTimeS: 3,
  minLookAheadM: 50,
});

export function resolveCriteriaParams(params: Partial<CriteriaParams> = {}): CriteriaParams {
  const p: CriteriaParams = { ...DEFAULT_CRITERIA_PARAMS, ...params };
  const check = (ok: boolean, field: keyof CriteriaParams, want: string): void => {
    if (!ok) throw new RangeError(`criteria params: ${field} must be ${want}, got ${String(p[field])}`);
  };
  const nonNegative = (field: keyof CriteriaParams): void => check(Number.isFinite(p[field]) && p[field] >= 0, field, 'finite and >= 0');
  check(Number.isFinite(p.vehicleFramePeriodMs) && p.vehicleFramePeriodMs > 0, 'vehicleFramePeriodMs', '> 0');
  (['maxPredictionHorizonMs', 'predictionSafetyMarginMs', 'maxInterLatencyP90Ms', 'minAdvisoryValidityMs', 'lookAheadTimeS', 'minLookAheadM'] as const)
    .forEach(nonNegative);
  check(p.maxInterWindowLossRatio >= 0 && p.maxInterWindowLossRatio <= 1, 'maxInterWindowLossRatio', 'in [0, 1]');
  check(p.badAheadOutageRate >= 0 && p.badAheadOutageRate <= 1, 'badAheadOutageRate', 'in [0, 1]');
  check(Number.isInteger(p.upgradeAfterFrames) && p.upgradeAfterFrames >= 1, 'upgradeAfterFrames', 'an integer >= 1');
  check(Number.isInteger(p.intraUpgradeAfterFrames) && p.intraUpgradeAfterFrames >= 1, 'intraUpgradeAfterFrames', 'an integer >= 1');
  return p;
}

export interface Precondition {
  holds: boolean;
  reason: string;
}

const fmt = (x: number): string => String(Number(x.toFixed(1)));
const ageText = (age: number | null): string => (age === null ? 'no frame' : `age ${fmt(age)} ms`);

/** Checks every RSU with `problem` (null = usable); holds with the first usable RSU by `rank`, else lists why not. */
function anyRsu(
  name: string,
  rsus: readonly RsuCriteriaInput[],
  problem: (r: RsuCriteriaInput) => string | null,
  rank: (r: RsuCriteriaInput) => number,
  okText: (r: RsuCriteriaInput) => string,
  failText: string,
): Precondition {
  const usable = rsus.filter((r) => problem(r) === null).sort((a, b) => rank(a) - rank(b) || (a.rsuId < b.rsuId ? -1 : a.rsuId > b.rsuId ? 1 : 0));
  const best = usable[0];
  if (best !== undefined) return { holds: true, reason: `${name}: ${best.rsuId} ${okText(best)}` };
  const why = rsus.map((r) => `${r.rsuId}: ${problem(r)!}`).join('; ');
  return { holds: false, reason: `${name}: ${failText}${rsus.length === 0 ? ' (no RSU)' : ` (${why})`}` };
}

/** Intra: some RSU has a frame captured within half a vehicle period of the vehicle frame, on a fresh link. */
export function intraPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): Precondition {
  const p = resolveCriteriaParams(params);
  const halfMs = p.vehicleFramePeriodMs / 2;
  return anyRsu(
    'intra',
    inputs.rsus,
    (r) => {
      const age = r.freshestCaptureAgeMs;
      if (age === null || !(Math.abs(age) <= halfMs)) return ageText(age);
      return r.link.stale ? 'link stale' : null;
    },
    (r) => Math.abs(r.freshestCaptureAgeMs!),
    (r) => `frame ${ageText(r.freshestCaptureAgeMs)} within ±${fmt(halfMs)} ms, link fresh`,
    `no RSU frame within ±${fmt(halfMs)} ms on a fresh link`,
  );
}

/** Inter: some RSU has a frame 0 ≤ age ≤ horizon − margin, latency p90 and window loss within bounds, not stale. */
export function interPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): Precondition {
  const p = resolveCriteriaParams(params);
  const maxAgeMs = p.maxPredictionHorizonMs - p.predictionSafetyMarginMs;
  return anyRsu(
    'inter',
    inputs.rsus,
    (r) => {
      const age = r.freshestCaptureAgeMs;
      const { latencyP90Ms, windowLossRatio, stale } = r.link;
      if (age === null || !(age >= 0 && age <= maxAgeMs)) return `${ageText(age)} not in [0, ${fmt(maxAgeMs)}]`;
      if (latencyP90Ms === null) return 'no latency samples';
      if (!(latencyP90Ms <= p.maxInterLatencyP90Ms)) return `latency p90 ${fmt(latencyP90Ms)} > ${fmt(p.maxInterLatencyP90Ms)} ms`;
      if (!(windowLossRatio <= p.maxInterWindowLossRatio)) return `loss ${fmt(windowLossRatio * 100)} % > ${fmt(p.maxInterWindowLossRatio * 100)} %`;
      return stale ? 'link stale' : null;
    },
    (r) => r.freshestCaptureAgeMs!,
    (r) => `frame ${ageText(r.freshestCaptureAgeMs)} ≤ ${fmt(maxAgeMs)} ms, latency p90 ${fmt(r.link.latencyP90Ms!)} ms, `
      + `loss ${fmt(r.link.windowLossRatio * 100)} %, jitter ${fmt(r.link.jitterMs)} ms`,
    'no RSU link fit for prediction',
  );
}

/** Planning: a valid advisory with at least minAdvisoryValidityMs left. */
export function planningPrecondition(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): Precondition {
  const p = resolveCriteriaParams(params);
  const left = inputs.advisoryValidForMs;
  if (left === null) return { holds: false, reason: 'planning: no valid advisory' };
  if (!(left >= p.minAdvisoryValidityMs)) {
    return { holds: false, reason: `planning: advisory valid for ${fmt(left)} ms < ${fmt(p.minAdvisoryValidityMs)} ms` };
  }
  return { holds: true, reason: `planning: advisory valid for ${fmt(left)} ms` };
}

/** Vehicle-only needs nothing from the roadside. */
export function vehicleOnlyPrecondition(): Precondition {
  return { holds: true, reason: 'vehicle-only: always available' };
}

/** Every method's precondition for one frame. */
export function evaluatePreconditions(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): Record<FusionMethod, Precondition> {
  const p = resolveCriteriaParams(params);
  return {
    intra: intraPrecondition(inputs, p),
    inter: interPrecondition(inputs, p),
    planning: planningPrecondition(inputs, p),
    'vehicle-only': vehicleOnlyPrecondition(),
  };
}

/** The best method whose precondition holds for this frame alone: the selector without hysteresis. */
export function bestAvailableMethod(inputs: CriteriaInputs, params: Partial<CriteriaParams> = {}): FusionMethod {
  const pre = evaluatePreconditions(inputs, params);
  return METHOD_PREFERENCE.find((m) => pre[m].holds) ?? 'vehicle-only';
}

/**
 * Whether the look-ahead shows a bad stretch: outage rate ≥ badAheadOutageRate, or latency p90 ≥ the inter
 * threshold (there, the inter precondition is expected to fail). `holds` = bad.
 */
export function badStretchAhead(ahead: AheadCriteria | null | undefined, params: Partial<CriteriaParams> = {}): Precondition {
  const p = resolveCriteriaParams(params);
  if (ahead === null || ahead === undefined) return { holds: false, reason: 'ahead: no known cell' };
  const where = `in ${fmt(ahead.distanceM)} m`;
  const stats = `outage ${fmt(ahead.outageRate * 100)} %, p90 ${ahead.p90LatencyMs === null ? 'n/a' : `${fmt(ahead.p90LatencyMs)} ms`}`;
  const bad = ahead.outageRate >= p.badAheadOutageRate
    || (ahead.p90LatencyMs !== null && ahead.p90LatencyMs >= p.maxInterLatencyP90Ms);
  return { holds: bad, reason: `ahead: ${bad ? 'bad stretch' : 'no bad stretch'} ${where} (${stats})` };
}

/** How far ahead to query the network map at `speedMps`: lookAheadTimeS of driving, at least minLookAheadM. */
export function lookAheadDistanceM(speedMps: number, params: Partial<CriteriaParams> = {}): number {
  const p = resolveCriteriaParams(params);
  const v = Number.isFinite(speedMps) ? Math.abs(speedMps) : 0;
  return Math.max(p.minLookAheadM, v * p.lookAheadTimeS);
}

/** The criteria's view of a LinkMonitor snapshot: the merged stream (what fusion receives). */
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
  readonly params: Readonly<CriteriaParams>;
  readonly spatial: boolean;
  private readonly initialMethod: FusionMethod;
  private current: FusionMethod;
  private held: Record<FusionMethod, number> = zeroCounts();

  constructor(options: MethodSelectorOptions = {}) {
    this.params = Object.freeze(resolveCriteriaParams(options.params));
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

  reset(): void {
    this.current = this.initialMethod;
    this.held = zeroCounts();
  }

  select(inputs: CriteriaInputs): MethodSelection {
    const p = this.params;
    const pre = evaluatePreconditions(inputs, p);
    for (const m of METHOD_PREFERENCE) this.held[m] = pre[m].holds ? this.held[m] + 1 : 0;
    const ahead = this.spatial ? badStretchAhead(inputs.ahead, p) : null;
    const previous = this.current;
    const eligible = (m: FusionMethod): boolean => {
      if (!pre[m].holds) return false;
      if (rankOf(m) >= rankOf(previous)) return true;
      return this.held[m] >= this.upgradeAfter(m);
    };
    // 'vehicle-only' always holds, so there is always an eligible method.
    const next = METHOD_PREFERENCE.find(eligible) ?? 'vehicle-only';

    let reason: string;
    if (next === previous) {
      const pending = METHOD_PREFERENCE.filter((m) => rankOf(m) < rankOf(previous) && pre[m].holds)
        .map((m) => `${m} held ${this.held[m]}/${this.upgradeAfter(m)} frames`);
      reason = [pre[next].reason, ...pending].join('; ');
    } else if (rankOf(next) > rankOf(previous)) {
      reason = `degrade ${previous} -> ${next}: ${pre[previous].reason}; ${pre[next].reason}`;
    } else {
      reason = `upgrade ${previous} -> ${next} after ${this.held[next]} frames: ${pre[next].reason}`;
    }
    if (ahead !== null && ahead.holds) reason += `; ${ahead.reason}`;
    this.current = next;
    return {
      method: next,
      reason,
      switched: next !== previous,
      wantAdvisoriesEarly: ahead !== null && ahead.holds,
      preconditions: pre,
    };
  }
}
