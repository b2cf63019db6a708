// The strategies: how the vehicle uses the roadside, one entry each in one table. An entry says how the method of
// each vehicle frame is picked and which fusion method (one module each in shared/fusion/) runs for each method it
// may pick. VehicleCore runs any entry; every place that offers, checks or sets up a strategy (vehicle config,
// CLI, simulator, replay, benchmarks) asks this table. Adding one: docs/extending.md.
import { INTER_FRAME } from './inter-frame.js';
import { INTRA_FRAME } from './intra-frame.js';
import { LATEST, LINEAR_COMPENSATION } from './baselines.js';
import type { FrameFuser, FrameInputs } from './methods.js';
import { PLANNING } from './planning.js';
import type { FusionMethod } from './types.js';
import { VEHICLE_ONLY } from './vehicle-only.js';

/** A strategy's name: a key of the table (parseStrategy and strategyDef refuse others). */
export type StrategyName = string;

/** The method a strategy picked for a frame, and why, in words (logs). */
export interface MethodChoice {
  method: FusionMethod;
  reason: string;
}

export type MethodPick =
  /** `method` whenever its fusion method's input is usable for the frame (planning: a valid advisory), else
   * vehicle-only. */
  | { kind: 'fixed'; method: FusionMethod }
  /** As fixed, for a baseline of common practice: a point of comparison (the reference suite's claims). */
  | { kind: 'baseline'; method: FusionMethod }
  /** MethodSelector (criteria.ts) on the link state and the advisories held, with hysteresis; `spatial` adds the
   * network map's look-ahead (advisories asked for early before a bad stretch) and needs a map. */
  | { kind: 'adaptive'; spatial: boolean }
  /** A rule of the strategy's own, per frame. */
  | { kind: 'custom'; choose: (x: FrameInputs) => MethodChoice };

/** The fusion method run for each method the strategy may pick; vehicle-only is every strategy's fallback. */
export type StrategyMethods = { readonly 'vehicle-only': FrameFuser } & { readonly [M in FusionMethod]?: FrameFuser };

export interface StrategyDef {
  readonly name: StrategyName;
  /** One line: the CLI help lists it. */
  readonly description: string;
  /** Sends intents to the RSUs and holds the planning advisories they answer with. */
  readonly usesAdvisories: boolean;
  /** Runs with a network-quality map (the caller gives one, maybe empty) and refines it online from its own link
   * measurements. */
  readonly needsNetmap: boolean;
  readonly pick: MethodPick;
  readonly methods: StrategyMethods;
}

const table = new Map<StrategyName, StrategyDef>();
/** Registered after this module loaded: a worker thread or a child process loads the table afresh, without them. */
const threadLocal = new Set<StrategyName>();
let loaded = false;

/**
 * Adds a strategy to the table; a name already there is refused. Returns a function that takes it out again (for
 * tests and embedders that scope a strategy). Registered after the built-in ones (at run time), a strategy is known
 * to this thread only: see isThreadLocalStrategy.
 */
export function registerStrategy(def: StrategyDef): () => void {
  checkDef(def);
  const entry: StrategyDef = Object.freeze({ ...def, pick: Object.freeze({ ...def.pick }), methods: Object.freeze({ ...def.methods }) });
  table.set(entry.name, entry);
  if (loaded) threadLocal.add(entry.name);
  return () => {
    if (table.get(entry.name) !== entry) return;
    table.delete(entry.name);
    threadLocal.delete(entry.name);
  };
}

function checkDef(d: StrategyDef): void {
  const refuse = (why: string): never => {
    throw new Error(`strategy "${d.name}": ${why}`);
  };
  // Names travel in comma-separated lists (--strategies) and file names.
  if (!/^[A-Za-z0-9][\w.-]*$/.test(d.name)) refuse('a name is letters, digits, ".", "_" and "-"');
  if (table.has(d.name)) refuse('already registered');
  if (d.description.trim() === '' || d.description.includes('\n')) refuse('the description is one non-empty line');
  if (!d.methods['vehicle-only']) refuse('vehicle-only is every strategy\'s fallback: methods must have it');
  const picks: readonly FusionMethod[] = d.pick.kind === 'adaptive' ? ['intra', 'inter', 'planning', 'vehicle-only']
    : d.pick.kind === 'custom' ? [] : [d.pick.method];
  for (const m of picks) if (!d.methods[m]) refuse(`its pick may choose ${m}, which methods lacks`);
  if (d.pick.kind === 'adaptive' && d.pick.spatial && !d.needsNetmap) refuse('the spatial look-ahead needs the network map');
  if (d.methods.planning && !d.usesAdvisories) refuse('planning fusion needs advisories: set usesAdvisories');
}

/** `unknown strategy "x"; one of ...`: every refusal of a name reads the same. */
export function unknownStrategy(name: string): string {
  return `unknown strategy "${name}"; one of ${strategyNames().join(', ')}`;
}

/** Every strategy name, in registration order (the built-in ones first). */
export function strategyNames(): StrategyName[] {
  return [...table.keys()];
}

export function findStrategy(name: string): StrategyDef | undefined {
  return table.get(name);
}

/** The table entry of `name`; an unknown name is refused naming `what` (a flag, a config field) and listing the known. */
export function strategyDef(name: string, what = 'strategy'): StrategyDef {
  const def = table.get(name);
  if (!def) throw new Error(`${what}: ${unknownStrategy(name)}`);
  return def;
}

/** `name` if it is a strategy; else refused naming `what` (a flag, a config field) and listing the known ones. */
export function parseStrategy(name: string, what: string): StrategyName {
  return strategyDef(name, what).name;
}

/** Registered at run time in this thread: a worker thread or child process would not know it (run it here). */
export function isThreadLocalStrategy(name: string): boolean {
  return threadLocal.has(name);
}

/** The strategies, one per line, name and description: the CLI help. */
export function strategyHelp(): string {
  const width = Math.max(...strategyNames().map((n) => n.length)) + 2;
  return ['Strategies:', ...[...table.values()].map((d) => `  ${d.name.padEnd(width)}${d.description}`)].join('\n');
}

const ALL_METHODS: StrategyMethods = { intra: INTRA_FRAME, inter: INTER_FRAME, planning: PLANNING, 'vehicle-only': VEHICLE_ONLY };
const none = { usesAdvisories: false, needsNetmap: false } as const;

// The built-in strategies. Their order is the listing's (CLI help, `iaad sim compare`, bench/output-hash.ts).
registerStrategy({
  name: 'vehicle-only', description: 'the vehicle\'s own perception only; the roadside is ignored', ...none,
  pick: { kind: 'fixed', method: 'vehicle-only' }, methods: { 'vehicle-only': VEHICLE_ONLY },
});
registerStrategy({
  name: 'intra', description: 'intra-frame fusion when a same-instant roadside frame is at hand, else vehicle-only', ...none,
  pick: { kind: 'fixed', method: 'intra' }, methods: { intra: INTRA_FRAME, 'vehicle-only': VEHICLE_ONLY },
});
registerStrategy({
  name: 'inter', description: 'inter-frame fusion (roadside frames up to 1 s late, motion-compensated), else vehicle-only', ...none,
  pick: { kind: 'fixed', method: 'inter' }, methods: { inter: INTER_FRAME, 'vehicle-only': VEHICLE_ONLY },
});
registerStrategy({
  name: 'planning', description: 'sends intents; objects completed by the tracks of valid advisories, else vehicle-only',
  usesAdvisories: true, needsNetmap: false,
  pick: { kind: 'fixed', method: 'planning' }, methods: { planning: PLANNING, 'vehicle-only': VEHICLE_ONLY },
});
registerStrategy({
  name: 'adaptive', description: 'the method picked per frame from the link state and advisories (temporal criteria)',
  usesAdvisories: true, needsNetmap: false, pick: { kind: 'adaptive', spatial: false }, methods: ALL_METHODS,
});
registerStrategy({
  name: 'adaptive-st', description: 'adaptive plus the network map\'s look-ahead (before a bad stretch, advisories early that cover it)',
  usesAdvisories: true, needsNetmap: true, pick: { kind: 'adaptive', spatial: true }, methods: ALL_METHODS,
});
registerStrategy({
  name: 'latest', description: 'baseline: the newest roadside frame of each RSU, fused with no time alignment', ...none,
  pick: { kind: 'baseline', method: 'inter' }, methods: { inter: LATEST, 'vehicle-only': VEHICLE_ONLY },
});
registerStrategy({
  name: 'linear-compensation', description: 'baseline: roadside objects shifted by their last displacement, then as latest',
  ...none, pick: { kind: 'baseline', method: 'inter' }, methods: { inter: LINEAR_COMPENSATION, 'vehicle-only': VEHICLE_ONLY },
});
loaded = true;
