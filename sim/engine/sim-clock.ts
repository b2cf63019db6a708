// Virtual time of a simulated run: a fixed epoch, so that a seed reproduces a run bit for bit, the one
// conversion from scenario milliseconds to clock nanoseconds that every part of a run (and its workers) uses, and
// the sensors' capture instants.
import type { Scenario } from '../world/scenario.js';

/** Virtual epoch of every run. */
export const SIM_EPOCH_NS = 1_700_000_000_000_000_000;
const NS_PER_MS = 1e6;

/** Clock time of scenario time tMs, ns. */
export function simTimeNs(tMs: number): number {
  return SIM_EPOCH_NS + Math.round(tMs * NS_PER_MS);
}

/** Capture instant k of a sensor with this phase, ms of scenario time. */
export function captureMs(s: Scenario, phaseMs: number, k: number): number {
  return phaseMs + k * (1000 / s.frameRateHz);
}

/** The capture index k of a capture instant, ms (captureMs inverted). */
export function captureIndex(s: Scenario, phaseMs: number, tMs: number): number {
  return Math.round((tMs - phaseMs) * s.frameRateHz / 1000);
}

/** Number of captures of a sensor with this phase before the scenario ends. */
export function captureCount(s: Scenario, phaseMs: number): number {
  let k = 0;
  while (captureMs(s, phaseMs, k) < s.durationS * 1000) k++;
  return k;
}
