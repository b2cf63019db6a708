// Gating: may two object estimates be the same physical object? Two tests, both must pass:
// 1. the squared Mahalanobis distance of their difference, d2 = r^T S^-1 r with S = Pa + Pb (the covariance
//    of the difference of two independent estimates), lies inside the chi-square gate for the chosen
//    probability and degrees of freedom;
// 2. their classes are compatible per a configurable table.
import chiSquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';
import { Matrix as MlMatrix } from 'ml-matrix';
import type { Matrix } from '../model/covariance.js';
import { OBJECT_CLASSES } from '../model/types.js';
import type { DetectedObject, ObjectClass, StateCovariance } from '../model/types.js';
import { choleskySpd } from '../fusion/gaussian.js';
import type { Gaussian } from '../fusion/gaussian.js';

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
  const key = `${probability}/${dof}`;
  let gate = GATE_CACHE.get(key);
  if (gate === undefined) {
    gate = chiSquareQuantile(probability, dof);
    GATE_CACHE.set(key, gate);
  }
  return gate;
}

const GATE_CACHE = new Map<string, number>();

/**
 * Cholesky of the flat n x n symmetric `s` and forward substitution L y = r; returns |y|^2 = r^T S^-1 r, or NaN
 * when S is not numerically positive definite. Plain arrays on purpose: this runs for every candidate pair,
 * where ml-matrix's per-call allocations cost ~100x the arithmetic of a 2x2 or 4x4 solve.
 */
function choleskyDistance2(r: ArrayLike<number>, s: ArrayLike<number>, n: number, l: Float64Array, y = new Float64Array(n)): number {
  let d2 = 0;
  for (let j = 0; j < n; j++) {
    let diag = s[j * n + j]!;
    for (let k = 0; k < j; k++) diag -= l[j * n + k]! * l[j * n + k]!;
    if (!(diag > 0)) return Number.NaN;
    const ljj = Math.sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = s[i * n + j]!;
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = v / ljj;
    }
  }
  // Forward substitution only: r^T (L L^T)^-1 r = |L^-1 r|^2.
  for (let i = 0; i < n; i++) {
    let v = r[i]!;
    for (let k = 0; k < i; k++) v -= l[i * n + k]! * y[k]!;
    y[i] = v / l[i * n + i]!;
    d2 += y[i]! * y[i]!;
  }
  return d2;
}

/**
 * r^T S^-1 r for a symmetric positive-definite S (Cholesky, never inverted). A singular PSD S is regularised
 * with a tiny diagonal load; an indefinite or non-finite one throws a RangeError (see
 * shared/fusion/gaussian.ts).
 */
export function mahalanobisSquared(residual: readonly number[], s: Matrix): number {
  const n = residual.length;
  if (s.length !== n || s.some((row) => row.length !== n)) {
    throw new RangeError(`mahalanobisSquared: residual has ${n} entries but S is not ${n}x${n}`);
  }
  if (residual.some((v) => !Number.isFinite(v))) {
    throw new RangeError('mahalanobisSquared: residual has non-finite entries');
  }
  const flat = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) flat[i * n + j] = (s[i]![j]! + s[j]![i]!) / 2;
  const fast = choleskyDistance2(residual, flat, n, new Float64Array(n * n));
  if (!Number.isNaN(fast)) return fast;
  // Not positive definite as given: regularise (or throw) through the shared SPD helper.
  const chol = choleskySpd(s, 'mahalanobisSquared: S');
  const r = MlMatrix.columnVector([...residual]);
  return r.transpose().mmul(chol.solve(r)).get(0, 0);
}

/** d2 between two Gaussian estimates on the sub-state `indices`, with S = Pa + Pb restricted to them. */
export function gaussianDistance2(a: Gaussian, b: Gaussian, indices: readonly number[]): number {
  const residual = indices.map((i) => b.mean[i]! - a.mean[i]!);
  const s = indices.map((i) => indices.map((j) => a.cov[i]![j]! + b.cov[i]![j]!));
  return mahalanobisSquared(residual, s);
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
export const DEFAULT_CLASS_COMPATIBILITY: ClassCompatibility = {
  unknown: ['unknown', 'car', 'truck', 'bus', 'motorcycle', 'cyclist', 'pedestrian', 'animal', 'static'],
  car: ['unknown', 'car', 'truck', 'bus'],
  truck: ['unknown', 'car', 'truck', 'bus'],
  bus: ['unknown', 'car', 'truck', 'bus'],
  motorcycle: ['unknown', 'motorcycle', 'cyclist'],
  cyclist: ['unknown', 'motorcycle', 'cyclist'],
  pedestrian: ['unknown', 'pedestrian'],
  animal: ['unknown', 'animal'],
  static: ['unknown', 'static'],
};

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
  for (const c of OBJECT_CLASSES) Object.freeze(table[c]);
  const frozen = Object.freeze(table);
  FROZEN_GROUP_TABLES.set(groups, frozen);
  return frozen;
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

/** An object's sub-state estimate, resolved once per object rather than once per pair. */
interface Prepared {
  objectClass: ObjectClass;
  mean: Float64Array;
  /** Flat row-major sub-covariance. */
  cov: Float64Array;
  /** False when the state or covariance has a non-finite entry: never gated. */
  valid: boolean;
}

function checkSymmetric(table: ClassCompatibility): void {
  for (const c of OBJECT_CLASSES) {
    for (const d of table[c]) {
      if (!table[d].includes(c)) {
        throw new RangeError(`class compatibility table is not symmetric: ${c} lists ${d} but not the reverse`);
      }
    }
  }
}

interface ResolvedGate extends ObjectGate {
  prepare(o: DetectedObject, fallback: StateCovariance): Prepared;
  testPrepared(a: Prepared, b: Prepared): number | null;
  defaultA: StateCovariance;
  defaultB: StateCovariance;
}

function resolveGate(options: GatingOptions): ResolvedGate {
  const indices = GATE_SUBSTATE_INDICES[options.subState ?? 'position'];
  const n = indices.length;
  const table = options.classCompatibility ?? DEFAULT_CLASS_COMPATIBILITY;
  checkSymmetric(table);
  const thresholdD2 = chiSquareGate(options.gateProbability ?? DEFAULT_GATE_PROBABILITY, n);
  const residual = new Float64Array(n);
  const s = new Float64Array(n * n);
  const l = new Float64Array(n * n);
  const y = new Float64Array(n);
  // Runs for every object of every association: indexes the packed covariance directly (no 4x4 unpacking).
  const prepare = (o: DetectedObject, fallback: StateCovariance): Prepared => {
    const packed = o.covariance ?? fallback;
    const mean = new Float64Array(n);
    const cov = new Float64Array(n * n);
    let valid = true;
    for (let i = 0; i < n; i++) {
      const si = indices[i]!;
      mean[i] = si === 0 ? o.xM : si === 1 ? o.yM : si === 2 ? o.vxMps : o.vyMps;
      if (!Number.isFinite(mean[i])) valid = false;
      for (let j = 0; j < n; j++) {
        // (P_ij + P_ji) / 2 of the unpacked symmetric matrix, as before: both are the same packed entry.
        const v = packed[PACKED_INDEX[si]![indices[j]!]!]!;
        cov[i * n + j] = (v + v) / 2;
        if (!Number.isFinite(cov[i * n + j])) valid = false;
      }
    }
    return { objectClass: o.objectClass, mean, cov, valid };
  };
  const testPrepared = (a: Prepared, b: Prepared): number | null => {
    if (!a.valid || !b.valid || !classesCompatible(a.objectClass, b.objectClass, table)) return null;
    for (let i = 0; i < n; i++) residual[i] = b.mean[i]! - a.mean[i]!;
    for (let k = 0; k < n * n; k++) s[k] = a.cov[k]! + b.cov[k]!;
    let d2 = choleskyDistance2(residual, s, n, l, y);
    if (Number.isNaN(d2)) {
      // Rare: singular or indefinite S. Regularise like everywhere else, or treat as not gated.
      try {
        d2 = mahalanobisSquared([...residual], Array.from({ length: n }, (_, i) => [...s.subarray(i * n, i * n + n)]));
      } catch {
        return null;
      }
    }
    return d2 <= thresholdD2 ? d2 : null;
  };
  return {
    thresholdD2,
    dof: n,
    prepare,
    testPrepared,
    defaultA: options.defaultCovarianceA,
    defaultB: options.defaultCovarianceB,
    test: (a, b) => testPrepared(prepare(a, options.defaultCovarianceA), prepare(b, options.defaultCovarianceB)),
  };
}

/** Resolves the options once (the quantile is not free) into a reusable pair test. Throws a RangeError for
 * an invalid probability or an asymmetric class table. */
export function createGate(options: GatingOptions): ObjectGate {
  const { thresholdD2, dof, test } = resolveGate(options);
  return { thresholdD2, dof, test };
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
  const gate = resolveGate(options);
  const pa = a.map((o) => gate.prepare(o, gate.defaultA));
  const pb = b.map((o) => gate.prepare(o, gate.defaultB));
  const order = pb
    .map((p, j) => j)
    .filter((j) => pb[j]!.valid)
    .sort((x, y) => pb[x]!.mean[0]! - pb[y]!.mean[0]! || x - y);
  const xs = order.map((j) => pb[j]!.mean[0]!);
  let maxBxx = 0;
  let maxBDiag = 0;
  for (const j of order) {
    const p = pb[j]!;
    maxBxx = Math.max(maxBxx, p.cov[0]!);
    for (let i = 0; i < gate.dof; i++) maxBDiag = Math.max(maxBDiag, Math.abs(p.cov[i * gate.dof + i]!));
  }
  const edges: GatedEdge[] = [];
  pa.forEach((p, row) => {
    if (!p.valid) return;
    let aDiag = 0;
    for (let i = 0; i < gate.dof; i++) aDiag = Math.max(aDiag, Math.abs(p.cov[i * gate.dof + i]!));
    // The margin covers the diagonal load a singular S may get (1e-9 x its largest diagonal entry) and rounding.
    const sxx = Math.max(0, p.cov[0]! + maxBxx) + 1e-8 * Math.max(1, aDiag + maxBDiag);
    const half = Math.sqrt(gate.thresholdD2 * sxx) * (1 + 1e-9);
    const x = p.mean[0]!;
    const rowEdges: GatedEdge[] = [];
    for (let k = lowerBound(xs, x - half); k < xs.length && xs[k]! <= x + half; k++) {
      const col = order[k]!;
      const d2 = gate.testPrepared(p, pb[col]!);
      if (d2 !== null) rowEdges.push({ row, col, cost: d2 });
    }
    rowEdges.sort((e, f) => e.col - f.col);
    edges.push(...rowEdges);
  });
  return edges;
}

/** First index k with xs[k] >= x (xs ascending). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
