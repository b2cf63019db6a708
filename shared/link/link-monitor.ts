// Health of one RSU link as the vehicle sees it: loss, one-way latency, jitter and freshness per transport path and
// for the merged (first-arrival) stream, plus the clock offset they depend on. Pure: times come in as arguments.
import type { TransportKind } from '../transport/types.js';
import { ClockOffsetEstimator, type ClockOffsetEstimatorOptions } from './clock-sync.js';
import { JitterEstimator } from './jitter.js';
import {
  SequenceTracker, isAcceptedVerdict, type SequenceTrackerOptions, type SequenceVerdict,
} from './sequence-tracker.js';
import { LatencyWindow, type LatencyStats } from './window.js';

const NS_PER_MS = 1e6;

/** One received perception frame: the frame's own stamps (RSU clock) and its arrival (vehicle clock). */
export interface FrameArrival {
  sourceId: string;
  sequence: number;
  /** Sensor capture, ns, RSU clock. */
  captureTimeNs: number;
  /** Left the RSU, ns, RSU clock. */
  publishTimeNs: number;
  /** Arrived, ns, vehicle clock. */
  receivedAtNs: number;
  transport: TransportKind;
}

export interface LinkMonitorOptions {
  sourceId: string;
  /** A path or the link is stale after this long without a new frame (default 1000 ms). */
  staleAfterMs?: number;
  /** Time window of the latency statistics (default 2000 ms). */
  latencyWindowMs?: number;
  /** Sample cap of each latency window (default 1000). */
  maxLatencySamples?: number;
  sequence?: SequenceTrackerOptions;
  clock?: ClockOffsetEstimatorOptions;
}

export interface PathLinkState {
  received: number;
  expected: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Frames with a sequence that is not a non-negative safe integer (ignored). */
  invalid: number;
  restarts: number;
  /** lost / expected over the whole run. */
  lossRatio: number;
  /** Loss over the last SequenceTrackerOptions.lossWindow sequences. */
  windowLossRatio: number;
  /** One-way latency, publish (RSU) to arrival (vehicle), corrected by the clock offset. */
  latency: LatencyStats;
  /** Capture (RSU) to arrival (vehicle), corrected by the clock offset: what fusion has to predict across. */
  captureToArrival: LatencyStats;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  /** Arrival (vehicle clock) of the last frame that was new for this stream; null if none. */
  lastArrivalNs: number | null;
  stale: boolean;
}

export interface ClockState {
  /** RSU clock - vehicle clock, ns; null before any sync exchange (latencies then assume 0). */
  offsetNs: number | null;
  /** Bound on the offset error, ns (half the round trip of the sample used); null before any exchange. */
  uncertaintyNs: number | null;
  samples: number;
}

export interface LinkState {
  sourceId: string;
  /** The nowNs the snapshot was taken at, vehicle clock. */
  atNs: number;
  /** Paths that have delivered at least one frame. */
  paths: Partial<Record<TransportKind, PathLinkState>>;
  /** First arrivals over all paths: what fusion actually receives. */
  merged: PathLinkState;
  /** Age of the freshest frame's capture at nowNs, ms; null before any frame. */
  ageMs: number | null;
  clock: ClockState;
  /** No new frame on any path for longer than staleAfterMs (or never). */
  stale: boolean;
}

/**
 * What adaptive fusion reads of a link on every vehicle frame (the criteria's RsuLinkCriteria): the merged stream's
 * latency p90, jitter and window loss, and staleness, equal to those of snapshot(nowNs) without computing the rest
 * (per-path states, capture-to-arrival and other quantiles, the clock).
 */
export interface LinkHealth {
  sourceId: string;
  /** merged.latency.p90Ms. */
  latencyP90Ms: number | null;
  /** merged.jitterMs. */
  jitterMs: number;
  /** merged.windowLossRatio. */
  windowLossRatio: number;
  stale: boolean;
}

export interface FrameVerdict {
  /** Verdict of the frame's own path tracker. */
  path: SequenceVerdict;
  /** Verdict of the merged stream: accepted means this copy is the first arrival. */
  merged: SequenceVerdict;
  /** One-way latency of this copy, ms. */
  latencyMs: number;
}

interface StreamOptions {
  latencyWindowMs: number;
  maxLatencySamples: number;
  sequence?: SequenceTrackerOptions;
}

/** Loss, latency and jitter of one stream (a single path, or the merged stream). */
class StreamStats {
  readonly tracker: SequenceTracker;
  readonly jitter = new JitterEstimator();
  readonly latency: LatencyWindow;
  readonly captureToArrival: LatencyWindow;
  lastArrivalNs: number | null = null;

  constructor(options: StreamOptions) {
    this.tracker = new SequenceTracker(options.sequence);
    const windowOptions = { windowMs: options.latencyWindowMs, maxSamples: options.maxLatencySamples };
    this.latency = new LatencyWindow(windowOptions);
    this.captureToArrival = new LatencyWindow(windowOptions);
  }

  /** Counts the arrival; timing statistics only take copies that are new for this stream. */
  observe(f: FrameArrival, latencyMs: number, captureToArrivalMs: number): SequenceVerdict {
    const verdict = this.tracker.observe(f.sequence, f.receivedAtNs);
    if (!isAcceptedVerdict(verdict)) return verdict;
    // A restarted sender may have stepped its clock: transit times before and after are not comparable.
    if (verdict === 'restart') this.jitter.reset();
    this.jitter.update(f.publishTimeNs, f.receivedAtNs);
    this.latency.add(f.receivedAtNs, latencyMs);
    this.captureToArrival.add(f.receivedAtNs, captureToArrivalMs);
    this.lastArrivalNs = f.receivedAtNs;
    return verdict;
  }

  state(nowNs: number, staleAfterNs: number): PathLinkState {
    const s = this.tracker.stats();
    return {
      received: s.received, expected: s.expected, lost: s.lost, duplicates: s.duplicates,
      reordered: s.reordered, invalid: s.invalid, restarts: s.restarts, lossRatio: s.lossRatio, windowLossRatio: s.windowLossRatio,
      latency: this.latency.stats(nowNs),
      captureToArrival: this.captureToArrival.stats(nowNs),
      jitterMs: this.jitter.jitterMs,
      lastArrivalNs: this.lastArrivalNs,
      stale: this.isStale(nowNs, staleAfterNs),
    };
  }

  isStale(nowNs: number, staleAfterNs: number): boolean {
    return this.lastArrivalNs === null || nowNs - this.lastArrivalNs > staleAfterNs;
  }
}

export class LinkMonitor {
  readonly sourceId: string;
  private readonly staleAfterNs: number;
  private readonly streamOptions: StreamOptions;
  private readonly clock: ClockOffsetEstimator;
  private readonly paths = new Map<TransportKind, StreamStats>();
  private readonly merged: StreamStats;
  private freshestCaptureNs: number | null = null;

  constructor(options: LinkMonitorOptions) {
    this.sourceId = options.sourceId;
    this.staleAfterNs = (options.staleAfterMs ?? 1000) * NS_PER_MS;
    this.streamOptions = {
      latencyWindowMs: options.latencyWindowMs ?? 2000,
      maxLatencySamples: options.maxLatencySamples ?? 1000,
      sequence: options.sequence,
    };
    this.clock = new ClockOffsetEstimator(options.clock);
    this.merged = new StreamStats(this.streamOptions);
  }

  /** Feeds one received copy of a frame, from any path. Throws if it belongs to another source. */
  onFrame(f: FrameArrival): FrameVerdict {
    if (f.sourceId !== this.sourceId) throw new RangeError(`frame of ${f.sourceId} fed to the monitor of ${this.sourceId}`);
    // Offset as known now: later sync does not revise past samples (at 1 Hz sync the change is sub-ms).
    const offsetNs = this.clock.offsetNs ?? 0;
    // Differences first: both stamps are ~1e18 ns, beyond exact doubles, their difference is not.
    const latencyMs = ((f.receivedAtNs - f.publishTimeNs) + offsetNs) / NS_PER_MS;
    const captureToArrivalMs = ((f.receivedAtNs - f.captureTimeNs) + offsetNs) / NS_PER_MS;

    let path = this.paths.get(f.transport);
    if (path === undefined) {
      path = new StreamStats(this.streamOptions);
      this.paths.set(f.transport, path);
    }
    const pathVerdict = path.observe(f, latencyMs, captureToArrivalMs);
    const mergedVerdict = this.merged.observe(f, latencyMs, captureToArrivalMs);
    if (mergedVerdict === 'restart' || (isAcceptedVerdict(mergedVerdict)
      && (this.freshestCaptureNs === null || f.captureTimeNs > this.freshestCaptureNs))) {
      this.freshestCaptureNs = f.captureTimeNs;
    }
    return { path: pathVerdict, merged: mergedVerdict, latencyMs };
  }

  /** Current RSU - vehicle clock offset, ns; null before any accepted sync exchange. */
  clockOffsetNs(): number | null {
    return this.clock.offsetNs;
  }

  /** Bound on the offset error, ns; null before any accepted sync exchange. */
  clockUncertaintyNs(): number | null {
    return this.clock.uncertaintyNs;
  }

  /** Feeds one clock-sync exchange (t1, t4 vehicle clock; t2, t3 RSU clock); false if rejected. */
  onSync(t1Ns: number, t2Ns: number, t3Ns: number, t4Ns: number): boolean {
    return this.clock.add(t1Ns, t2Ns, t3Ns, t4Ns);
  }

  /** snapshot(nowNs).stale without computing the rest of the snapshot (windows and quantiles). */
  isStale(nowNs: number): boolean {
    return this.merged.isStale(nowNs, this.staleAfterNs);
  }

  /** The part of snapshot(nowNs) adaptive fusion reads each frame, at a fraction of its cost. */
  health(nowNs: number): LinkHealth {
    const m = this.merged;
    return {
      sourceId: this.sourceId,
      latencyP90Ms: m.latency.sharedStats(nowNs).p90Ms,
      jitterMs: m.jitter.jitterMs,
      windowLossRatio: m.tracker.windowLossRatio(),
      stale: m.isStale(nowNs, this.staleAfterNs),
    };
  }

  /** A plain, serialisable picture of the link at nowNs (vehicle clock). */
  snapshot(nowNs: number): LinkState {
    const estimate = this.clock.estimate();
    const offsetNs = estimate?.offsetNs ?? 0;
    const paths: Partial<Record<TransportKind, PathLinkState>> = {};
    for (const [kind, stream] of this.paths) paths[kind] = stream.state(nowNs, this.staleAfterNs);
    const merged = this.merged.state(nowNs, this.staleAfterNs);
    return {
      sourceId: this.sourceId,
      atNs: nowNs,
      paths,
      merged,
      ageMs: this.freshestCaptureNs === null ? null : ((nowNs - this.freshestCaptureNs) + offsetNs) / NS_PER_MS,
      clock: {
        offsetNs: estimate?.offsetNs ?? null,
        uncertaintyNs: estimate?.uncertaintyNs ?? null,
        samples: estimate?.sampleCount ?? 0,
      },
      stale: merged.stale,
    };
  }
}
