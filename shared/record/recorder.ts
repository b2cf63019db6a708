// Records encoded Envelopes with their arrival (log) times to an MCAP file for deterministic offline replay.
// record() is synchronous, never throws and never blocks the caller: it validates, copies the bytes and queues
// them; one drain loop hands them to McapWriter in call order (the writer needs each call to finish before the
// next). Problems are counted, not thrown: a recorder must never take down the process it observes.
import { McapWriter, LIBRARY_IDENTIFIER } from '@mcap/core';
import { WIRE_VERSION } from '../wire/codec.js';
import type { Message } from '../transport/types.js';
import { channelForTopic, channelRole, type ChannelRole } from './channels.js';
import { FileSink, type RecordSink } from './file-io.js';
import { envelopeSchema, MESSAGE_ENCODING } from './schema.js';

/** Name of the MCAP metadata record holding the caller's metadata plus WIRE_VERSION_METADATA_KEY. */
export const RECORDING_METADATA_NAME = 'iaad.recording';
export const WIRE_VERSION_METADATA_KEY = 'iaad.wire_version';
const LIBRARY = `iaad-record; ${LIBRARY_IDENTIFIER}`;
const MAX_NS = 2 ** 64; // MCAP times are uint64

export interface RecorderOptions {
  /** MCAP header profile; '' (the default) means no well-known profile. */
  profile?: string;
  /** Stored in the 'iaad.recording' metadata record right after the header, e.g. { role, vehicleId, gitSha }. */
  metadata?: Record<string, string>;
  /** Messages are buffered into chunks of about this many bytes; a crash loses the open chunk. Default 256 KiB. */
  chunkSizeBytes?: number;
  /** Bytes allowed to wait for the disk; beyond that record() drops and counts (no unbounded growth). Default 64 MiB. */
  maxPendingBytes?: number;
  /** Replace an existing file. Default false: open() rejects with EEXIST rather than destroy a recording. */
  overwrite?: boolean;
}

export interface RecorderCounters {
  /** Messages handed to the MCAP writer (on disk once their chunk is written, at the latest on close). */
  recorded: number;
  /** record() calls that recorded nothing: the sum of the four counts below. */
  errors: number;
  /** Refused: channel name outside the convention, time not a finite ns value in uint64 range, bytes not a Uint8Array. */
  invalid: number;
  /** Refused because close() had been called. */
  afterClose: number;
  /** Dropped because more than maxPendingBytes were waiting for the disk. */
  overflow: number;
  /** Lost to a disk error: the message being written when it happened and every one after it. */
  writeFailed: number;
  /** Disk errors (write, finalise, sync, close). After the first, nothing more is written. */
  diskErrors: number;
  /** Bytes in the file so far (chunks are written whole, so this lags record()). */
  bytesWritten: number;
  lastError: string | null;
}

export class RecorderError extends Error {
  override name = 'RecorderError';
  constructor(message: string, readonly counters: RecorderCounters) {
    super(message);
  }
}

type RefusalKind = 'invalid' | 'afterClose' | 'overflow' | 'writeFailed';

interface Pending {
  channel: string;
  role: ChannelRole;
  sequence: number;
  data: Uint8Array;
  logTime: bigint;
  publishTime: bigint;
}

/** ns as a JS number -> uint64 bigint; null when not representable. Math.round first: BigInt(1.5) throws. */
function toUint64Ns(v: unknown): bigint | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= MAX_NS) return null;
  return BigInt(Math.round(v));
}

/** Checks options and returns the metadata record's contents (MCAP metadata maps strings to strings). */
function checkedMetadata(options: RecorderOptions): Map<string, string> {
  for (const key of ['chunkSizeBytes', 'maxPendingBytes'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new RangeError(`${key} must be a positive number, got ${v}`);
  }
  const metadata = new Map<string, string>();
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') throw new TypeError(`metadata "${k}" must be a string, got ${typeof v}`);
    metadata.set(k, v);
  }
  metadata.set(WIRE_VERSION_METADATA_KEY, String(WIRE_VERSION)); // last: the recorder's own key wins
  return metadata;
}

export class McapRecorder {
  private readonly counts: RecorderCounters = {
    recorded: 0, errors: 0, invalid: 0, afterClose: 0, overflow: 0, writeFailed: 0, diskErrors: 0, bytesWritten: 0,
    lastError: null,
  };
  private readonly roles = new Map<string, ChannelRole>(); // validated on the caller's side
  private readonly channelIds = new Map<string, number>(); // registered on the drain side
  private readonly sequences = new Map<string, number>();
  private queue: Pending[] = [];
  private pendingBytes = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private failed = false;
  private closing: Promise<RecorderCounters> | undefined;

  private constructor(
    readonly path: string,
    private readonly writer: McapWriter,
    private readonly sink: RecordSink,
    private readonly schemaId: number,
    private readonly maxPendingBytes: number,
  ) {}

  /** Creates the file and writes the header, schema and metadata; rejects if that fails (nothing to keep alive yet). */
  static async open(path: string, options: RecorderOptions = {}): Promise<McapRecorder> {
    checkedMetadata(options); // before creating the file: a bad call leaves nothing behind
    return McapRecorder.create(await FileSink.create(path, options.overwrite ?? false), path, options);
  }

  /** Records into any sink (tests inject failing ones); `label` names it in errors. The sink is closed on failure. */
  static async create(sink: RecordSink, label: string, options: RecorderOptions = {}): Promise<McapRecorder> {
    try {
      const metadata = checkedMetadata(options);
      const writer = new McapWriter({ writable: sink, chunkSize: options.chunkSizeBytes ?? 256 * 1024 });
      await writer.start({ profile: options.profile ?? '', library: LIBRARY });
      const schemaId = await writer.registerSchema(envelopeSchema());
      // Metadata goes right after the header, outside chunks: a recording cut short still says what it is.
      await writer.addMetadata({ name: RECORDING_METADATA_NAME, metadata });
      return new McapRecorder(label, writer, sink, schemaId, options.maxPendingBytes ?? 64 * 1024 * 1024);
    } catch (err) {
      await sink.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Queues one encoded Envelope. logTimeNs: when it arrived (rx) or was produced (tx), ns since epoch on this
   * host's clock; publishTimeNs: when its sender published it, default logTimeNs. Log times may go backwards
   * across (or within) channels: MCAP allows it and readers sort. Returns false (and counts why) if refused.
   */
  record(channel: string, envelopeBytes: Uint8Array, logTimeNs: number, publishTimeNs: number = logTimeNs): boolean {
    try {
      if (this.closing) return this.refuse('afterClose', `record(${channel}) after close()`);
      if (this.failed) return this.refuse('writeFailed', null);
      let role = this.roles.get(channel);
      if (!role) {
        const r = channelRole(channel);
        if (!r) return this.refuse('invalid', `channel name ${JSON.stringify(channel)} is outside the convention`);
        this.roles.set(channel, (role = r));
      }
      // MCAP's per-channel sequence (uint32), taken before any drop below: a gap in a file means the recorder
      // dropped something, which a replay must not mistake for network loss.
      const sequence = this.sequences.get(channel) ?? 0;
      this.sequences.set(channel, (sequence + 1) >>> 0);
      if (!(envelopeBytes instanceof Uint8Array)) return this.refuse('invalid', `record(${channel}): bytes are not a Uint8Array`);
      const logTime = toUint64Ns(logTimeNs);
      const publishTime = toUint64Ns(publishTimeNs);
      if (logTime === null || publishTime === null) {
        return this.refuse('invalid', `record(${channel}): times ${logTimeNs}/${publishTimeNs} are not uint64 ns`);
      }
      if (this.pendingBytes + envelopeBytes.byteLength > this.maxPendingBytes) {
        return this.refuse('overflow', `record(${channel}): more than ${this.maxPendingBytes} bytes wait for the disk`);
      }
      // Copy (new Uint8Array, not slice(): Buffer#slice is a view): the caller may reuse its buffer as soon as
      // we return, and the write happens later.
      this.queue.push({ channel, role, sequence, data: new Uint8Array(envelopeBytes), logTime, publishTime });
      this.pendingBytes += envelopeBytes.byteLength;
      if (!this.draining) void this.drain();
      return true;
    } catch (err) {
      return this.refuse('invalid', `record(): ${(err as Error).message}`);
    }
  }

  /** Records a received transport Message on its rx channel (channelForTopic), logged at its receivedAtNs. */
  recordReceived(msg: Message): boolean {
    try {
      return this.record(channelForTopic(msg.topic, msg.transport), msg.payload, msg.receivedAtNs);
    } catch (err) {
      return this.refuse('invalid', `recordReceived(): ${(err as Error).message}`);
    }
  }

  /** A snapshot of the counters. */
  get counters(): RecorderCounters {
    return { ...this.counts, bytesWritten: Number(this.sink.position()) };
  }

  /** Resolves once every queued message has been handed to the writer (not necessarily on disk: see close()). */
  idle(): Promise<void> {
    if (!this.draining && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Writes what is queued, the last chunk and the summary (schemas, channels, statistics, chunk indexes), syncs
   * and closes the file. Resolves with the final counters. Rejects with a RecorderError if any disk error
   * happened: the file then ends at the last complete chunk (still readable, see reader.ts). Idempotent.
   */
  close(): Promise<RecorderCounters> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<RecorderCounters> {
    await this.idle();
    if (!this.failed) {
      try {
        await this.writer.end();
      } catch (err) {
        this.diskError(err);
      }
    }
    try {
      await this.sink.close();
    } catch (err) {
      this.diskError(err);
    }
    const counters = this.counters;
    if (counters.diskErrors > 0) {
      throw new RecorderError(
        `recording ${this.path} is incomplete after ${counters.diskErrors} disk error(s) (last: ${counters.lastError}); ` +
        `${counters.recorded} messages recorded, ${counters.writeFailed} lost`, counters);
    }
    return counters;
  }

  private refuse(kind: RefusalKind, reason: string | null): false {
    this.counts[kind]++;
    this.counts.errors++;
    if (reason !== null) this.counts.lastError = reason;
    return false;
  }

  private diskError(err: unknown): void {
    this.failed = true;
    this.counts.diskErrors++;
    this.counts.lastError = `disk: ${(err as Error)?.message ?? String(err)}`;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue; // swap instead of shift(): O(1) per message however long the queue
        this.queue = [];
        for (const m of batch) {
          this.pendingBytes -= m.data.byteLength;
          if (this.failed) {
            this.refuse('writeFailed', null);
            continue;
          }
          try {
            await this.write(m);
            this.counts.recorded++;
          } catch (err) {
            this.diskError(err);
            this.refuse('writeFailed', null);
          }
        }
      }
    } finally {
      this.draining = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async write(m: Pending): Promise<void> {
    let channelId = this.channelIds.get(m.channel);
    if (channelId === undefined) {
      channelId = await this.writer.registerChannel({
        topic: m.channel, schemaId: this.schemaId, messageEncoding: MESSAGE_ENCODING,
        metadata: new Map([['direction', m.role.direction], ['transport', m.role.transport]]),
      });
      this.channelIds.set(m.channel, channelId);
    }
    await this.writer.addMessage({
      channelId, sequence: m.sequence, logTime: m.logTime, publishTime: m.publishTime, data: m.data,
    });
  }
}
