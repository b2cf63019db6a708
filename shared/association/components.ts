// Association of two object lists: gate candidate pairs, split the gating graph into connected components, solve
// the assignment per component.
//
// Why components: the gating graph (rows = list A, columns = list B, edge = compatible and inside the gate)
// falls apart into small clusters in real traffic. Objects in different clusters can never be paired, so each
// cluster is an independent assignment problem, and the optimum of the whole is the union of the cluster optima
// (the same pairs as a global solve, including the tie-break for exact ties, since it is decided row by row
// and clusters share no rows or columns; near-ties within the tolerance are judged on each cluster's scale).
//
// Complexity, |A| = m, |B| = n, E gated edges, C candidate pairs of the gating sweep (see gatedPairs; C = m n
// in the worst case, about E in a spread-out scene), clusters of size n_c = max(rows_c, cols_c):
//   gating O((m + n) log n + C) pair tests (each a 2x2 or 4x4 Cholesky), union-find O(E alpha(m + n)),
//   assignment sum_c O(n_c^3) instead of O(max(m, n)^3), memory O(m + n + E).
import { solveAssignment } from './assignment.js';
import type { AssignmentPair, CostMatrix } from './assignment.js';
import { gatedPairs } from './gating.js';
import type { GatedEdge, GatingOptions } from './gating.js';
import type { DetectedObject } from '../model/types.js';

/** A connected component of the bipartite gating graph: its rows and columns in ascending order. */
export interface BipartiteComponent {
  rows: number[];
  cols: number[];
  edges: GatedEdge[];
}

/** Union-find with path halving and union by size. */
class DisjointSets {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(count: number) {
    // A loop, not Int32Array.from({ length }, fn): that generic path was most of the cost of small associations.
    this.parent = new Int32Array(count);
    for (let i = 0; i < count; i++) this.parent[i] = i;
    this.size = new Int32Array(count).fill(1);
  }

  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) {
      this.parent[r] = this.parent[this.parent[r]!]!;
      r = this.parent[r]!;
    }
    return r;
  }

  union(x: number, y: number): void {
    let rx = this.find(x);
    let ry = this.find(y);
    if (rx === ry) return;
    if (this.size[rx]! < this.size[ry]!) [rx, ry] = [ry, rx];
    this.parent[ry] = rx;
    this.size[rx]! += this.size[ry]!;
  }
}

/**
 * Connected components of the bipartite graph with `rowCount` + `colCount` vertices and `edges`. Only
 * components with at least one edge are returned (isolated vertices can only stay unmatched), ordered by
 * their lowest row.
 */
export function bipartiteComponents(rowCount: number, colCount: number, edges: readonly GatedEdge[]): BipartiteComponent[] {
  const sets = new DisjointSets(rowCount + colCount);
  // Typed flags and a root -> component index table rather than Maps and Sets: the tracker calls this twice per
  // frame with a handful of edges, where the generic containers and sorts were most of the cost.
  const hasEdge = new Uint8Array(rowCount + colCount);
  for (const e of edges) {
    sets.union(e.row, rowCount + e.col);
    hasEdge[e.row] = 1;
    hasEdge[rowCount + e.col] = 1;
  }
  const componentOfRoot = new Int32Array(rowCount + colCount).fill(-1);
  const components: BipartiteComponent[] = [];
  // Rows in ascending order: components are created in order of their lowest row, rows and columns come out sorted.
  for (let r = 0; r < rowCount; r++) {
    if (hasEdge[r] === 0) continue;
    const root = sets.find(r);
    let k = componentOfRoot[root]!;
    if (k < 0) {
      k = components.length;
      componentOfRoot[root] = k;
      components.push({ rows: [], cols: [], edges: [] });
    }
    components[k]!.rows.push(r);
  }
  for (let c = 0; c < colCount; c++) {
    if (hasEdge[rowCount + c] === 1) components[componentOfRoot[sets.find(rowCount + c)]!]!.cols.push(c);
  }
  for (const e of edges) components[componentOfRoot[sets.find(e.row)]!]!.edges.push(e);
  return components;
}

/**
 * Same result as solveAssignment(cost) (pairs sorted by row), computed per connected component of the finite
 * entries. Local indices keep the global order of rows and columns, so the tie-break is unchanged.
 */
export function solveByComponents(cost: CostMatrix): AssignmentPair[] {
  const rowCount = cost.length;
  const colCount = rowCount === 0 ? 0 : cost[0]!.length;
  const edges: GatedEdge[] = [];
  for (let i = 0; i < rowCount; i++) {
    const row = cost[i]!;
    if (row.length !== colCount) throw new RangeError('solveByComponents: rows of the cost matrix differ in length');
    for (let j = 0; j < colCount; j++) {
      if (row[j] !== Number.POSITIVE_INFINITY) edges.push({ row: i, col: j, cost: row[j]! });
    }
  }
  return solveGatedEdges(rowCount, colCount, edges);
}

/**
 * solveByComponents for a cost matrix given by its finite entries (`edges`, at most one per cell; the other cells
 * are forbidden): callers that gate pairs themselves skip building the rowCount x colCount matrix.
 */
export function solveGatedEdges(rowCount: number, colCount: number, edges: readonly GatedEdge[]): AssignmentPair[] {
  return loneEdgePairs(rowCount, colCount, edges) ?? solveComponents(bipartiteComponents(rowCount, colCount, edges));
}

/**
 * When no row and no column has two edges (the usual sparse scene), every component is a lone pair, which
 * solveComponents keeps: the edges themselves are the answer, sorted by row, without the union-find. null when
 * some row or column is shared, or a cost needs solveAssignment's checks.
 */
function loneEdgePairs(rowCount: number, colCount: number, edges: readonly GatedEdge[]): AssignmentPair[] | null {
  const rowTaken = new Uint8Array(rowCount);
  const colTaken = new Uint8Array(colCount);
  for (const e of edges) {
    if (rowTaken[e.row] === 1 || colTaken[e.col] === 1 || !(Math.abs(e.cost) <= MAX_SHORTCUT_COST)) return null;
    rowTaken[e.row] = 1;
    colTaken[e.col] = 1;
  }
  const pairs: AssignmentPair[] = [];
  for (const e of edges) pairs.push({ row: e.row, col: e.col });
  return pairs.sort((x, y) => x.row - y.row);
}

/** Above this |cost| a lone pair goes through solveAssignment, which rejects costs too large to separate from forbidden cells. */
const MAX_SHORTCUT_COST = 1e300;

function solveComponents(components: readonly BipartiteComponent[]): AssignmentPair[] {
  const pairs: AssignmentPair[] = [];
  for (const comp of components) {
    const cost = comp.edges[comp.edges.length - 1]!.cost;
    // One row and one column (the usual cluster): solveAssignment keeps its only allowed pair, so take it
    // directly. NaN and huge costs go the long way to get solveAssignment's RangeError.
    if (comp.rows.length === 1 && comp.cols.length === 1 && Math.abs(cost) <= MAX_SHORTCUT_COST) {
      pairs.push({ row: comp.rows[0]!, col: comp.cols[0]! });
      continue;
    }
    for (const p of solveAssignment(subMatrix(comp))) pairs.push({ row: comp.rows[p.row]!, col: comp.cols[p.col]! });
  }
  return pairs.sort((x, y) => x.row - y.row);
}

/** The component's cost matrix in local indices (ascending, so the global order and tie-break are kept). */
function subMatrix(comp: BipartiteComponent): number[][] {
  const sub = comp.rows.map(() => new Array<number>(comp.cols.length).fill(Number.POSITIVE_INFINITY));
  for (const e of comp.edges) sub[comp.rows.indexOf(e.row)]![comp.cols.indexOf(e.col)] = e.cost;
  return sub;
}

export type AssociationParams = GatingOptions;

export interface AssociationPair {
  /** Index into list A. */
  a: number;
  /** Index into list B. */
  b: number;
  /** Squared Mahalanobis distance of the pair (the assignment cost). */
  distance2: number;
}

export interface AssociationResult {
  /** Sorted by `a`. */
  pairs: AssociationPair[];
  /** Indices into A with no partner, ascending. */
  unmatchedA: number[];
  /** Indices into B with no partner, ascending. */
  unmatchedB: number[];
}

/**
 * Global-nearest-neighbour association of list A with list B: the most gated pairs, then the least total d2,
 * tie-break as in solveAssignment (lowest A index gets the lowest B index among equal optima).
 */
export function associate(
  a: readonly DetectedObject[],
  b: readonly DetectedObject[],
  params: AssociationParams,
): AssociationResult {
  const edges = gatedPairs(a, b, params);
  // Typed flags and a search of the sorted edges rather than a Map and Sets: the vehicle associates once per RSU
  // per frame, mostly a handful of objects, where the generic containers were most of the cost.
  const matchedA = new Uint8Array(a.length);
  const matchedB = new Uint8Array(b.length);
  const pairs: AssociationPair[] = [];
  for (const p of solveGatedEdges(a.length, b.length, edges)) {
    matchedA[p.row] = 1;
    matchedB[p.col] = 1;
    pairs.push({ a: p.row, b: p.col, distance2: edges[edgeIndex(edges, p.row, p.col)]!.cost });
  }
  return { pairs, unmatchedA: unflagged(matchedA), unmatchedB: unflagged(matchedB) };
}

/** Index of the edge (row, col) in edges sorted by row then column; it must be there. */
function edgeIndex(edges: readonly GatedEdge[], row: number, col: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = edges[mid]!;
    if (e.row < row || (e.row === row && e.col < col)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ascending indices whose flag is 0. */
function unflagged(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] === 0) out.push(i);
  return out;
}
