// Recording channel names (docs/recording.md). A channel path mirrors the wire topic without the
// "iaad/v1/<region>" prefix (ids are unique across regions), so one file can hold several processes' channels:
//   /rsu/<rsuId>/frame                      /rsu/<rsuId>/advisory/<vehicleId>
//   /rsu/<rsuId>/sync_request               /rsu/<rsuId>/sync_response/<vehicleId>
//   /vehicle/<vehicleId>/intent             /vehicle/<vehicleId>/own   /vehicle/<vehicleId>/output
// An "@<transport>" suffix marks an input: a copy received over that transport (one channel per path, so both
// copies of a dual-path message are kept). No suffix marks an output this process produced, recorded once
// before it goes out on however many paths. Replay feeds the rx channels and scores against the tx ones.
import { parseTopic, validateId } from '../transport/topics.js';

export type Direction = 'rx' | 'tx';

/** Transport of an output channel: recorded before any transport carries it. */
export const LOCAL_TRANSPORT = 'local';

export interface ChannelRole {
  direction: Direction;
  /** 'mqtt' | 'zmq' | 'memory' | 'local' (own perception handed over in-process) | any lower-case name. */
  transport: string;
}

export class ChannelNameError extends Error {
  override name = 'ChannelNameError';
}

const TRANSPORT_RE = /^[a-z][a-z0-9_-]*$/;

const id = (v: string, what: string): string => {
  validateId(v, what);
  if (v.includes('@')) throw new ChannelNameError(`${what} "${v}" must not contain '@'`);
  return v;
};

const withTransport = (path: string, transport?: string): string => {
  if (transport === undefined) return path;
  if (!TRANSPORT_RE.test(transport)) throw new ChannelNameError(`transport "${transport}" must match ${TRANSPORT_RE}`);
  return `${path}@${transport}`;
};

// Builders: pass `transport` for a received copy (rx), omit it for something this process produced (tx).
export const rsuFrameChannel = (rsuId: string, transport?: string): string =>
  withTransport(`/rsu/${id(rsuId, 'rsuId')}/frame`, transport);
export const rsuAdvisoryChannel = (rsuId: string, vehicleId: string, transport?: string): string =>
  withTransport(`/rsu/${id(rsuId, 'rsuId')}/advisory/${id(vehicleId, 'vehicleId')}`, transport);
export const syncRequestChannel = (rsuId: string, transport?: string): string =>
  withTransport(`/rsu/${id(rsuId, 'rsuId')}/sync_request`, transport);
export const syncResponseChannel = (rsuId: string, vehicleId: string, transport?: string): string =>
  withTransport(`/rsu/${id(rsuId, 'rsuId')}/sync_response/${id(vehicleId, 'vehicleId')}`, transport);
export const vehicleIntentChannel = (vehicleId: string, transport?: string): string =>
  withTransport(`/vehicle/${id(vehicleId, 'vehicleId')}/intent`, transport);
/** The vehicle's own perception: an input to fusion, so it carries a transport ('local' when in-process). */
export const ownFrameChannel = (vehicleId: string, transport: string = LOCAL_TRANSPORT): string =>
  withTransport(`/vehicle/${id(vehicleId, 'vehicleId')}/own`, transport);
/** The vehicle's fused output: what an offline re-run is scored against. */
export const fusedOutputChannel = (vehicleId: string): string => `/vehicle/${id(vehicleId, 'vehicleId')}/output`;

/**
 * Channel for a wire topic: rx when `transport` is given (a received Message), tx otherwise. Never throws: a
 * topic outside the scheme is kept verbatim under /raw/ so that nothing received is lost from the recording.
 */
export function channelForTopic(topic: string, transport?: string): string {
  const t = transport === undefined || TRANSPORT_RE.test(transport) ? transport : 'unknown';
  const p = parseTopic(topic);
  try {
    switch (p?.kind) {
      case 'frame': return rsuFrameChannel(p.rsuId!, t);
      case 'advisory': return rsuAdvisoryChannel(p.rsuId!, p.vehicleId!, t);
      case 'syncRequest': return syncRequestChannel(p.rsuId!, t);
      case 'syncResponse': return syncResponseChannel(p.rsuId!, p.vehicleId!, t);
      case 'intent': return vehicleIntentChannel(p.vehicleId!, t);
      default: break;
    }
  } catch {
    // an id with '@' or an empty level: fall through to the raw form
  }
  return withTransport(`/raw/${topic.replaceAll('@', '%40')}`, t);
}

/** Direction and transport a channel name encodes; null if the name is not a channel name (must start with '/'). */
export function channelRole(channel: string): ChannelRole | null {
  if (typeof channel !== 'string' || channel.length < 2 || channel[0] !== '/') return null;
  const at = channel.lastIndexOf('@');
  if (at < 0) return { direction: 'tx', transport: LOCAL_TRANSPORT };
  const transport = channel.slice(at + 1);
  if (at === 1 || !TRANSPORT_RE.test(transport)) return null;
  return { direction: 'rx', transport };
}
