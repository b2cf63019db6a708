// The process's own memory, in the periodic stats log lines: what a soak (bench/soak.ts) reads to tell the V8
// heap from the rest of the resident set, which /proc alone cannot show.
export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Buffers and other memory V8 does not own (socket buffers, protobuf bytes). */
  externalBytes: number;
}

export function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external };
}
