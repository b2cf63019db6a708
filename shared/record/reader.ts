// Reads a recording back in log-time order (ties in file order, i.e. the order record() was called), so a
// replay is deterministic. A cleanly closed file is read through its summary and chunk indexes (streaming,
// any size); a file without a summary (crash, power cut, still being written) is scanned up to its last
// complete chunk, held in memory and sorted.
import { McapIndexedReader, McapStreamReader, type TypedMcapRecords } from '@mcap/core';
import type { Envelope } from '../model/types.js';
import { decodeEnvelope } from '../wire/codec.js';
import { channelRole, type Direction } from './channels.js';
import { FileReadable } from './file-io.js';
import { RECORDING_METADATA_NAME } from './recorder.js';
import { ENVELOPE_SCHEMA_NAME, MESSAGE_ENCODING } from './schema.js';

export interface RecordedMessage {
  channel: string;
  direction: Direction;
  transport: string;
  /** Arrival (rx) or production (tx) time, ns since epoch, recording host's clock. */
  logTimeNs: number;
  /** Sender's publish time as recorded, ns since epoch (defaults to logTimeNs). */
  publishTimeNs: number;
  /** Per-channel sequence assigned by record(); a gap means the recorder dropped messages there. */
  sequence: number;
  /** Exactly the recorded bytes: one encoded iaad.v1.Envelope. */
  bytes: Uint8Array;
  /** Decoded with decodeEnvelope; null when the bytes do not decode (malformed input is recorded as received). */
  envelope: Envelope | null;
  decodeError: string | null;
  /** The channel's MCAP metadata (direction, transport). */
  metadata: Readonly<Record<string, string>>;
}

export interface ReadOptions {
  /** Only these channels (exact names). */
  channels?: readonly string[];
  /** Decode each Envelope (default true); false leaves envelope null, for callers that only need bytes. */
  decode?: boolean;
}

export interface ChannelSummary {
  channel: string;
  direction: Direction;
  transport: string;
  messageCount: number;
  schemaName: string;
  messageEncoding: string;
  metadata: Readonly<Record<string, string>>;
}

export interface RecordingInfo {
  path: string;
  sizeBytes: number;
  /** True if the file was closed cleanly (summary and footer); false if it is read up to its last complete chunk. */
  complete: boolean;
  /** For an incomplete file: why reading stopped (truncated record, CRC mismatch, ...); null otherwise. */
  stopReason: string | null;
  profile: string;
  library: string;
  /** The 'iaad.recording' metadata written by the recorder. */
  metadata: Record<string, string>;
  messageCount: number;
  /** Smallest and largest log time, ns; null for a recording without messages. */
  startTimeNs: number | null;
  endTimeNs: number | null;
  channels: ChannelSummary[];
}

type McapMessage = TypedMcapRecords['Message'];
type McapChannel = TypedMcapRecords['Channel'];
type McapSchema = TypedMcapRecords['Schema'];

interface ChannelEntry {
  name: string;
  direction: Direction;
  transport: string;
  schemaName: string;
  messageEncoding: string;
  metadata: Readonly<Record<string, string>>;
  decodable: boolean;
}

function channelEntry(c: McapChannel, schemas: ReadonlyMap<number, McapSchema>): ChannelEntry {
  const metadata = Object.freeze(Object.fromEntries(c.metadata));
  // Metadata says what the recorder meant; the name is the fallback for files from other writers.
  const fromName = channelRole(c.topic);
  const direction: Direction = metadata.direction === 'rx' || metadata.direction === 'tx'
    ? metadata.direction : fromName?.direction ?? 'rx';
  const transport = metadata.transport ?? fromName?.transport ?? 'unknown';
  const schemaName = schemas.get(c.schemaId)?.name ?? '';
  return {
    name: c.topic, direction, transport, schemaName, messageEncoding: c.messageEncoding, metadata,
    decodable: schemaName === ENVELOPE_SCHEMA_NAME && c.messageEncoding === MESSAGE_ENCODING,
  };
}

function toRecorded(m: McapMessage, channels: ReadonlyMap<number, ChannelEntry>, decode: boolean): RecordedMessage {
  const c = channels.get(m.channelId);
  if (!c) throw new Error(`message on unknown channel id ${m.channelId}`);
  let envelope: Envelope | null = null;
  let decodeError: string | null = null;
  if (!c.decodable) {
    decodeError = `channel ${c.name} carries ${c.schemaName || 'no schema'}/${c.messageEncoding}, not ${ENVELOPE_SCHEMA_NAME}`;
  } else if (decode) {
    try {
      envelope = decodeEnvelope(m.data);
    } catch (err) {
      decodeError = (err as Error).message;
    }
  }
  return {
    channel: c.name, direction: c.direction, transport: c.transport,
    logTimeNs: Number(m.logTime), publishTimeNs: Number(m.publishTime), sequence: m.sequence,
    bytes: m.data, envelope, decodeError, metadata: c.metadata,
  };
}

/** The indexed reader, or null if the file has no usable summary (then it must be scanned). */
async function openIndexed(file: FileReadable): Promise<McapIndexedReader | null> {
  try {
    const reader = await McapIndexedReader.Initialize({ readable: file });
    // A summary without chunk indexes (another writer's choice) cannot locate messages: scan instead.
    const hasMessages = reader.statistics ? reader.statistics.messageCount > 0n : true;
    return reader.chunkIndexes.length === 0 && hasMessages ? null : reader;
  } catch {
    return null; // no footer/summary: cut short, or not MCAP at all (the scan tells which)
  }
}

function indexedChannels(reader: McapIndexedReader): Map<number, ChannelEntry> {
  const out = new Map<number, ChannelEntry>();
  for (const [id, c] of reader.channelsById) out.set(id, channelEntry(c, reader.schemasById));
  return out;
}

interface ScanResult {
  header: TypedMcapRecords['Header'];
  channels: Map<number, ChannelEntry>;
  metadata: Record<string, string>;
  complete: boolean;
  stopReason: string | null;
}

/**
 * Reads records front to back, calling onMessage in file order, until the footer or the end of the readable
 * data. Whatever follows the last complete record (a torn chunk, a bad CRC) ends the scan without an error.
 */
async function scan(file: FileReadable, path: string, onMessage: (m: McapMessage) => void): Promise<ScanResult> {
  const reader = new McapStreamReader({ validateCrcs: true });
  const schemas = new Map<number, McapSchema>();
  const channels = new Map<number, ChannelEntry>();
  const metadata: Record<string, string> = {};
  let header: TypedMcapRecords['Header'] | undefined;
  let stopReason: string | null = null;
  pieces: for await (const piece of file.pieces()) {
    reader.append(piece);
    try {
      for (let r = reader.nextRecord(); r; r = reader.nextRecord()) {
        switch (r.type) {
          case 'Header': header = r; break;
          case 'Schema': schemas.set(r.id, r); break;
          case 'Channel': channels.set(r.id, channelEntry(r, schemas)); break;
          case 'Message': onMessage(r); break;
          case 'Metadata': if (r.name === RECORDING_METADATA_NAME) Object.assign(metadata, Object.fromEntries(r.metadata)); break;
          default: break;
        }
      }
    } catch (err) {
      if (!header) throw new Error(`${path} is not an MCAP file: ${(err as Error).message}`);
      stopReason = `unreadable data after the last complete record: ${(err as Error).message}`;
      break pieces;
    }
    if (reader.done()) break;
  }
  if (!header) throw new Error(`${path} is not an MCAP file (no header)`);
  const complete = reader.done();
  if (!complete && stopReason === null) {
    stopReason = reader.bytesRemaining() > 0
      ? `truncated: the last ${reader.bytesRemaining()} bytes are an incomplete record`
      : 'truncated at a record boundary (no footer)';
  }
  return { header, channels, metadata, complete, stopReason };
}

const byLogTime = (a: McapMessage, b: McapMessage): number => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0);

/**
 * Every message of a recording in log-time order; equal log times keep file order (Array.prototype.sort and
 * the indexed reader's merge are both stable). Closing the iteration early closes the file.
 */
export async function* readRecording(path: string, options: ReadOptions = {}): AsyncGenerator<RecordedMessage, void, void> {
  const decode = options.decode ?? true;
  const wanted = options.channels ? new Set(options.channels) : null;
  const file = await FileReadable.open(path);
  try {
    const indexed = await openIndexed(file);
    if (indexed) {
      const channels = indexedChannels(indexed);
      const topics = options.channels ? [...options.channels] : undefined;
      for await (const m of indexed.readMessages({ ...(topics ? { topics } : {}), validateCrcs: true })) {
        yield toRecorded(m, channels, decode);
      }
      return;
    }
    const messages: McapMessage[] = [];
    const { channels } = await scan(file, path, (m) => messages.push(m));
    const selected = wanted
      ? messages.filter((m) => wanted.has(channels.get(m.channelId)?.name ?? ''))
      : messages;
    selected.sort(byLogTime);
    for (const m of selected) yield toRecorded(m, channels, decode);
  } finally {
    await file.close();
  }
}

/** All messages at once (see readRecording). */
export async function readAll(path: string, options: ReadOptions = {}): Promise<RecordedMessage[]> {
  const out: RecordedMessage[] = [];
  for await (const m of readRecording(path, options)) out.push(m);
  return out;
}

/** Channels, message counts, time range and metadata, from the summary when there is one. */
export async function recordingInfo(path: string): Promise<RecordingInfo> {
  const file = await FileReadable.open(path);
  try {
    const sizeBytes = Number(await file.size());
    const counts = new Map<number, number>();
    let start: bigint | null = null;
    let end: bigint | null = null;
    const count = (m: Pick<McapMessage, 'channelId' | 'logTime'>): void => {
      counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
      if (start === null || m.logTime < start) start = m.logTime;
      if (end === null || m.logTime > end) end = m.logTime;
    };
    let channels: Map<number, ChannelEntry>;
    let header: TypedMcapRecords['Header'];
    let metadata: Record<string, string> = {};
    let complete = true;
    let stopReason: string | null = null;
    const indexed = await openIndexed(file);
    if (indexed) {
      channels = indexedChannels(indexed);
      header = indexed.header;
      for await (const m of indexed.readMetadata({ name: RECORDING_METADATA_NAME })) {
        metadata = { ...metadata, ...Object.fromEntries(m.metadata) };
      }
      const stats = indexed.statistics;
      if (stats) {
        for (const [id, n] of stats.channelMessageCounts) counts.set(id, Number(n));
        if (stats.messageCount > 0n) [start, end] = [stats.messageStartTime, stats.messageEndTime];
      } else {
        for await (const m of indexed.readMessages({ validateCrcs: true })) count(m);
      }
    } else {
      ({ channels, header, metadata, complete, stopReason } = await scan(file, path, count));
    }
    const summaries: ChannelSummary[] = [...channels].map(([id, c]) => ({
      channel: c.name, direction: c.direction, transport: c.transport, messageCount: counts.get(id) ?? 0,
      schemaName: c.schemaName, messageEncoding: c.messageEncoding, metadata: c.metadata,
    }));
    return {
      path, sizeBytes, complete, stopReason, profile: header.profile, library: header.library, metadata,
      messageCount: summaries.reduce((n, c) => n + c.messageCount, 0),
      startTimeNs: start === null ? null : Number(start), endTimeNs: end === null ? null : Number(end),
      channels: summaries,
    };
  } finally {
    await file.close();
  }
}
