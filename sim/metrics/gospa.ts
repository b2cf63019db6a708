// GOSPA, the generalised optimal sub-pattern assignment metric (Rahmathullah, García-Fernández and Svensson,
// "Generalized optimal sub-pattern assignment metric", FUSION 2017), with alpha = 2: between a set of true
// positions X and a set of estimates Y,
//   GOSPA^p = min over assignments γ of  Σ_(i,j)∈γ d(x_i, y_j)^p  +  c^p/2 · (|X| − |γ|)  +  c^p/2 · (|Y| − |γ|),
// pairs restricted to d < c (a pair at d ≥ c costs at least c^p, what leaving both unassigned costs). With
// alpha = 2, and only then, the value splits into a localisation part (assigned pairs), a missed part (c^p/2 per
// unassigned truth) and a false part (c^p/2 per unassigned estimate). Definitions and why: docs/metrics.md.
import { solveAssignment, type CostMatrix } from '../../shared/association/assignment.js';

export interface GospaParams {
  /** Cut-off c, m. */
  cutoffM: number;
  /** Order p >= 1. */
  p: number;
}

/** The project's choice (docs/metrics.md): c = 2 m (the match radius), p = 2; alpha is 2 throughout. */
export const GOSPA_PARAMS: Readonly<GospaParams> = Object.freeze({ cutoffM: 2, p: 2 });

export interface Point2 {
  xM: number;
  yM: number;
}

export interface GospaResult {
  /** GOSPA, m: (localisation + missed + false)^(1/p). */
  distanceM: number;
  /** Σ d^p over the assigned pairs, m^p. */
  localisation: number;
  /** c^p/2 per unassigned truth, m^p. */
  missed: number;
  /** c^p/2 per unassigned estimate, m^p. */
  false: number;
  /** The optimal assignment: truth index -> estimate index, -1 when unassigned. */
  estimateOf: number[];
  /** Estimates assigned to no truth (their indices, ascending). */
  unassignedEstimates: number[];
}

/**
 * GOSPA between truths and estimates. The optimum is found per connected component of the "closer than c" graph
 * (most components are a single pair or a lone point), each solved exactly by shared/association/assignment.ts on
 * the usual augmented matrix: a truth may go to its own "missed" column at c^p/2, an estimate to its own "false"
 * row at c^p/2, so every row is assigned and the solver's least total cost is GOSPA^p.
 */
export function gospa(truths: readonly Point2[], estimates: readonly Point2[], params: GospaParams = GOSPA_PARAMS): GospaResult {
  const { cutoffM: c, p } = params;
  const n = truths.length;
  const m = estimates.length;
  const half = c ** p / 2;
  // Union-find over truths (0..n-1) and estimates (n..n+m-1), joined by pairs closer than c.
  const parent: number[] = [];
  for (let k = 0; k < n + m; k++) parent.push(k);
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]!]!;
    return k;
  };
  const near: Array<Array<{ j: number; cost: number }>> = [];
  for (let i = 0; i < n; i++) {
    const t = truths[i]!;
    const row: Array<{ j: number; cost: number }> = [];
    for (let j = 0; j < m; j++) {
      const d = Math.hypot(estimates[j]!.xM - t.xM, estimates[j]!.yM - t.yM);
      if (d < c) {
        row.push({ j, cost: d ** p });
        const a = find(i);
        const b = find(n + j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    near.push(row);
  }
  const estimateOf: number[] = new Array<number>(n).fill(-1);
  const assignedEstimate = new Uint8Array(m);
  let localisation = 0;
  // Components with at least one pair, by root: their truths and estimates in index order.
  const components = new Map<number, { truths: number[]; estimates: number[] }>();
  for (let i = 0; i < n; i++) {
    if (near[i]!.length === 0) continue;
    const root = find(i);
    let comp = components.get(root);
    if (!comp) components.set(root, (comp = { truths: [], estimates: [] }));
    comp.truths.push(i);
  }
  for (let j = 0; j < m; j++) components.get(find(n + j))?.estimates.push(j);
  for (const comp of components.values()) {
    if (comp.truths.length === 1 && comp.estimates.length === 1) {
      // One pair closer than c: assigning it (d^p < c^p) always beats leaving both out.
      const i = comp.truths[0]!;
      estimateOf[i] = comp.estimates[0]!;
      localisation += near[i]![0]!.cost;
      continue;
    }
    for (const [row, col] of solveComponent(comp.truths, comp.estimates, near, half)) {
      estimateOf[row] = col;
      localisation += near[row]!.find((e) => e.j === col)!.cost;
    }
  }
  let missedCount = 0;
  for (let i = 0; i < n; i++) {
    if (estimateOf[i] === -1) missedCount++;
    else assignedEstimate[estimateOf[i]!] = 1;
  }
  const unassignedEstimates: number[] = [];
  for (let j = 0; j < m; j++) if (assignedEstimate[j] === 0) unassignedEstimates.push(j);
  const missed = half * missedCount;
  const falseTerm = half * unassignedEstimates.length;
  return {
    distanceM: (localisation + missed + falseTerm) ** (1 / p), localisation, missed, false: falseTerm,
    estimateOf, unassignedEstimates,
  };
}

/** The assigned (truth, estimate) pairs of one component, by the augmented square assignment. */
function solveComponent(
  truths: readonly number[], estimates: readonly number[], near: ReadonlyArray<ReadonlyArray<{ j: number; cost: number }>>, half: number,
): Array<[number, number]> {
  const k = truths.length;
  const l = estimates.length;
  const size = k + l;
  const col = new Map<number, number>();
  estimates.forEach((j, c) => col.set(j, c));
  const cost: number[][] = [];
  // Rows: the k truths, then one "false" row per estimate; columns: the l estimates, then one "missed" column per truth.
  for (let r = 0; r < size; r++) {
    const row = new Array<number>(size).fill(Infinity);
    if (r < k) {
      for (const e of near[truths[r]!]!) row[col.get(e.j)!] = e.cost;
      row[l + r] = half;
    } else {
      row[r - k] = half;
      for (let c = l; c < size; c++) row[c] = 0;
    }
    cost.push(row);
  }
  const pairs: Array<[number, number]> = [];
  for (const { row, col: c } of solveAssignment(cost as CostMatrix)) {
    if (row < k && c < l) pairs.push([truths[row]!, estimates[c]!]);
  }
  return pairs;
}
