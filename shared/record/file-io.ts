// Node fs adapters for @mcap/core's IWritable (append-only writer) and IReadable (random access reader).
import { open, type FileHandle } from 'node:fs/promises';
import type { IReadable, IWritable } from '@mcap/core';

/** Where a recorder writes: an MCAP IWritable that can also be closed (flushed to stable storage). */
export interface RecordSink extends IWritable {
  close(): Promise<void>;
}

export class FileSink implements RecordSink {
  private offsetBytes = 0;
  private closed = false;

  private constructor(private readonly handle: FileHandle) {}

  /** Creates the file; refuses to replace an existing one unless overwrite is set (field data is precious). */
  static async create(path: string, overwrite = false): Promise<FileSink> {
    return new FileSink(await open(path, overwrite ? 'w' : 'wx'));
  }

  async write(buffer: Uint8Array): Promise<void> {
    // The writer reuses its buffer once this resolves, so the whole buffer must be written before returning.
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.byteLength - done, null);
      if (bytesWritten <= 0) throw new Error('write made no progress');
      done += bytesWritten;
      this.offsetBytes += bytesWritten;
    }
  }

  position(): bigint {
    return BigInt(this.offsetBytes);
  }

  /** Flushes to disk before closing: a recording is only worth having if it survives a power cut after close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.handle.datasync();
    } finally {
      await this.handle.close();
    }
  }
}

export class FileReadable implements IReadable {
  private constructor(private readonly handle: FileHandle, private readonly sizeBytes: number) {}

  static async open(path: string): Promise<FileReadable> {
    const handle = await open(path, 'r');
    try {
      return new FileReadable(handle, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Size when opened: a file still being written is read as the prefix that existed then. */
  async size(): Promise<bigint> {
    return BigInt(this.sizeBytes);
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset < 0n || size < 0n || offset + size > BigInt(this.sizeBytes)) {
      throw new Error(`read of ${size} bytes at ${offset} is outside the file (${this.sizeBytes} bytes)`);
    }
    // A fresh buffer per read: the MCAP reader keeps views into returned buffers.
    const out = new Uint8Array(Number(size));
    let done = 0;
    while (done < out.byteLength) {
      const { bytesRead } = await this.handle.read(out, done, out.byteLength - done, Number(offset) + done);
      if (bytesRead === 0) throw new Error(`unexpected end of file at ${Number(offset) + done}`);
      done += bytesRead;
    }
    return out;
  }

  /** Reads [start, end) in pieces of at most pieceBytes: for the stream reader, which needs no random access. */
  async *pieces(pieceBytes = 1 << 20, start = 0, end = this.sizeBytes): AsyncGenerator<Uint8Array, void, void> {
    for (let at = start; at < end; at += pieceBytes) {
      yield await this.read(BigInt(at), BigInt(Math.min(pieceBytes, end - at)));
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
