// Virtual time of a simulated run: a fixed epoch, so that a seed reproduces a run bit for bit, and the one
// conversion from scenario milliseconds to clock nanoseconds that every part of a run (and its workers) uses.

/** Virtual epoch of every run. */
export const SIM_EPOCH_NS = 1_700_000_000_000_000_000;
const NS_PER_MS = 1e6;

/** Clock time of scenario time tMs, ns. */
export function simTimeNs(tMs: number): number {
  return SIM_EPOCH_NS + Math.round(tMs * NS_PER_MS);
}
