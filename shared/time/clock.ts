// Time is an input everywhere: algorithms take times as arguments, processes read them from a Clock.

/** A source of "now" in ns since the Unix epoch. */
export interface Clock {
  nowNs(): number;
}

const NS_PER_MS = 1e6;

/**
 * The host's wall clock with sub-ms resolution: performance.timeOrigin (epoch ms at process start) plus the
 * monotonic performance.now(), so it never steps backwards within a process.
 */
export const systemClock: Clock = {
  nowNs: () => Math.round((performance.timeOrigin + performance.now()) * NS_PER_MS),
};

/** A clock shifted by a fixed offset: simulates a host whose clock is wrong by offsetNs (tests, sim). */
export function offsetClock(base: Clock, offsetNs: number): Clock {
  return { nowNs: () => base.nowNs() + offsetNs };
}

/** A clock that only moves when told to (virtual-time runs and tests). */
export class ManualClock implements Clock {
  constructor(private timeNs = 0) {}
  nowNs(): number {
    return this.timeNs;
  }
  set(timeNs: number): void {
    this.timeNs = timeNs;
  }
  advance(deltaNs: number): void {
    this.timeNs += deltaNs;
  }
}

export const nsToMs = (ns: number): number => ns / NS_PER_MS;
export const msToNs = (ms: number): number => Math.round(ms * NS_PER_MS);
export const sToNs = (s: number): number => Math.round(s * 1e9);
export const nsToS = (ns: number): number => ns / 1e9;
