import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import {
  channelForTopic, FileReadable, FileSink, fusedOutputChannel, McapRecorder, ownFrameChannel, readAll,
  readRecording, recordingInfo, RecorderError, rsuAdvisoryChannel, rsuFrameChannel, syncRequestChannel,
  syncResponseChannel, vehicleIntentChannel, type RecordSink,
} from '../../shared/record/index.js';
import { envelopeSchema } from '../../shared/record/schema.js';
import { frameTopic } from '../../shared/transport/topics.js';
import { decodeEnvelope } from '../../shared/wire/codec.js';
import type { Payload } from '../../shared/model/types.js';
import {
  advisoryPayload, envelope, framePayload, intentPayload, syncRequestPayload, syncResponsePayload, T0_NS, tempDir,
} from './fixtures.js';

/** A plain Uint8Array copy: protobufjs hands out Buffers, and deepEqual compares prototypes. */
const plain = (b: Uint8Array): Uint8Array => Uint8Array.from(b);

const MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a];

interface Sent {
  channel: string;
  bytes: Uint8Array;
  payload: Payload;
  logTimeNs: number;
  publishTimeNs: number;
}

/** A vehicle's view of 2 s of traffic: dual-path RSU frames, advisories, sync, own perception and outputs. */
function vehicleTraffic(): Sent[] {
  const out: Sent[] = [];
  const add = (channel: string, payload: Payload, logTimeNs: number, publishTimeNs = logTimeNs): void => {
    out.push({ channel, bytes: envelope(channel.includes('/vehicle/') ? 'veh-1' : 'rsu-1', payload), payload, logTimeNs, publishTimeNs });
  };
  for (let i = 0; i < 20; i++) {
    const t = T0_NS + i * 100_000_000;
    const rsuFrame = framePayload('rsu-1', i, t - 30_000_000, 4);
    add(rsuFrameChannel('rsu-1', 'mqtt'), rsuFrame, t + 7_000_000, t - 10_000_000);
    add(rsuFrameChannel('rsu-1', 'zmq'), rsuFrame, t + 2_000_000, t - 10_000_000); // the faster path, logged after
    add(ownFrameChannel('veh-1'), framePayload('veh-1', i, t - 5_000_000, 2), t + 1_000_000);
    add(fusedOutputChannel('veh-1'), framePayload('veh-1', i, t, 5), t + 9_000_000);
    if (i % 5 === 0) {
      add(vehicleIntentChannel('veh-1'), intentPayload('veh-1', i, t), t + 3_000_000);
      add(syncRequestChannel('rsu-1'), syncRequestPayload('veh-1', i, t), t + 4_000_000);
      add(syncResponseChannel('rsu-1', 'veh-1', 'mqtt'), syncResponsePayload('rsu-1', 'veh-1', i, t), t + 6_000_000);
      add(rsuAdvisoryChannel('rsu-1', 'veh-1', 'mqtt'), advisoryPayload('rsu-1', 'veh-1', i, t), t + 8_000_000);
    }
  }
  return out;
}

/** Stable sort by log time: the order every reader path must produce. */
const byLogTime = <T extends { logTimeNs: number }>(xs: readonly T[]): T[] =>
  xs.map((x, i) => ({ x, i })).sort((a, b) => a.x.logTimeNs - b.x.logTimeNs || a.i - b.i).map(({ x }) => x);

async function recordAll(path: string, sent: readonly Sent[], chunkSizeBytes?: number): Promise<void> {
  const rec = await McapRecorder.open(path, {
    profile: 'iaad', metadata: { role: 'vehicle', vehicleId: 'veh-1' }, ...(chunkSizeBytes ? { chunkSizeBytes } : {}),
  });
  for (const s of sent) assert.equal(rec.record(s.channel, s.bytes, s.logTimeNs, s.publishTimeNs), true);
  const counters = await rec.close();
  assert.equal(counters.recorded, sent.length);
  assert.equal(counters.errors, 0);
}

/** Copy of a closed recording without DataEnd, summary and footer: what a crash right after the last chunk leaves. */
async function stripSummary(from: string, to: string): Promise<void> {
  const file = await FileReadable.open(from);
  const reader = await McapIndexedReader.Initialize({ readable: file });
  await file.close();
  await copyFile(from, to);
  await truncate(to, Number(reader.dataEndOffset));
}

/** A sink that fails like a full disk once `limitBytes` would be exceeded (after writing what fits). */
class FullDiskSink implements RecordSink {
  private constructor(private readonly inner: FileSink, private readonly limitBytes: number) {}
  static async create(path: string, limitBytes: number): Promise<FullDiskSink> {
    return new FullDiskSink(await FileSink.create(path), limitBytes);
  }
  async write(buffer: Uint8Array): Promise<void> {
    const room = this.limitBytes - Number(this.inner.position());
    if (buffer.byteLength <= room) return this.inner.write(buffer);
    if (room > 0) await this.inner.write(buffer.subarray(0, room));
    throw Object.assign(new Error('ENOSPC: no space left on device, write (simulated)'), { code: 'ENOSPC' });
  }
  position(): bigint {
    return this.inner.position();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A sink whose writes wait until release(): a disk slower than the input. */
class SlowSink implements RecordSink {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  private constructor(private readonly inner: FileSink) {}
  static async create(path: string): Promise<SlowSink> {
    return new SlowSink(await FileSink.create(path));
  }
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
  }
  async write(buffer: Uint8Array): Promise<void> {
    await this.gate;
    return this.inner.write(buffer);
  }
  position(): bigint {
    return this.inner.position();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('record/recorder and reader', function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => tmp.cleanup());

  it('round-trips real Envelopes over many channels: bytes, times, decoded payloads, channel metadata', async () => {
    const path = tmp.file('roundtrip.mcap');
    const sent = vehicleTraffic();
    await recordAll(path, sent);
    const got = await readAll(path);
    assert.equal(got.length, sent.length);
    const expected = byLogTime(sent);
    const seq = new Map<string, number>();
    const callOrderSeq = new Map<Sent, number>();
    for (const s of sent) {
      const n = seq.get(s.channel) ?? 0;
      callOrderSeq.set(s, n);
      seq.set(s.channel, n + 1);
    }
    got.forEach((m, i) => {
      const e = expected[i]!;
      assert.equal(m.channel, e.channel);
      assert.equal(m.logTimeNs, e.logTimeNs);
      assert.equal(m.publishTimeNs, e.publishTimeNs);
      assert.deepEqual(plain(m.bytes), plain(e.bytes));
      assert.equal(m.decodeError, null);
      assert.deepEqual(m.envelope, decodeEnvelope(e.bytes));
      assert.deepEqual(m.envelope!.payload, e.payload);
      assert.equal(m.sequence, callOrderSeq.get(e));
      const rx = e.channel.includes('@');
      assert.equal(m.direction, rx ? 'rx' : 'tx');
      assert.equal(m.transport, rx ? e.channel.split('@')[1] : 'local');
      assert.deepEqual({ ...m.metadata }, { direction: m.direction, transport: m.transport });
    });

    const info = await recordingInfo(path);
    assert.equal(info.complete, true);
    assert.equal(info.stopReason, null);
    assert.equal(info.profile, 'iaad');
    assert.match(info.library, /^iaad-record; mcap-typescript\//);
    assert.deepEqual(info.metadata, { role: 'vehicle', vehicleId: 'veh-1', 'iaad.wire_version': '1' });
    assert.equal(info.messageCount, sent.length);
    assert.equal(info.startTimeNs, expected[0]!.logTimeNs);
    assert.equal(info.endTimeNs, expected.at(-1)!.logTimeNs);
    assert.equal(info.sizeBytes, (await stat(path)).size);
    assert.deepEqual(
      info.channels.map((c) => [c.channel, c.messageCount, c.direction, c.transport, c.schemaName, c.messageEncoding]).sort(),
      [...seq].map(([c, n]) => [c, n, c.includes('@') ? 'rx' : 'tx', c.includes('@') ? c.split('@')[1] : 'local',
        'iaad.v1.Envelope', 'protobuf']).sort());
  });

  it('keeps exact ns times: > 2^53 epochs, 0, fractions rounded; publish time defaults to log time', async () => {
    const path = tmp.file('times.mcap');
    const bytes = envelope('rsu-1', syncRequestPayload('veh-1', 1, 5));
    const times = [T0_NS, T0_NS + 256, 2 ** 63, 0, 1, 1234.4, 1234.6, Number.MAX_SAFE_INTEGER];
    const rec = await McapRecorder.open(path);
    times.forEach((t, i) => rec.record(`/t/${i}@memory`, bytes, t));
    await rec.close();
    const got = await readAll(path);
    const byChannel = new Map(got.map((m) => [m.channel, m]));
    times.forEach((t, i) => {
      const m = byChannel.get(`/t/${i}@memory`)!;
      assert.equal(m.logTimeNs, Math.round(t), `time ${t}`);
      assert.equal(m.publishTimeNs, Math.round(t));
    });
  });

  it('orders by log time with interleaved, non-monotonic channels; ties keep call order (indexed and scanned)', async () => {
    const channels = ['/rsu/a/frame@mqtt', '/rsu/a/frame@zmq', '/rsu/b/frame@mqtt', '/vehicle/v/output'];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ c: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 150 }),
      fc.integer({ min: 100, max: 3000 }),
      async (items, chunkSizeBytes) => {
        const path = tmp.file(`order-${Math.random().toString(36).slice(2)}.mcap`);
        // Each message is a distinct Envelope (sync request with sequence = call index) so it can be identified.
        const sent: Sent[] = items.map(({ c, t }, i) => {
          const payload = syncRequestPayload('veh-1', i, T0_NS);
          const logTimeNs = T0_NS + t * 1_000_000;
          return { channel: channels[c]!, bytes: envelope('veh-1', payload), payload, logTimeNs, publishTimeNs: logTimeNs };
        });
        await recordAll(path, sent, chunkSizeBytes);
        const expected = byLogTime(sent).map((s) => `${s.channel}#${(s.payload as { syncRequest: { sequence: number } }).syncRequest.sequence}`);
        const ids = (ms: Awaited<ReturnType<typeof readAll>>): string[] =>
          ms.map((m) => `${m.channel}#${m.envelope?.payload.kind === 'syncRequest' ? m.envelope.payload.syncRequest.sequence : -1}`);
        assert.deepEqual(ids(await readAll(path)), expected);
        const stripped = `${path}.nosummary`;
        await stripSummary(path, stripped);
        assert.equal((await recordingInfo(stripped)).complete, false);
        assert.deepEqual(ids(await readAll(stripped)), expected);
        // The channel filter gives the same subsequence on both paths.
        const only = [channels[1]!, channels[3]!];
        const sub = expected.filter((id) => only.some((c) => id.startsWith(`${c}#`)));
        assert.deepEqual(ids(await readAll(path, { channels: only })), sub);
        assert.deepEqual(ids(await readAll(stripped, { channels: only })), sub);
      }), { numRuns: 25, seed: 20251128 });
  });

  it('writes valid MCAP: magic, header, indexed summary with statistics, CRCs, and the Envelope schema', async () => {
    const path = tmp.file('valid.mcap');
    const sent = vehicleTraffic();
    await recordAll(path, sent, 4096);
    const bytes = new Uint8Array(await readFile(path));
    assert.deepEqual([...bytes.subarray(0, 8)], MAGIC);
    assert.deepEqual([...bytes.subarray(bytes.length - 8)], MAGIC);

    const file = await FileReadable.open(path);
    try {
      const r = await McapIndexedReader.Initialize({ readable: file }); // checks the summary CRC
      assert.equal(r.header.profile, 'iaad');
      assert.ok(r.footer.summaryStart > 0n && r.footer.summaryOffsetStart > 0n);
      assert.notEqual(r.footer.summaryCrc, 0);
      assert.notEqual(r.dataSectionCrc, 0);
      const stats = r.statistics!;
      assert.equal(stats.messageCount, BigInt(sent.length));
      assert.equal(stats.schemaCount, 1);
      assert.equal(stats.channelCount, new Set(sent.map((s) => s.channel)).size);
      assert.equal(stats.metadataCount, 1);
      assert.ok(stats.chunkCount > 1, `${stats.chunkCount} chunks`);
      assert.equal(r.chunkIndexes.length, stats.chunkCount);
      assert.equal(r.metadataIndexes.length, 1);
      assert.equal(r.schemasById.size, 1);
      const schema = [...r.schemasById.values()][0]!;
      assert.equal(schema.name, 'iaad.v1.Envelope');
      assert.equal(schema.encoding, 'protobuf');
      assert.deepEqual(plain(schema.data), plain(envelopeSchema().data));
      for (const c of r.channelsById.values()) {
        assert.equal(c.schemaId, schema.id);
        assert.equal(c.messageEncoding, 'protobuf');
        assert.deepEqual([...c.metadata.keys()].sort(), ['direction', 'transport']);
      }
      let n = 0;
      for await (const m of r.readMessages({ validateCrcs: true })) n += m.data.byteLength > 0 ? 1 : 0;
      assert.equal(n, sent.length);
    } finally {
      await file.close();
    }

    // The streaming reader walks every record, validating chunk CRCs, and ends on the footer.
    const stream = new McapStreamReader({ validateCrcs: true });
    stream.append(bytes);
    const types = new Map<string, number>();
    for (let rec = stream.nextRecord(); rec; rec = stream.nextRecord()) types.set(rec.type, (types.get(rec.type) ?? 0) + 1);
    assert.equal(stream.done(), true);
    assert.equal(types.get('Header'), 1);
    assert.equal(types.get('Message'), sent.length);
    assert.equal(types.get('DataEnd'), 1);
    assert.equal(types.get('Footer'), 1);
    assert.ok((types.get('ChunkIndex') ?? 0) > 1 && (types.get('Statistics') ?? 0) === 1 && (types.get('SummaryOffset') ?? 0) > 0);
  });

  it('reads a truncated file up to its last complete chunk, at every cut point', async () => {
    const path = tmp.file('full.mcap');
    const sent = Array.from({ length: 400 }, (_, i): Sent => {
      const payload = framePayload('rsu-1', i, T0_NS + i * 50_000_000, 2);
      // Two channels, log times slightly out of call order within each pair.
      return { channel: i % 2 ? '/rsu/rsu-1/frame@zmq' : '/rsu/rsu-1/frame@mqtt', bytes: envelope('rsu-1', payload), payload,
        logTimeNs: T0_NS + i * 50_000_000 - (i % 2) * 60_000_000, publishTimeNs: T0_NS + i * 50_000_000 };
    });
    await recordAll(path, sent, 8 * 1024);
    const full = await readFile(path);
    const file = await FileReadable.open(path);
    const { dataEndOffset } = await McapIndexedReader.Initialize({ readable: file });
    await file.close();

    const cut = tmp.file('cut.mcap');
    let previous = 0;
    const cuts = [200, 1000, 3000];
    for (let at = 4000; at < full.length; at += Math.floor(full.length / 37)) cuts.push(at);
    cuts.push(Number(dataEndOffset) - 1, Number(dataEndOffset), full.length - 1);
    for (const at of cuts) {
      await writeFile(cut, full.subarray(0, at));
      const got = await readAll(cut);
      // What is readable is a prefix of the calls (chunks hold messages in call order), sorted by log time.
      const k = got.length;
      assert.ok(k >= previous, `cut ${at}: ${k} < ${previous}`);
      previous = k;
      assert.deepEqual(got.map((m) => [m.channel, m.logTimeNs]), byLogTime(sent.slice(0, k)).map((s) => [s.channel, s.logTimeNs]), `cut ${at}`);
      got.forEach((m) => assert.equal(m.decodeError, null));
      const info = await recordingInfo(cut);
      assert.equal(info.complete, false);
      assert.ok(info.stopReason, `cut ${at}`);
      assert.equal(info.messageCount, k);
      assert.equal(info.metadata.role, 'vehicle', 'metadata follows the header, so it survives');
      if (at >= Number(dataEndOffset) - 1) assert.equal(k, sent.length, `cut ${at}: every chunk is complete`);
    }
    assert.ok(previous === sent.length);
    await writeFile(cut, full.subarray(0, Math.floor(full.length / 2)));
    const some = await readAll(cut);
    assert.ok(some.length > 0 && some.length < sent.length, `half a file gives part of it (${some.length})`);

    // Too short to hold a header, or not MCAP at all: an error, not an empty recording.
    for (const bad of [full.subarray(0, 0), full.subarray(0, 5), Buffer.from('not an mcap file at all, no magic')]) {
      await writeFile(cut, bad);
      await assert.rejects(readAll(cut), /not an MCAP file/);
    }
  });

  it('stops at a corrupt chunk (CRC mismatch) instead of returning garbage', async () => {
    const path = tmp.file('corrupt-src.mcap');
    const sent = Array.from({ length: 200 }, (_, i): Sent => {
      const payload = framePayload('rsu-1', i, T0_NS + i, 2);
      return { channel: '/rsu/rsu-1/frame@mqtt', bytes: envelope('rsu-1', payload), payload, logTimeNs: T0_NS + i * 1e6, publishTimeNs: T0_NS };
    });
    await recordAll(path, sent, 4096);
    const file = await FileReadable.open(path);
    const r = await McapIndexedReader.Initialize({ readable: file });
    await file.close();
    const third = r.chunkIndexes[2]!;
    const bytes = new Uint8Array(await readFile(path)).subarray(0, Number(r.dataEndOffset)); // no summary: scan path
    bytes[Number(third.chunkStartOffset + third.chunkLength) - 10]! ^= 0xff; // inside the third chunk's records
    const corrupt = tmp.file('corrupt.mcap');
    await writeFile(corrupt, bytes);
    const got = await readAll(corrupt);
    const firstTwo = r.chunkIndexes.slice(0, 2);
    assert.ok(got.length > 0);
    assert.ok(got.every((m) => m.logTimeNs <= Number(firstTwo[1]!.messageEndTime)));
    assert.deepEqual(got.map((m) => plain(m.bytes)), sent.slice(0, got.length).map((s) => plain(s.bytes)));
    assert.match((await recordingInfo(corrupt)).stopReason!, /CRC/);
  });

  it('reads a recording while it is still being written (no summary yet), then all of it after close', async () => {
    const path = tmp.file('live.mcap');
    const rec = await McapRecorder.open(path, { chunkSizeBytes: 16 * 1024 });
    const sent = vehicleTraffic(); // ~40 KiB: some chunks written
    // A last small message always leaves a chunk open, whatever the sizes above add up to.
    const last = sent[sent.length - 1]!;
    const tail = syncRequestPayload('veh-1', 999, last.logTimeNs + 1);
    sent.push({ channel: syncRequestChannel('rsu-1'), bytes: envelope('veh-1', tail), payload: tail, logTimeNs: last.logTimeNs + 1, publishTimeNs: last.logTimeNs + 1 });
    for (const s of sent) rec.record(s.channel, s.bytes, s.logTimeNs, s.publishTimeNs);
    await rec.idle();
    const partial = await readAll(path);
    assert.ok(partial.length > 0 && partial.length < sent.length, `${partial.length} of ${sent.length}`);
    assert.equal((await recordingInfo(path)).complete, false);
    await rec.close();
    assert.equal((await readAll(path)).length, sent.length);
  });

  it('records received transport Messages on their rx channel at their receive time', async () => {
    const path = tmp.file('received.mcap');
    const rec = await McapRecorder.open(path);
    const payload = envelope('rsu-9', framePayload('rsu-9', 1, T0_NS));
    assert.equal(rec.recordReceived({ topic: frameTopic('site-a', 'rsu-9'), payload, transport: 'zmq', receivedAtNs: T0_NS + 5 }), true);
    assert.equal(rec.recordReceived({ topic: 'somewhere/else', payload, transport: 'mqtt', receivedAtNs: T0_NS + 6 }), true);
    await rec.close();
    const got = await readAll(path);
    assert.deepEqual(got.map((m) => [m.channel, m.logTimeNs, m.direction, m.transport]), [
      ['/rsu/rsu-9/frame@zmq', T0_NS + 5, 'rx', 'zmq'],
      [channelForTopic('somewhere/else', 'mqtt'), T0_NS + 6, 'rx', 'mqtt'],
    ]);
  });

  it('keeps undecodable bytes exactly as received and says why they do not decode', async () => {
    const path = tmp.file('garbage.mcap');
    const rec = await McapRecorder.open(path);
    const junk = new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]);
    rec.record('/rsu/rsu-1/frame@mqtt', junk, T0_NS);
    rec.record('/rsu/rsu-1/frame@mqtt', new Uint8Array(0), T0_NS + 1); // decodes, but carries no payload
    await rec.close();
    const [a, b] = await readAll(path);
    assert.deepEqual(plain(a!.bytes), junk);
    assert.equal(a!.envelope, null);
    assert.match(a!.decodeError!, /undecodable envelope/);
    assert.equal(b!.envelope, null);
    assert.match(b!.decodeError!, /wire version|no payload/);
    const raw = await readAll(path, { decode: false });
    assert.deepEqual(raw.map((m) => [m.envelope, m.decodeError]), [[null, null], [null, null]]);
  });

  it('copies the bytes: a caller may reuse its buffer right after record()', async () => {
    const path = tmp.file('reuse.mcap');
    const rec = await McapRecorder.open(path);
    const buf = envelope('rsu-1', framePayload('rsu-1', 1, T0_NS));
    const original = plain(buf); // a copy (Buffer#slice would be a view)
    rec.record('/rsu/rsu-1/frame@mqtt', buf, T0_NS);
    buf.fill(0);
    await rec.close();
    assert.deepEqual(plain((await readAll(path))[0]!.bytes), original);
  });

  it('never throws from record(): bad input and record() after close() are counted', async () => {
    const path = tmp.file('errors.mcap');
    const rec = await McapRecorder.open(path);
    const bytes = envelope('rsu-1', syncRequestPayload('veh-1', 1, 5));
    assert.equal(rec.record('no-leading-slash', bytes, T0_NS), false);
    assert.equal(rec.record('/a@BAD', bytes, T0_NS), false);
    assert.equal(rec.record('/ok@mqtt', bytes, Number.NaN), false);
    assert.equal(rec.record('/ok@mqtt', bytes, -1), false);
    assert.equal(rec.record('/ok@mqtt', bytes, 2 ** 64), false);
    assert.equal(rec.record('/ok@mqtt', bytes, T0_NS, Number.POSITIVE_INFINITY), false);
    assert.equal(rec.record('/ok@mqtt', 'text' as unknown as Uint8Array, T0_NS), false);
    assert.equal(rec.record('/ok@mqtt', bytes, T0_NS), true);
    assert.deepEqual({ ...rec.counters, bytesWritten: 0, lastError: null }, {
      recorded: 0, errors: 7, invalid: 7, afterClose: 0, overflow: 0, writeFailed: 0, diskErrors: 0, bytesWritten: 0, lastError: null,
    });
    const closed = await rec.close();
    assert.equal(closed.recorded, 1);
    assert.equal(rec.close(), rec.close(), 'idempotent');
    assert.doesNotThrow(() => assert.equal(rec.record('/ok@mqtt', bytes, T0_NS + 1), false));
    assert.equal(rec.counters.afterClose, 1);
    assert.equal(rec.counters.errors, 8);
    assert.match(rec.counters.lastError!, /after close/);
    const got = await readAll(path);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.sequence, 5, 'refused calls on a valid channel leave a sequence gap');
  });

  it('survives a full disk: record() keeps returning, counts losses, close() rejects, the file reads to the last good chunk', async () => {
    const path = tmp.file('fulldisk.mcap');
    const rec = await McapRecorder.create(await FullDiskSink.create(path, 12_000), path, { chunkSizeBytes: 2048 });
    const sent = vehicleTraffic();
    let accepted = 0;
    for (const s of [...sent, ...sent]) accepted += rec.record(s.channel, s.bytes, s.logTimeNs, s.publishTimeNs) ? 1 : 0;
    await rec.idle();
    const c = rec.counters;
    assert.equal(c.diskErrors, 1);
    assert.ok(c.recorded > 0 && c.writeFailed > 0, JSON.stringify(c));
    assert.equal(c.recorded + c.writeFailed, accepted);
    assert.match(c.lastError!, /ENOSPC/);
    assert.equal(rec.record(sent[0]!.channel, sent[0]!.bytes, T0_NS), false, 'refused after the disk failed, without throwing');
    const err = await rec.close().then(() => null, (e: unknown) => e);
    assert.ok(err instanceof RecorderError, String(err));
    assert.match(err.message, /incomplete after 1 disk error/);
    assert.equal(err.counters.writeFailed, c.writeFailed + 1);
    const got = await readAll(path);
    assert.ok(got.length > 0 && got.length < c.recorded, `${got.length} readable of ${c.recorded} handed over`);
    const info = await recordingInfo(path);
    assert.equal(info.complete, false);
    assert.equal(info.messageCount, got.length);
  });

  it('bounds memory when the disk is slow: drops beyond maxPendingBytes and counts them', async () => {
    const path = tmp.file('slow.mcap');
    const sink = await SlowSink.create(path);
    const rec = await McapRecorder.create(sink, path, { chunkSizeBytes: 1024, maxPendingBytes: 4096 });
    sink.hold();
    const sent = vehicleTraffic();
    let accepted = 0;
    for (const s of sent) accepted += rec.record(s.channel, s.bytes, s.logTimeNs, s.publishTimeNs) ? 1 : 0;
    assert.ok(rec.counters.overflow > 0 && accepted < sent.length, JSON.stringify(rec.counters));
    assert.equal(accepted + rec.counters.overflow, sent.length);
    sink.release();
    const final = await rec.close();
    assert.equal(final.recorded, accepted);
    assert.equal((await readAll(path)).length, accepted);
  });

  it('refuses to overwrite an existing recording unless asked, and reports an unwritable path at open()', async () => {
    const path = tmp.file('exists.mcap');
    await (await McapRecorder.open(path)).close();
    await assert.rejects(McapRecorder.open(path), /EEXIST/);
    await (await McapRecorder.open(path, { overwrite: true })).close();
    await assert.rejects(McapRecorder.open(tmp.file('no/such/dir.mcap')), /ENOENT/);
    const badMeta = tmp.file('bad-metadata.mcap');
    await assert.rejects(McapRecorder.open(badMeta, { metadata: { n: 1 as unknown as string } }), /must be a string/);
    await assert.rejects(McapRecorder.open(badMeta, { chunkSizeBytes: 0 }), /chunkSizeBytes must be a positive number/);
    assert.equal(existsSync(badMeta), false, 'checked before the file is created');
    if (existsSync('/dev/full')) await assert.rejects(McapRecorder.open('/dev/full', { overwrite: true }), /ENOSPC/);
  });

  it('stops cleanly when the consumer stops iterating early', async () => {
    const path = tmp.file('early.mcap');
    await recordAll(path, vehicleTraffic(), 2048);
    let n = 0;
    for await (const m of readRecording(path)) {
      assert.ok(m.envelope);
      if (++n === 3) break;
    }
    assert.equal(n, 3);
    assert.equal((await readAll(path)).length, vehicleTraffic().length);
  });
});
