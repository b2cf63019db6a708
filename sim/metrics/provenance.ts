// Which actor an output object derives from, and how old its roadside data is: for scoring only, from what the
// simulator and the vehicle's own state already hold, never from anything sent on the wire (docs/metrics.md,
// "Stale objects").
//
// Provenance follows an output object's first source (FusedObject.sources, fusion order: the vehicle's own
// object first when it has one). The vehicle's own detections carry their actor's id as track id
// (sim/sensors/sensor-model.ts; false positives get ids from FALSE_POSITIVE_ID_BASE up). A roadside track's
// actor is resolved once per (RSU, track id), the first time an output object derives from it: the actor nearest
// to the track, within the match radius, at the capture instant of the roadside data that carried it (there the
// track is fresh, so latency plays no part); none that near: the track is from no actor (a false detection's).
// Why not through the tracker: its track ids are its own and it does not say which detections a track absorbed;
// the resolution at a fresh capture gives the same answer short of two actors within a metre of each other.
import type { FusedObject } from '../../shared/fusion/types.js';
import type { HeldAdvisory, RoadsideHistory } from '../../shared/fusion/methods.js';
import type { DetectedObject } from '../../shared/model/types.js';

/** Roadside data the vehicle holds: objects stamped with their capture instant (ns, the simulation's clock). */
export interface HeldRoadsideData {
  timeNs: number;
  objects: readonly DetectedObject[];
}

/** What the vehicle holds from one RSU (VehicleCore.roadside and its held advisories). */
export function heldData(history: RoadsideHistory | undefined, advisory: HeldAdvisory | undefined): HeldRoadsideData[] {
  const out: HeldRoadsideData[] = [];
  if (history) {
    out.push({ timeNs: history.latest.frame.captureTimeNs, objects: history.latest.frame.objects });
    if (history.previous) out.push({ timeNs: history.previous.frame.captureTimeNs, objects: history.previous.frame.objects });
  }
  if (advisory) {
    const a = advisory.advisory;
    const objects: DetectedObject[] = [];
    for (const z of a.zones) if (z.object) objects.push(z.object);
    for (const o of a.contextObjects) objects.push(o);
    out.push({ timeNs: a.issueTimeNs, objects });
  }
  return out;
}

export class ActorProvenance {
  /** RSU id -> track id -> actor id (null: from no actor). */
  private readonly tracks = new Map<string, Map<number, number | null>>();

  /**
   * actorIds: every actor's id (the ego's excluded); nearestActor: the id of the actor nearest to a point at an
   * instant within the match radius, or null.
   */
  constructor(
    private readonly actorIds: ReadonlySet<number>,
    private readonly nearestActor: (timeNs: number, xM: number, yM: number) => number | null,
  ) {}

  /** The actor `o` derives from, or null (a false detection's, or a track not found in what the vehicle holds). */
  actorOf(o: FusedObject, ownSourceId: string, held: (rsuId: string) => readonly HeldRoadsideData[]): number | null {
    const s = o.sources[0];
    if (!s) return null;
    if (s.sourceId === ownSourceId) return this.actorIds.has(s.trackId) ? s.trackId : null;
    let byTrack = this.tracks.get(s.sourceId);
    if (!byTrack) this.tracks.set(s.sourceId, (byTrack = new Map()));
    const known = byTrack.get(s.trackId);
    if (known !== undefined) return known;
    for (const d of held(s.sourceId)) {
      for (const t of d.objects) {
        if (t.trackId !== s.trackId) continue;
        const actor = this.nearestActor(d.timeNs, t.xM, t.yM);
        byTrack.set(s.trackId, actor);
        return actor;
      }
    }
    return null;
  }
}
