// The network condition of a vehicle frame, for the per-stretch breakdown of the metrics (docs/metrics.md): from
// the one-way latency of the freshest roadside frame the vehicle holds when the frame's output is published, the
// value the report's latency plot shows (scoring.ts: freshestLatencyMs).

import type { NetworkCondition } from '../report/types.js';

export type { NetworkCondition };

export const NETWORK_CONDITIONS: readonly NetworkCondition[] = ['good', 'degraded', 'outage'];

/** Below this the link is good, ms. */
export const DEGRADED_FROM_MS = 100;
/** From this on (or with no roadside frame in the last second) the link is out, ms. */
export const OUTAGE_FROM_MS = 1000;

/** good: < 100 ms; degraded: 100 ms to 1 s; outage: 1 s or more, or nothing heard in the last second (null). */
export function networkCondition(freshestLatencyMs: number | null): NetworkCondition {
  if (freshestLatencyMs === null || !(freshestLatencyMs < OUTAGE_FROM_MS)) return 'outage';
  return freshestLatencyMs < DEGRADED_FROM_MS ? 'good' : 'degraded';
}
