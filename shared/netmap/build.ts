// Builds a network-quality map from a recorded CICV5G drive. Kept structural (rows with a position and a
// round-trip delay) so shared code does not depend on the simulator's parser.
import { NetworkMap, type NetworkMapOptions } from './network-map.js';

/** What the builder needs of a trace row: UTM 51N position (m) and V2N2V round-trip delay (ms). */
export interface LatencyTraceRow {
  xM: number;
  yM: number;
  delayMs: number;
}

/** Rows whose round trip exceeds this count as lost, ms; the simulator's TraceDelayModel uses the same default. */
export const DEFAULT_LOSS_CUTOFF_RTT_MS = 10_000;

export interface BuildFromCicv5gOptions extends NetworkMapOptions {
  /** Default DEFAULT_LOSS_CUTOFF_RTT_MS. */
  lossCutoffRttMs?: number;
  /** Add to this map (e.g. one loaded from earlier drives) instead of a new one; its own options then apply. */
  into?: NetworkMap;
}

/**
 * One sample per row at the row's position: one-way latency = delay / 2 (a V2N2V round trip is two symmetric
 * legs, RSU -> cloud -> vehicle is one), or lost when the round trip is above the cut-off. The map frame
 * defaults to 'utm51n', the frame of CICV5G positions.
 */
export function buildNetworkMapFromCicv5g(
  trace: { rows: readonly LatencyTraceRow[] },
  options: BuildFromCicv5gOptions = {},
): NetworkMap {
  const { lossCutoffRttMs = DEFAULT_LOSS_CUTOFF_RTT_MS, into, ...mapOptions } = options;
  if (!(Number.isFinite(lossCutoffRttMs) && lossCutoffRttMs >= 0)) throw new RangeError(`lossCutoffRttMs must be >= 0, got ${lossCutoffRttMs}`);
  const map = into ?? new NetworkMap({ mapFrame: 'utm51n', ...mapOptions });
  for (const row of trace.rows) {
    map.add(row.xM, row.yM, row.delayMs > lossCutoffRttMs ? null : row.delayMs / 2);
  }
  return map;
}
