// RFC 3550 (section 6.4.1, A.8) interarrival jitter: a smoothed mean of |D|, where D is the change in transit
// time (arrival - send) between consecutive packets in arrival order. A constant clock offset between sender and
// receiver cancels in D, so this needs no clock sync, unlike one-way latency.

const NS_PER_MS = 1e6;

/** Gain 1/16 from RFC 3550: reduces noise while still converging within a few dozen packets. */
export const RFC3550_JITTER_GAIN = 1 / 16;

export class JitterEstimator {
  private jitter = 0;
  private lastTransitNs: number | undefined;
  private count = 0;

  /** Feeds one packet (send time on the sender clock, arrival on the receiver clock); returns jitter in ms. */
  update(sendTimeNs: number, arrivalNs: number): number {
    // Subtract first: epoch ns are beyond 2^53, but the difference of two close values is exact.
    const transitNs = arrivalNs - sendTimeNs;
    if (this.lastTransitNs !== undefined) {
      const dMs = (transitNs - this.lastTransitNs) / NS_PER_MS;
      this.jitter += (Math.abs(dMs) - this.jitter) * RFC3550_JITTER_GAIN;
    }
    this.lastTransitNs = transitNs;
    this.count++;
    return this.jitter;
  }

  /** Current estimate, ms; 0 until two packets have arrived (RFC 3550 initial value). */
  get jitterMs(): number {
    return this.jitter;
  }

  get samples(): number {
    return this.count;
  }

  /** Forget history, e.g. after a sender restart (its clock or path may have changed). */
  reset(): void {
    this.jitter = 0;
    this.lastTransitNs = undefined;
    this.count = 0;
  }
}
