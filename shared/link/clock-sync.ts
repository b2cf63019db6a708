// NTP-style clock offset estimation (RFC 5905 on-wire calculation and clock filter), pure: every time is an input.
// The client (vehicle) stamps t1 when sending and t4 when the answer arrives (client clock); the server (RSU)
// stamps t2 on receipt and t3 on reply (server clock). offset = server clock - client clock.
import type { ClockSyncRequest, ClockSyncResponse } from '../model/types.js';

export interface ClockSample {
  /** Server clock - client clock, ns: exact when the two one-way delays are equal. */
  offsetNs: number;
  /** Round-trip network delay excluding the server's processing time, ns. */
  delayNs: number;
}

/**
 * offset = ((t2 - t1) + (t3 - t4)) / 2, delay = (t4 - t1) - (t3 - t2).
 * With one-way delays d_up and d_down the offset is off by (d_up - d_down) / 2, which is at most delay / 2.
 */
export function clockSample(t1Ns: number, t2Ns: number, t3Ns: number, t4Ns: number): ClockSample {
  // Differences of same-clock stamps first: epoch ns exceed 2^53, their differences do not lose precision.
  return {
    offsetNs: ((t2Ns - t1Ns) + (t3Ns - t4Ns)) / 2,
    delayNs: (t4Ns - t1Ns) - (t3Ns - t2Ns),
  };
}

/** Builds a request; the sequence wraps to uint32 as on the wire. */
export function buildSyncRequest(clientId: string, sequence: number, t1Ns: number): ClockSyncRequest {
  return { clientId, sequence: sequence >>> 0, t1Ns };
}

/** The server side: copies the request's identity and t1 and adds its own receive (t2) and send (t3) stamps. */
export function answerSyncRequest(
  request: ClockSyncRequest, serverId: string, t2Ns: number, t3Ns: number,
): ClockSyncResponse {
  return { serverId, clientId: request.clientId, sequence: request.sequence, t1Ns: request.t1Ns, t2Ns, t3Ns };
}

/** True when the response answers this request (guards against late answers to an earlier request). */
export function responseMatches(response: ClockSyncResponse, request: ClockSyncRequest): boolean {
  return response.clientId === request.clientId && response.sequence === request.sequence
    && response.t1Ns === request.t1Ns;
}

export interface ClockEstimate {
  offsetNs: number;
  /** Round-trip delay of the sample the offset came from, ns. */
  delayNs: number;
  /** delayNs / 2: the largest error path asymmetry can cause. */
  uncertaintyNs: number;
  sampleCount: number;
}

export interface ClockOffsetEstimatorOptions {
  /** Samples kept, oldest dropped first (default 16; at 1 Hz sync, 16 s: clock drift of a few ppm stays < 0.1 ms). */
  maxSamples?: number;
  /** Samples with a larger round trip are rejected as absurd (default 2 s). */
  maxDelayNs?: number;
}

/**
 * Keeps the last N samples and takes the offset of the one with the smallest round-trip delay (NTP clock
 * filter): queueing only ever adds delay, usually on one direction, so the fastest exchange is the one least
 * distorted by asymmetry, and its delay / 2 bounds that distortion.
 */
export class ClockOffsetEstimator {
  private readonly maxSamples: number;
  private readonly maxDelayNs: number;
  private readonly samples: ClockSample[] = [];
  private rejectedCount = 0;
  /** The min-delay sample, until the samples change: the offset is read for every received frame. */
  private best: ClockSample | null | undefined;

  constructor(options: ClockOffsetEstimatorOptions = {}) {
    this.maxSamples = options.maxSamples ?? 16;
    this.maxDelayNs = options.maxDelayNs ?? 2_000_000_000;
    if (!Number.isInteger(this.maxSamples) || this.maxSamples < 1) throw new RangeError('maxSamples must be a positive integer');
  }

  /** Adds one exchange; returns false (and counts a rejection) for a negative, non-finite or absurd delay. */
  add(t1Ns: number, t2Ns: number, t3Ns: number, t4Ns: number): boolean {
    return this.addSample(clockSample(t1Ns, t2Ns, t3Ns, t4Ns));
  }

  addResponse(response: ClockSyncResponse, t4Ns: number): boolean {
    return this.add(response.t1Ns, response.t2Ns, response.t3Ns, t4Ns);
  }

  addSample(sample: ClockSample): boolean {
    const { offsetNs, delayNs } = sample;
    // Negative delay: the answer came back before the server sent it, so a stamp is wrong (or server t3 < t2).
    if (!Number.isFinite(offsetNs) || !Number.isFinite(delayNs) || delayNs < 0 || delayNs > this.maxDelayNs) {
      this.rejectedCount++;
      return false;
    }
    this.samples.push({ offsetNs, delayNs });
    if (this.samples.length > this.maxSamples) this.samples.shift();
    this.best = undefined;
    return true;
  }

  /** The min-delay sample's offset; on a tie the newest wins. Null before any accepted sample. */
  estimate(): ClockEstimate | null {
    const best = this.bestSample();
    if (best === null) return null;
    return { offsetNs: best.offsetNs, delayNs: best.delayNs, uncertaintyNs: best.delayNs / 2, sampleCount: this.samples.length };
  }

  private bestSample(): ClockSample | null {
    if (this.best === undefined) {
      let best: ClockSample | null = null;
      for (const s of this.samples) if (best === null || s.delayNs <= best.delayNs) best = s;
      this.best = best;
    }
    return this.best;
  }

  /** Server - client, ns; null before any accepted sample. */
  get offsetNs(): number | null {
    return this.bestSample()?.offsetNs ?? null;
  }

  get uncertaintyNs(): number | null {
    const best = this.bestSample();
    return best === null ? null : best.delayNs / 2;
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  /** Drop every sample, e.g. after the server restarted (its clock may have stepped). */
  reset(): void {
    this.samples.length = 0;
    this.best = undefined;
  }
}
