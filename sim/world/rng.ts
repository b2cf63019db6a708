// Seeded randomness: every stochastic part of the simulator draws from one of these, so a run with the same
// seed is reproducible bit for bit.

/** mulberry32: small, fast, good enough for simulation noise (not for cryptography). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal by Box-Muller (one draw per call; the second value is discarded for simplicity). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  bernoulli(p: number): boolean {
    return this.next() < p;
  }
  /** A child generator with its own stream, so adding draws in one part does not shift another's. */
  fork(label: number): Rng {
    return new Rng(Math.imul(this.state ^ 0x9e3779b9, label + 1) ^ (label * 0x85ebca6b));
  }
}
