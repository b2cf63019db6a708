// The network condition of a vehicle frame, for the per-stretch breakdown of the metrics (docs/metrics.md): the
// one-way latency of the freshest roadside frame the vehicle holds when the frame's output is published (the value
// the report's latency plot shows, scoring.ts: freshestLatencyMs), classified with the thresholds the network
// models use for a trace's stretches (sim/network/cicv5g.ts: good < 100 ms <= degraded < 1 s <= outage).
import { linkCondition } from '../network/cicv5g.js';
import type { NetworkCondition } from '../report/types.js';

export type { NetworkCondition };

export const NETWORK_CONDITIONS: readonly NetworkCondition[] = ['good', 'degraded', 'outage'];

/** Nothing heard in the last second (null) is an outage. */
export const networkCondition: (freshestLatencyMs: number | null) => NetworkCondition = linkCondition;
