// The vehicle's end-of-run summary: what each RSU link delivered over each path, and the output it produced.
import { quantileNearestRank } from '../shared/link/window.js';
import type { LinkState } from '../shared/link/link-monitor.js';
import type { DedupeStats } from '../shared/link/dedup.js';
import type { Transport, TransportStats } from '../shared/transport/types.js';
import { MqttTransport } from '../shared/transport/mqtt.js';
import type { VehicleHandle } from './pipeline.js';
import type { RsuLink, RsuLinkCounters } from './rsu-link.js';

export interface VehicleSummary {
  type: 'summary';
  role: 'vehicle';
  id: string;
  stoppedBy: string;
  ownFrames: number;
  outputFrames: number;
  roadsideFrames: number;
  strategy: string;
  /** Own frames fused per method, and switches between methods. */
  methods: Record<string, number>;
  methodSwitches: number;
  advisories: number;
  intentsSent: number;
  e2eLatencyMs: { p50: number | null; p99: number | null };
  links: Array<{ rsuId: string; state: LinkState; counters: RsuLinkCounters; dedupe: DedupeStats }>;
  transports: Array<{ kind: string; protocolVersion?: number | null } & TransportStats>;
}

export function summarizeVehicle(
  id: string, strategy: string, stoppedBy: string, handle: VehicleHandle, links: readonly RsuLink[], transports: readonly Transport[],
  nowNs: number,
): VehicleSummary {
  const lat = [...handle.counters.e2eLatencyMs].sort((a, b) => a - b);
  return {
    type: 'summary', role: 'vehicle', id, stoppedBy,
    ownFrames: handle.counters.ownFrames, outputFrames: handle.counters.outputFrames,
    roadsideFrames: handle.counters.roadsideFrames, strategy,
    methods: { ...handle.counters.methods }, methodSwitches: handle.counters.methodSwitches,
    advisories: handle.counters.advisories, intentsSent: handle.counters.intentsSent,
    e2eLatencyMs: {
      p50: lat.length ? quantileNearestRank(lat, 0.5) : null,
      p99: lat.length ? quantileNearestRank(lat, 0.99) : null,
    },
    links: links.map((l) => ({ rsuId: l.monitor.sourceId, state: l.monitor.snapshot(nowNs), counters: l.counters, dedupe: l.dedupe })),
    transports: transports.map((t) => ({
      kind: t.kind, ...t.stats(), ...(t instanceof MqttTransport ? { protocolVersion: t.protocolVersion } : {}),
    })),
  };
}
