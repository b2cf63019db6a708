// Which RSUs the vehicle listens to: those near enough for what they see to matter to it. Along a road a vehicle
// passes RSU after RSU; fusing the frames of one a kilometre behind costs decode and fusion time on every frame
// (linear in the RSUs configured) and adds nothing the planner looks at. An RSU is taken in when the ego comes
// within subscribeWithinM of it and let go beyond releaseBeyondM, so that one at the edge does not flap. Pure: the
// vehicle pipeline feeds it the ego's positions and applies the changes to its links.

export interface RsuRelevanceParams {
  /** An RSU this close to the ego (map frame, m) is listened to: its sensor range plus how far ahead the vehicle
   * looks (intents, planning) is a sound choice. */
  subscribeWithinM: number;
  /** A listened-to RSU farther than this is let go, m (>= subscribeWithinM). */
  releaseBeyondM: number;
}

/** For RSU sensors of ~80 m range and a vehicle looking ~150 m ahead along its route. */
export const DEFAULT_RSU_RELEVANCE: Readonly<RsuRelevanceParams> = Object.freeze({ subscribeWithinM: 250, releaseBeyondM: 300 });

/**
 * The RSU side: an RSU answers intents only from vehicles this near (m), beyond the default release distance plus
 * what a vehicle drives while an advisory is in flight; a farther vehicle drops the advisory undecoded anyway.
 */
export const DEFAULT_ANSWER_WITHIN_M = 400;

/** An RSU's position in the vehicle's map frame, m. */
export interface RsuSite {
  rsuId: string;
  xM: number;
  yM: number;
}

export interface RelevanceChange {
  rsuId: string;
  relevant: boolean;
}

export class RsuRelevance {
  /** Sited RSUs' states; every RSU counts as relevant until the ego's first position is known. */
  private readonly state = new Map<string, boolean>();

  constructor(private readonly sites: readonly RsuSite[], private readonly params: Readonly<RsuRelevanceParams> = DEFAULT_RSU_RELEVANCE) {
    if (!(params.subscribeWithinM > 0) || !(params.releaseBeyondM >= params.subscribeWithinM)) {
      throw new RangeError(`RSU relevance needs 0 < subscribeWithinM <= releaseBeyondM, got ${params.subscribeWithinM}, ${params.releaseBeyondM}`);
    }
    for (const s of sites) {
      if (!Number.isFinite(s.xM) || !Number.isFinite(s.yM)) throw new RangeError(`RSU ${s.rsuId}: position must be finite`);
      this.state.set(s.rsuId, true);
    }
  }

  /** The ego is at (egoXM, egoYM), map frame: the RSUs whose relevance changed, in site order. */
  update(egoXM: number, egoYM: number): RelevanceChange[] {
    const changes: RelevanceChange[] = [];
    for (const s of this.sites) {
      const was = this.state.get(s.rsuId)!;
      const d = Math.hypot(s.xM - egoXM, s.yM - egoYM);
      const now = was ? d <= this.params.releaseBeyondM : d <= this.params.subscribeWithinM;
      if (now !== was) {
        this.state.set(s.rsuId, now);
        changes.push({ rsuId: s.rsuId, relevant: now });
      }
    }
    return changes;
  }

  /** RSUs without a site are always relevant (nothing says they are far). */
  isRelevant(rsuId: string): boolean {
    return this.state.get(rsuId) ?? true;
  }
}

/** The relevance for these configured RSUs, or undefined when none has a position (every RSU is then listened to). */
export function rsuRelevanceFor(
  rsus: ReadonlyArray<{ id: string; position?: { xM: number; yM: number } | undefined }>, params?: Readonly<RsuRelevanceParams>,
): RsuRelevance | undefined {
  const sites: RsuSite[] = [];
  for (const r of rsus) if (r.position) sites.push({ rsuId: r.id, xM: r.position.xM, yM: r.position.yM });
  return sites.length > 0 ? new RsuRelevance(sites, params ?? DEFAULT_RSU_RELEVANCE) : undefined;
}
