// Gating: may two object estimates be the same physical object? Two tests, both must pass:
// 1. the squared Mahalanobis distance of their difference, d2 = r^T S^-1 r with S = Pa + Pb (the covariance
//    of the difference of two independent estimates), lies inside the chi-square gate for the chosen
//    probability and degrees of freedom;
// 2. their classes are compatible per a configurable table.
import { createRequire } from 'node:module';
import { choleskyFactor, choleskyFactorRegularised, choleskyNormSquared, choleskySolve } from '../kernels/cholesky.js';
import type { Matrix } from '../kernels/gaussian.js';
import { OBJECT_CLASSES } from '../model/types.js';
import type { DetectedObject, ObjectClass, StateCovariance } from '../model/types.js';

/** Which part of [x, y, vx, vy] is compared. Position only is the default: velocities from a single-frame
 * detector, or a fresh track, are often missing or poor and would reject true matches. */
export type GateSubState = 'position' | 'position-velocity';

/** Indices into [x, y, vx, vy]; their count is the degrees of freedom of the chi-square gate. */
export const GATE_SUBSTATE_INDICES: Readonly<Record<GateSubState, readonly number[]>> = {
  position: [0, 1],
  'position-velocity': [0, 1, 2, 3],
};

/** 99 %: a true match falls outside the gate once in a hundred (if covariances are honest). */
export const DEFAULT_GATE_PROBABILITY = 0.99;

/**
 * Chi-square gate threshold on d2: the `probability` quantile with `dof` degrees of freedom
 * (9.2103 for 2 dof at 0.99, 13.2767 for 4 dof).
 */
export function chiSquareGate(probability: number, dof: number): number {
  if (!(probability > 0 && probability < 1)) {
    throw new RangeError(`chiSquareGate: probability must be in (0, 1), got ${probability}`);
  }
  if (!Number.isInteger(dof) || dof < 1) {
    throw new RangeError(`chiSquareGate: dof must be a positive integer, got ${dof}`);
  }
  // Cached: the quantile is iterative, and the vehicle associates several times per frame with the same gate.
  // Keyed by number, not by a string built per call (that formatting showed in per-frame profiles).
  let byProbability = GATE_CACHE.get(dof);
  if (byProbability === undefined) {
    byProbability = new Map<number, number>();
    GATE_CACHE.set(dof, byProbability);
  }
  let gate = byProbability.get(probability);
  if (gate === undefined) {
    gate = libraryQuantile(probability, dof);
    byProbability.set(probability, gate);
  }
  return gate;
}

/**
 * @stdlib's quantiles (exactly, as printed by the library) for the gates in common use: a process, or a simulator
 * worker, then starts without loading the library's module tree (~150 ms) just to compute these numbers. Any
 * other gate loads it on first use. A test checks every entry against the library.
 */
export const PRESET_GATES: ReadonlyArray<readonly [probability: number, dof: number, threshold: number]> = [
  [0.95, 1, 3.8414588206941245], [0.95, 2, 5.99146454710798], [0.95, 3, 7.814727903251178], [0.95, 4, 9.487729036781156],
  [0.99, 1, 6.634896601021214], [0.99, 2, 9.21034037197618], [0.99, 3, 11.34486673014437], [0.99, 4, 13.276704135987622],
  [0.999, 1, 10.827566170662733], [0.999, 2, 13.815510557964272], [0.999, 3, 16.26623619623813], [0.999, 4, 18.46682695290317],
];

/** dof -> probability -> threshold. */
const GATE_CACHE = new Map<number, Map<number, number>>();
for (const [probability, dof, threshold] of PRESET_GATES) {
  if (!GATE_CACHE.has(dof)) GATE_CACHE.set(dof, new Map());
  GATE_CACHE.get(dof)!.set(probability, threshold);
}

type Quantile = (probability: number, dof: number) => number;
let quantile: Quantile | null = null;

/** The chi-square quantile from @stdlib, loaded on first use. */
export function libraryQuantile(probability: number, dof: number): number {
  quantile ??= createRequire(import.meta.url)('@stdlib/stats-base-dists-chisquare-quantile') as Quantile;
  return quantile(probability, dof);
}

/**
 * r^T S^-1 r for a symmetric positive-definite S (Cholesky, never inverted). A singular PSD S is regularised
 * with a tiny diagonal load; an indefinite or non-finite one throws a RangeError (see
 * shared/kernels/cholesky.ts).
 */
export function mahalanobisSquared(residual: readonly number[], s: Matrix): number {
  const n = residual.length;
  if (s.length !== n || s.some((row) => row.length !== n)) {
    throw new RangeError(`mahalanobisSquared: residual has ${n} entries but S is not ${n}x${n}`);
  }
  if (residual.some((v) => !Number.isFinite(v))) {
    throw new RangeError('mahalanobisSquared: residual has non-finite entries');
  }
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = (s[i]![j]! + s[j]![i]!) / 2;
  const l = choleskyFactor(sym, n);
  const fast = l === null ? Number.NaN : choleskyNormSquared(l, n, residual);
  if (!Number.isNaN(fast)) return fast;
  // Not positive definite as given (or overflowing): regularise, or throw for garbage.
  for (const row of s) {
    for (const v of row) if (!Number.isFinite(v)) throw new RangeError('mahalanobisSquared: S: matrix has non-finite entries');
  }
  const x = Float64Array.from(residual);
  choleskySolve(choleskyFactorRegularised(sym, n, 'mahalanobisSquared: S'), n, x, 1);
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += residual[i]! * x[i]!;
  return d2;
}

/**
 * Class compatibility table: table[c] lists every class that may be associated with c. It must be symmetric
 * (createGate checks; {@link classCompatibilityFromGroups} builds symmetric tables from groups).
 */
export type ClassCompatibility = Readonly<Record<ObjectClass, readonly ObjectClass[]>>;

/**
 * Default table. 'unknown' matches anything (a source that cannot classify must still be fusable); car, truck
 * and bus are all "vehicle" (detectors confuse them, especially vans and pick-ups); cyclist and motorcycle are
 * both two-wheelers; pedestrian, animal and static only match themselves, because merging a pedestrian into a
 * vehicle (or a cone into a car) would erase an object the planner must see.
 */
export const DEFAULT_CLASS_COMPATIBILITY: ClassCompatibility = freezeTable({
  unknown: ['unknown', 'car', 'truck', 'bus', 'motorcycle', 'cyclist', 'pedestrian', 'animal', 'static'],
  car: ['unknown', 'car', 'truck', 'bus'],
  truck: ['unknown', 'car', 'truck', 'bus'],
  bus: ['unknown', 'car', 'truck', 'bus'],
  motorcycle: ['unknown', 'motorcycle', 'cyclist'],
  cyclist: ['unknown', 'motorcycle', 'cyclist'],
  pedestrian: ['unknown', 'pedestrian'],
  animal: ['unknown', 'animal'],
  static: ['unknown', 'static'],
});

/**
 * Builds a symmetric table from groups of mutually compatible classes plus wildcard classes that match
 * anything. Every class is compatible with itself. Default wildcard: 'unknown'.
 */
export function classCompatibilityFromGroups(
  groups: readonly (readonly ObjectClass[])[],
  wildcards?: readonly ObjectClass[],
): ClassCompatibility {
  // The tracker asks for its (frozen) default groups every frame: frozen groups with the default wildcard always
  // give the same table, so it is built once and shared, frozen. Anything else is built afresh.
  const cacheable = wildcards === undefined && Object.isFrozen(groups) && groups.every((g) => Object.isFrozen(g));
  if (cacheable) {
    const cached = FROZEN_GROUP_TABLES.get(groups);
    if (cached !== undefined) return cached;
  }
  const table = buildTable(groups, wildcards ?? ['unknown']);
  if (!cacheable) return table;
  const frozen = freezeTable(table);
  FROZEN_GROUP_TABLES.set(groups, frozen);
  return frozen;
}

/** Freezes the table and its lists: a frozen table cannot change, so gates built on it can be reused. */
function freezeTable(table: ClassCompatibility): ClassCompatibility {
  for (const c of OBJECT_CLASSES) Object.freeze(table[c]);
  return Object.freeze(table);
}

const FROZEN_GROUP_TABLES = new WeakMap<readonly (readonly ObjectClass[])[], ClassCompatibility>();

function buildTable(groups: readonly (readonly ObjectClass[])[], wildcards: readonly ObjectClass[]): ClassCompatibility {
  const sets = new Map<ObjectClass, Set<ObjectClass>>();
  const all: readonly ObjectClass[] = OBJECT_CLASSES;
  for (const c of all) sets.set(c, new Set([c]));
  const link = (x: ObjectClass, y: ObjectClass): void => {
    sets.get(x)!.add(y);
    sets.get(y)!.add(x);
  };
  for (const group of groups) for (const x of group) for (const y of group) link(x, y);
  for (const w of wildcards) for (const c of all) link(w, c);
  // Listed in the canonical class order so tables compare and print predictably.
  const table = {} as Record<ObjectClass, readonly ObjectClass[]>;
  for (const c of all) table[c] = all.filter((x) => sets.get(c)!.has(x));
  return table;
}

export function classesCompatible(a: ObjectClass, b: ObjectClass, table: ClassCompatibility): boolean {
  return table[a].includes(b);
}

export interface GatingOptions {
  /** Covariance for objects of list A that carry none (`covariance: null`), e.g. the vehicle's default. */
  defaultCovarianceA: StateCovariance;
  /** Covariance for objects of list B that carry none, e.g. the roadside unit's default. */
  defaultCovarianceB: StateCovariance;
  /** Probability mass inside the gate, (0, 1). Default {@link DEFAULT_GATE_PROBABILITY}. */
  gateProbability?: number;
  /** Default 'position' (2 dof). */
  subState?: GateSubState;
  /** Default {@link DEFAULT_CLASS_COMPATIBILITY}. */
  classCompatibility?: ClassCompatibility;
}

export interface ObjectGate {
  /** Gate threshold on d2 (inclusive). */
  readonly thresholdD2: number;
  readonly dof: number;
  /**
   * d2 of the pair (a from list A, b from list B) when compatible and inside the gate, else null. An object
   * that is not a valid estimate (non-finite state or covariance, or S not positive semi-definite) is never
   * inside the gate: one corrupt remote track must not abort the association of a whole scene.
   */
  test(a: DetectedObject, b: DetectedObject): number | null;
}

/** An edge of the gating graph: a compatible pair inside the gate and its d2. */
export interface GatedEdge {
  /** Index into list A. */
  row: number;
  /** Index into list B. */
  col: number;
  /** d2 of the pair. */
  cost: number;
}

/** Index of (row, col) of the 4x4 covariance in the wire's packed upper triangle (see model/covariance.ts). */
const PACKED_INDEX: readonly (readonly number[])[] = [
  [0, 1, 2, 3],
  [1, 4, 5, 6],
  [2, 5, 7, 8],
  [3, 6, 8, 9],
];

function checkSymmetric(table: ClassCompatibility): void {
  for (const c of OBJECT_CLASSES) {
    for (const d of table[c]) {
      if (!table[d].includes(c)) {
        throw new RangeError(`class compatibility table is not symmetric: ${c} lists ${d} but not the reverse`);
      }
    }
  }
}

/**
 * One list's objects resolved to the gate's sub-state, once per object rather than once per pair, in flat
 * buffers reused from call to call: object i has its mean at [i n, i n + n) and its row-major sub-covariance at
 * [i n^2, i n^2 + n^2).
 */
class PreparedList {
  count = 0;
  means = new Float64Array(0);
  covs = new Float64Array(0);
  /** 0 when the state or covariance has a non-finite entry: never gated. */
  valid = new Uint8Array(0);
  classes: ObjectClass[] = [];

  /** Room for `count` objects of dimension n (contents undefined). */
  reset(count: number, n: number): void {
    this.count = count;
    if (this.valid.length < count) {
      const capacity = Math.max(count, 2 * this.valid.length);
      this.means = new Float64Array(capacity * n);
      this.covs = new Float64Array(capacity * n * n);
      this.valid = new Uint8Array(capacity);
    }
    this.classes.length = count;
  }
}

/**
 * What the options resolve to (threshold, sub-state, table) plus the buffers its pair tests fill. Built once per
 * distinct (frozen table, sub-state, probability) and reused: the vehicle associates once per RSU per frame with the
 * same options, and rebuilding (quantile lookup, table check, buffers, closures) cost more than the gating itself.
 */
interface GateCore {
  readonly subState: GateSubState;
  readonly probability: number;
  readonly table: ClassCompatibility;
  readonly indices: readonly number[];
  readonly dof: number;
  readonly thresholdD2: number;
  /** PACKED_INDEX of sub-state entry (i, j) at i dof + j. */
  readonly packed: Int32Array;
  /** The pair's r and S (flat), refilled by each pair test. */
  readonly residual: Float64Array;
  readonly s: Float64Array;
  readonly listA: PreparedList;
  readonly listB: PreparedList;
  /** gatedPairs' sweep order and candidates, grown as needed. */
  order: Int32Array;
  xs: Float64Array;
  candidateCols: Int32Array;
  candidateD2: Float64Array;
}

/** Cores of frozen, checked tables (a frozen table cannot become asymmetric later). */
const CORES = new WeakMap<ClassCompatibility, GateCore[]>();

function isFrozenTable(table: ClassCompatibility): boolean {
  return Object.isFrozen(table) && OBJECT_CLASSES.every((c) => Object.isFrozen(table[c]));
}

/** The options' core; checks the table (RangeError if asymmetric) unless a core of this frozen table exists. */
function resolveCore(options: GatingOptions): GateCore {
  const subState = options.subState ?? 'position';
  const probability = options.gateProbability ?? DEFAULT_GATE_PROBABILITY;
  const table = options.classCompatibility ?? DEFAULT_CLASS_COMPATIBILITY;
  const cores = CORES.get(table);
  if (cores !== undefined) {
    for (const core of cores) if (core.subState === subState && core.probability === probability) return core;
  }
  checkSymmetric(table);
  const core = buildCore(subState, probability, table);
  if (cores !== undefined) cores.push(core);
  else if (isFrozenTable(table)) CORES.set(table, [core]);
  return core;
}

function buildCore(subState: GateSubState, probability: number, table: ClassCompatibility): GateCore {
  const indices = GATE_SUBSTATE_INDICES[subState];
  const n = indices.length;
  const thresholdD2 = chiSquareGate(probability, n);
  const packed = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) packed[i * n + j] = PACKED_INDEX[indices[i]!]![indices[j]!]!;
  return {
    subState, probability, table, indices, dof: n, thresholdD2, packed,
    residual: new Float64Array(n), s: new Float64Array(n * n),
    listA: new PreparedList(), listB: new PreparedList(),
    order: new Int32Array(0), xs: new Float64Array(0), candidateCols: new Int32Array(0), candidateD2: new Float64Array(0),
  };
}

/** Resolves objects[k] into slot k of `list`; indexes the packed covariance directly (no 4x4 unpacking). */
function prepareInto(core: GateCore, list: PreparedList, k: number, o: DetectedObject, fallback: StateCovariance): void {
  const { indices, packed: packedIndex } = core;
  const n = core.dof;
  const packed = o.covariance ?? fallback;
  const { means, covs } = list;
  let valid = true;
  for (let i = 0; i < n; i++) {
    const si = indices[i]!;
    means[k * n + i] = si === 0 ? o.xM : si === 1 ? o.yM : si === 2 ? o.vxMps : o.vyMps;
    if (!Number.isFinite(means[k * n + i])) valid = false;
    for (let j = 0; j < n; j++) {
      // (P_ij + P_ji) / 2 of the unpacked symmetric matrix, as before: both are the same packed entry.
      const v = packed[packedIndex[i * n + j]!]!;
      covs[(k * n + i) * n + j] = (v + v) / 2;
      if (!Number.isFinite(covs[(k * n + i) * n + j])) valid = false;
    }
  }
  list.valid[k] = valid ? 1 : 0;
  list.classes[k] = o.objectClass;
}

function prepareList(core: GateCore, list: PreparedList, objects: readonly DetectedObject[], fallback: StateCovariance): void {
  list.reset(objects.length, core.dof);
  for (let k = 0; k < objects.length; k++) prepareInto(core, list, k, objects[k]!, fallback);
}

/** d2 of row `i` of listA and row `j` of listB when compatible and inside the gate, else null. */
function testPrepared(core: GateCore, i: number, j: number): number | null {
  const { listA: a, listB: b, residual, s } = core;
  const n = core.dof;
  if (a.valid[i] === 0 || b.valid[j] === 0 || !classesCompatible(a.classes[i]!, b.classes[j]!, core.table)) return null;
  for (let k = 0; k < n; k++) residual[k] = b.means[j * n + k]! - a.means[i * n + k]!;
  const nn = n * n;
  for (let k = 0; k < nn; k++) s[k] = a.covs[i * nn + k]! + b.covs[j * nn + k]!;
  const l = choleskyFactor(s, n);
  let d2 = l === null ? Number.NaN : choleskyNormSquared(l, n, residual);
  if (Number.isNaN(d2)) {
    // Rare: singular or indefinite S. Regularise like everywhere else, or treat as not gated.
    try {
      d2 = mahalanobisSquared([...residual], Array.from({ length: n }, (_, r) => [...s.subarray(r * n, r * n + n)]));
    } catch {
      return null;
    }
  }
  return d2 <= core.thresholdD2 ? d2 : null;
}

/** Resolves the options once (the quantile is not free) into a reusable pair test. Throws a RangeError for
 * an invalid probability or an asymmetric class table. */
export function createGate(options: GatingOptions): ObjectGate {
  const core = resolveCore(options);
  return {
    thresholdD2: core.thresholdD2,
    dof: core.dof,
    test: (a, b) => {
      core.listA.reset(1, core.dof);
      core.listB.reset(1, core.dof);
      prepareInto(core, core.listA, 0, a, options.defaultCovarianceA);
      prepareInto(core, core.listB, 0, b, options.defaultCovarianceB);
      return testPrepared(core, 0, 0);
    },
  };
}

/**
 * Every edge of the gating graph, sorted by row then column. Candidates come from a sweep over B sorted by x:
 * since r^T S^-1 r >= rx^2 / Sxx, a partner of `a` lies within |dx| <= sqrt(gate * (Pa_xx + max Pb_xx)), so
 * spread-out scenes cost O((m + n) log n + candidates) instead of m n pair tests.
 */
export function gatedPairs(
  a: readonly DetectedObject[],
  b: readonly DetectedObject[],
  options: GatingOptions,
): GatedEdge[] {
  const core = resolveCore(options);
  const n = core.dof;
  const pa = core.listA;
  const pb = core.listB;
  prepareList(core, pa, a, options.defaultCovarianceA);
  prepareList(core, pb, b, options.defaultCovarianceB);
  const validCount = sweepOrder(core);
  const { order, xs } = core;
  let maxBxx = 0;
  let maxBDiag = 0;
  for (let k = 0; k < validCount; k++) {
    const j = order[k]!;
    maxBxx = Math.max(maxBxx, pb.covs[j * n * n]!);
    for (let i = 0; i < n; i++) maxBDiag = Math.max(maxBDiag, Math.abs(pb.covs[(j * n + i) * n + i]!));
  }
  if (core.candidateCols.length < b.length) {
    core.candidateCols = new Int32Array(b.length);
    core.candidateD2 = new Float64Array(b.length);
  }
  const { candidateCols, candidateD2 } = core;
  const edges: GatedEdge[] = [];
  for (let row = 0; row < a.length; row++) {
    if (pa.valid[row] === 0) continue;
    let aDiag = 0;
    for (let i = 0; i < n; i++) aDiag = Math.max(aDiag, Math.abs(pa.covs[(row * n + i) * n + i]!));
    // The margin covers the diagonal load a singular S may get (1e-9 x its largest diagonal entry) and rounding.
    const sxx = Math.max(0, pa.covs[row * n * n]! + maxBxx) + 1e-8 * Math.max(1, aDiag + maxBDiag);
    const half = Math.sqrt(core.thresholdD2 * sxx) * (1 + 1e-9);
    const x = pa.means[row * n]!;
    let found = 0;
    for (let k = lowerBound(xs, validCount, x - half); k < validCount && xs[k]! <= x + half; k++) {
      const col = order[k]!;
      const d2 = testPrepared(core, row, col);
      if (d2 === null) continue;
      candidateCols[found++] = col;
      candidateD2[col] = d2;
    }
    // Columns sorted numerically (no comparator): the row's edges in column order.
    if (found > 1) candidateCols.subarray(0, found).sort();
    for (let k = 0; k < found; k++) {
      const col = candidateCols[k]!;
      edges.push({ row, col, cost: candidateD2[col]! });
    }
  }
  return edges;
}

/**
 * Fills core.order with the valid objects of listB sorted by x, ties by index, and core.xs with their x;
 * returns their count. The order is total, so any correct sort gives it: insertion sort for the usual few
 * objects (no comparator closure per call), Array.prototype.sort beyond.
 */
function sweepOrder(core: GateCore): number {
  const pb = core.listB;
  const n = core.dof;
  if (core.order.length < pb.count) {
    core.order = new Int32Array(pb.count);
    core.xs = new Float64Array(pb.count);
  }
  const { order, xs } = core;
  let count = 0;
  for (let j = 0; j < pb.count; j++) if (pb.valid[j] === 1) order[count++] = j;
  if (count > INSERTION_SORT_MAX) {
    const sorted = Array.from(order.subarray(0, count)).sort((x, y) => pb.means[x * n]! - pb.means[y * n]! || x - y);
    order.set(sorted);
    for (let k = 0; k < count; k++) xs[k] = pb.means[order[k]! * n]!;
    return count;
  }
  for (let k = 0; k < count; k++) {
    const j = order[k]!;
    const x = pb.means[j * n]!;
    // Indices come in ascending order, so an equal x stays after the ones already placed.
    let m = k;
    while (m > 0 && xs[m - 1]! > x) {
      xs[m] = xs[m - 1]!;
      order[m] = order[m - 1]!;
      m--;
    }
    xs[m] = x;
    order[m] = j;
  }
  return count;
}

const INSERTION_SORT_MAX = 32;

/** First index k < count with xs[k] >= x (xs ascending). */
function lowerBound(xs: Float64Array, count: number, x: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
