// Sequence checks that survive restarts without trusting any larger sequence: a sender's messages are ordered by
// (boot epoch, sequence), and sequences are compared only within one boot epoch. Pure.

export type ReplayVerdict = 'ok' | 'oldBoot' | 'duplicate' | 'tooOld';

/**
 * Anti-replay for signed traffic of one (key, message stream, transport path), like IPsec's (RFC 4303 3.4.3): a
 * later boot epoch starts afresh; an earlier one is a replay; within the boot a sequence is accepted once, and
 * only if it is above the highest seen or at most `width` below it and not yet seen (reordering within the window
 * is fine). Call it only for messages whose signature verified: it records what it accepts.
 */
export class ReplayWindow {
  private bootEpochNs = -1;
  private highest = -1;
  private readonly seen: Uint8Array;

  constructor(private readonly width = 256) {
    this.seen = new Uint8Array(width);
  }

  check(bootEpochNs: number, sequence: number): ReplayVerdict {
    if (bootEpochNs < this.bootEpochNs) return 'oldBoot';
    if (bootEpochNs > this.bootEpochNs) {
      this.bootEpochNs = bootEpochNs;
      this.highest = -1;
      this.seen.fill(0);
    }
    const w = this.width;
    if (sequence > this.highest) {
      // Clear the slots the window slides over (all of them on a jump of the whole width or more).
      const steps = Math.min(sequence - this.highest, w);
      for (let i = 1; i <= steps; i++) this.seen[(sequence - steps + i) % w] = 0;
      this.highest = sequence;
      this.seen[sequence % w] = 1;
      return 'ok';
    }
    if (this.highest - sequence >= w) return 'tooOld';
    if (this.seen[sequence % w]) return 'duplicate';
    this.seen[sequence % w] = 1;
    return 'ok';
  }
}

/**
 * First copy of each message of an unauthenticated stream (advisories to one vehicle, intents from one vehicle)
 * across every path: accepts what is above the newest (boot epoch, sequence) seen, so late copies and duplicates
 * are dropped. A restart shows up as a later boot epoch. Anyone may send unsigned traffic, so nothing it says may
 * disable the stream for good: after `resyncAfter` messages in a row that are below the mark but increasing among
 * themselves (a sender restarted with an earlier clock or no boot epoch, or the mark was pushed up by a sequence
 * like 2^52), the gate follows them.
 */
export class SequenceGate {
  private bootEpochNs = -Infinity;
  private sequence = -Infinity;
  private behind: { bootEpochNs: number; sequence: number; count: number } | null = null;

  constructor(private readonly resyncAfter = 5) {}

  /** Whether the message is above the newest seen (accept would take it without a resync). Changes nothing. */
  isNewer(bootEpochNs: number, sequence: number): boolean {
    return bootEpochNs > this.bootEpochNs || (bootEpochNs === this.bootEpochNs && sequence > this.sequence);
  }

  /** True if the message is new (and now the newest). */
  accept(bootEpochNs: number, sequence: number): boolean {
    if (this.isNewer(bootEpochNs, sequence)) {
      this.mark(bootEpochNs, sequence);
      return true;
    }
    const b = this.behind;
    const increasing = b !== null && (bootEpochNs > b.bootEpochNs || (bootEpochNs === b.bootEpochNs && sequence > b.sequence));
    const count = increasing ? b.count + 1 : 1;
    if (count >= this.resyncAfter) {
      this.mark(bootEpochNs, sequence);
      return true;
    }
    // Equal keys (the other path's copy) neither start nor break a run.
    if (!b || increasing || bootEpochNs !== b.bootEpochNs || sequence !== b.sequence) this.behind = { bootEpochNs, sequence, count };
    return false;
  }

  private mark(bootEpochNs: number, sequence: number): void {
    this.bootEpochNs = bootEpochNs;
    this.sequence = sequence;
    this.behind = null;
  }
}
