// Loss accounting from sequence numbers for one (source, path), in the spirit of RFC 3550 A.3: expected is the
// span of sequence numbers seen, lost = expected - received. Pure: arrival times are inputs, never read.

/**
 * When a backward jump means "the sender restarted" rather than "a late or duplicate frame".
 * PerceptionFrame.sequence restarts at 0 when the sender restarts, so a restart shows up as a backward jump.
 */
export interface RestartPolicy {
  /** A frame more than this many sequences behind the highest seen is a restart (default 1000). */
  maxBackwardJump: number;
  /**
   * A backward jump to a sequence <= this (default 100) is a restart when it follows a silence of at least
   * minGapNs: catches a sender that restarted before it had sent maxBackwardJump frames.
   */
  lowSequenceMax: number;
  /** Silence before a low sequence that marks a restart, ns (default 1 s: no process restarts faster). */
  minGapNs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  maxBackwardJump: 1000,
  lowSequenceMax: 100,
  minGapNs: 1_000_000_000,
});

/**
 * True when `sequence`, arriving `gapNs` after the previous frame of the same stream (undefined = unknown),
 * means the sender restarted. Shared by SequenceTracker and dedupeFrames so both agree on epochs.
 */
export function isSenderRestart(
  sequence: number, highestSequence: number, gapNs: number | undefined, policy: RestartPolicy,
): boolean {
  if (sequence >= highestSequence) return false;
  if (highestSequence - sequence > policy.maxBackwardJump) return true;
  return gapNs !== undefined && gapNs >= policy.minGapNs && sequence <= policy.lowSequenceMax;
}

/** What one arrival was. 'new', 'reordered' and 'restart' are accepted (first copy); the others are not. */
export type SequenceVerdict =
  | 'new' // above every sequence seen in this epoch (or the first one)
  | 'reordered' // fills a gap: arrived after a higher sequence
  | 'duplicate' // already received
  | 'tooOld' // below the history window: cannot tell duplicate from late, so not counted as received
  | 'restart' // first frame after a sender restart: starts a new epoch
  | 'invalid'; // not a non-negative safe integer (e.g. a uint64 beyond 2^53): ignored, counted

export const isAcceptedVerdict = (v: SequenceVerdict): boolean =>
  v === 'new' || v === 'reordered' || v === 'restart';

export interface SequenceTrackerOptions {
  /** Sequences remembered below the highest, for duplicate and late-arrival detection (default 1024). */
  historySize?: number;
  /** Width of the sliding loss window in sequences, <= historySize (default 256). */
  lossWindow?: number;
  restart?: Partial<RestartPolicy>;
}

export interface SequenceStats {
  /** Distinct sequences received (duplicates excluded), summed over epochs. */
  received: number;
  /** Span of sequences seen, highest - lowest + 1 per epoch, summed over epochs. */
  expected: number;
  /** expected - received: never negative. */
  lost: number;
  duplicates: number;
  /** Accepted late arrivals (each one also reduced `lost` by 1). */
  reordered: number;
  tooOld: number;
  invalid: number;
  restarts: number;
  /** lost / expected over the whole run; 0 before any frame. */
  lossRatio: number;
  /** Sequences in the sliding loss window: the last lossWindow sequences up to the highest, this epoch only. */
  windowExpected: number;
  windowLost: number;
  /** windowLost / windowExpected; 0 before any frame. */
  windowLossRatio: number;
  /** Highest sequence of the current epoch; null before any frame. */
  highestSequence: number | null;
}

export class SequenceTracker {
  private readonly historySize: number;
  private readonly lossWindow: number;
  private readonly policy: RestartPolicy;
  // received[seq % historySize] for seq in (highest - historySize, highest]; slots are cleared as highest moves.
  private readonly receivedBits: Uint8Array;
  private lowest = 0;
  private highest = -1; // -1: no frame yet in this epoch
  private receivedThisEpoch = 0;
  private expectedPriorEpochs = 0;
  private receivedPriorEpochs = 0;
  private lastArrivalNs: number | undefined;
  private duplicates = 0;
  private reordered = 0;
  private tooOld = 0;
  private invalid = 0;
  private restarts = 0;
  /** Received count over the loss window, until the next arrival changes it: stats() is polled far more often. */
  private windowReceivedCache: number | null = null;

  constructor(options: SequenceTrackerOptions = {}) {
    this.historySize = options.historySize ?? 1024;
    this.lossWindow = options.lossWindow ?? Math.min(256, this.historySize);
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    if (!Number.isInteger(this.historySize) || this.historySize < 1) throw new RangeError('historySize must be a positive integer');
    if (!Number.isInteger(this.lossWindow) || this.lossWindow < 1 || this.lossWindow > this.historySize) {
      throw new RangeError('lossWindow must be an integer in 1..historySize');
    }
    this.receivedBits = new Uint8Array(this.historySize);
  }

  /**
   * Records one arrival. atNs (receiver clock) enables the restart-after-silence rule; without it only the
   * large-backward-jump rule applies. Never throws: sequences come from the network.
   */
  observe(sequence: number, atNs?: number): SequenceVerdict {
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      this.invalid++;
      return 'invalid';
    }
    const gapNs = atNs !== undefined && this.lastArrivalNs !== undefined ? atNs - this.lastArrivalNs : undefined;
    if (atNs !== undefined) this.lastArrivalNs = atNs;

    if (this.highest < 0) {
      this.startEpoch(sequence);
      return 'new';
    }
    if (isSenderRestart(sequence, this.highest, gapNs, this.policy)) {
      this.expectedPriorEpochs += this.highest - this.lowest + 1;
      this.receivedPriorEpochs += this.receivedThisEpoch;
      this.restarts++;
      this.startEpoch(sequence);
      return 'restart';
    }
    if (sequence > this.highest) {
      this.advanceTo(sequence);
      this.mark(sequence);
      return 'new';
    }
    if (this.highest - sequence >= this.historySize) {
      this.tooOld++;
      return 'tooOld';
    }
    if (this.receivedBits[sequence % this.historySize] === 1) {
      this.duplicates++;
      return 'duplicate';
    }
    // Late arrival: fills a gap, or extends the epoch below its first sequence (the stream began earlier).
    if (sequence < this.lowest) this.lowest = sequence;
    this.mark(sequence);
    this.reordered++;
    return 'reordered';
  }

  stats(): SequenceStats {
    const hasEpoch = this.highest >= 0;
    const expected = this.expectedPriorEpochs + (hasEpoch ? this.highest - this.lowest + 1 : 0);
    const received = this.receivedPriorEpochs + this.receivedThisEpoch;
    const lost = expected - received;
    const windowExpected = this.windowExpected();
    const windowLost = windowExpected - this.windowReceived();
    return {
      received, expected, lost,
      duplicates: this.duplicates, reordered: this.reordered, tooOld: this.tooOld, invalid: this.invalid,
      restarts: this.restarts,
      lossRatio: expected > 0 ? lost / expected : 0,
      windowExpected, windowLost,
      windowLossRatio: windowExpected > 0 ? windowLost / windowExpected : 0,
      highestSequence: hasEpoch ? this.highest : null,
    };
  }

  /** stats().windowLossRatio without building the stats: the vehicle reads it for every link every frame. */
  windowLossRatio(): number {
    const windowExpected = this.windowExpected();
    return windowExpected > 0 ? (windowExpected - this.windowReceived()) / windowExpected : 0;
  }

  /** First sequence of the loss window (valid while an epoch is open). */
  private windowFrom(): number {
    return Math.max(this.lowest, this.highest - this.lossWindow + 1);
  }

  private windowExpected(): number {
    return this.highest >= 0 ? this.highest - this.windowFrom() + 1 : 0;
  }

  private windowReceived(): number {
    if (this.highest < 0) return 0;
    if (this.windowReceivedCache === null) {
      let count = 0;
      for (let s = this.windowFrom(); s <= this.highest; s++) count += this.receivedBits[s % this.historySize]!;
      this.windowReceivedCache = count;
    }
    return this.windowReceivedCache;
  }

  private startEpoch(sequence: number): void {
    this.windowReceivedCache = null;
    this.receivedBits.fill(0);
    this.lowest = sequence;
    this.highest = sequence;
    this.receivedThisEpoch = 0;
    this.mark(sequence);
  }

  /** Moves highest forward, clearing the slots that now stand for the new sequences. */
  private advanceTo(sequence: number): void {
    this.windowReceivedCache = null;
    if (sequence - this.highest >= this.historySize) {
      this.receivedBits.fill(0);
    } else {
      for (let s = this.highest + 1; s <= sequence; s++) this.receivedBits[s % this.historySize] = 0;
    }
    this.highest = sequence;
  }

  private mark(sequence: number): void {
    this.windowReceivedCache = null;
    this.receivedBits[sequence % this.historySize] = 1;
    this.receivedThisEpoch++;
  }
}
