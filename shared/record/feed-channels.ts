// Channel names the replay reads (docs/recording.md), plus the ego-state channel the recorders add: own frames
// carry the ego pose (sensor_pose) but not its speed, which fusion, planning and intents need.
import { LOCAL_TRANSPORT } from './channels.js';
import { validateId } from '../transport/topics.js';

/**
 * The vehicle's ego state for its own frame of the same sequence, as an intent-shaped Envelope (pose, speed,
 * time = capture time, empty path, horizon 0): the one payload with double-precision pose and speed.
 */
export const egoStateChannel = (vehicleId: string, transport: string = LOCAL_TRANSPORT): string =>
  `/vehicle/${validateId(vehicleId, 'vehicleId')}/ego@${transport}`;

export type FeedKind = 'frame' | 'advisory' | 'syncResponse' | 'own' | 'ego';

export interface FeedChannel {
  kind: FeedKind;
  /** RSU of an RSU channel. */
  rsuId?: string;
  /** Vehicle of a vehicle channel, addressee of an advisory or sync response. */
  vehicleId?: string;
  transport: string;
}

const T = '([a-z][a-z0-9_-]*)';
const ID = '([^/@]+)';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => FeedChannel]> = [
  [new RegExp(`^/rsu/${ID}/frame@${T}$`), (m) => ({ kind: 'frame', rsuId: m[1]!, transport: m[2]! })],
  [new RegExp(`^/rsu/${ID}/advisory/${ID}@${T}$`), (m) => ({ kind: 'advisory', rsuId: m[1]!, vehicleId: m[2]!, transport: m[3]! })],
  [new RegExp(`^/rsu/${ID}/sync_response/${ID}@${T}$`),
    (m) => ({ kind: 'syncResponse', rsuId: m[1]!, vehicleId: m[2]!, transport: m[3]! })],
  [new RegExp(`^/vehicle/${ID}/own@${T}$`), (m) => ({ kind: 'own', vehicleId: m[1]!, transport: m[2]! })],
  [new RegExp(`^/vehicle/${ID}/ego@${T}$`), (m) => ({ kind: 'ego', vehicleId: m[1]!, transport: m[2]! })],
];

/** What a vehicle replay feeds from an rx channel; null for channels it does not use. */
export function parseFeedChannel(channel: string): FeedChannel | null {
  for (const [re, make] of PATTERNS) {
    const m = re.exec(channel);
    if (m) return make(m);
  }
  return null;
}

/** RSU id of a tx frame channel (`/rsu/<id>/frame`, what an RSU published), else null. */
export function sentFrameRsu(channel: string): string | null {
  return new RegExp(`^/rsu/${ID}/frame$`).exec(channel)?.[1] ?? null;
}
