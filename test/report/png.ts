// A minimal PNG reader for tests: checks the signature and every chunk's CRC, inflates IDAT and undoes the row
// filters, for 8-bit non-interlaced greyscale/RGB/RGBA (what Chromium's screenshots are).
import { inflateSync } from 'node:zlib';

// zlib.crc32 only exists from Node 20.15; the project allows any Node 20.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Png {
  width: number;
  height: number;
  /** Bytes per pixel: 1 (grey), 2 (grey+alpha), 3 (RGB), 4 (RGBA). */
  channels: number;
  /** Unfiltered pixel rows, `width * channels` bytes each, no filter bytes. */
  pixels: Buffer;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(buf: Buffer): Png {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG (bad signature)');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (off + 12 <= buf.length && !ended) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== crc) throw new Error(`PNG chunk ${type} at ${off}: bad CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9] ?? -1;
      const interlace = data[12];
      if (depth !== 8 || interlace !== 0 || !(colour in CHANNELS)) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
      channels = CHANNELS[colour] ?? 0;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  if (!ended || width === 0 || idat.length === 0) throw new Error('truncated PNG (no IHDR, IDAT or IEND)');
  return { width, height, channels, pixels: unfilter(inflateSync(Buffer.concat(idat)), width, height, channels) };
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? (out[row + x - bpp] ?? 0) : 0;
      const b = y > 0 ? (out[prev + x] ?? 0) : 0;
      const c = x >= bpp && y > 0 ? (out[prev + x - bpp] ?? 0) : 0;
      const v = raw[src + x] ?? 0;
      let p: number;
      switch (filter) {
        case 0: p = v; break;
        case 1: p = v + a; break;
        case 2: p = v + b; break;
        case 3: p = v + ((a + b) >> 1); break;
        case 4: p = v + paeth(a, b, c); break;
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[row + x] = p & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The RGB of pixel i (grey is repeated; alpha ignored: screenshots are opaque). */
export function rgbAt(png: Png, i: number): [number, number, number] {
  const o = i * png.channels;
  const p = png.pixels;
  if (png.channels <= 2) {
    const g = p[o] ?? 0;
    return [g, g, g];
  }
  return [p[o] ?? 0, p[o + 1] ?? 0, p[o + 2] ?? 0];
}

export interface PixelStats {
  /** Share of pixels differing from the most common colour (the page background) by more than a little. */
  inkRatio: number;
  distinctColours: number;
  /** Variance of luma over all pixels (0 for a blank image). */
  lumaVariance: number;
  /** How many pixels have each of the colours asked for (±3 per channel). */
  hits: Map<string, number>;
}

export function pixelStats(png: Png, lookFor: readonly string[] = []): PixelStats {
  const n = png.width * png.height;
  const counts = new Map<number, number>();
  const targets = lookFor.map((hex) => ({ hex, rgb: [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) }));
  const hits = new Map<string, number>(lookFor.map((h) => [h, 0]));
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = rgbAt(png, i);
    const key = (r << 16) | (g << 8) | b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += luma;
    sumSq += luma * luma;
    for (const t of targets) {
      if (Math.abs(r - (t.rgb[0] ?? 0)) <= 3 && Math.abs(g - (t.rgb[1] ?? 0)) <= 3 && Math.abs(b - (t.rgb[2] ?? 0)) <= 3) {
        hits.set(t.hex, (hits.get(t.hex) ?? 0) + 1);
      }
    }
  }
  let bg = 0;
  let bgCount = -1;
  for (const [k, c] of counts) if (c > bgCount) [bg, bgCount] = [k, c];
  let ink = 0;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = rgbAt(png, i);
    if (Math.abs(r - (bg >> 16)) + Math.abs(g - ((bg >> 8) & 0xff)) + Math.abs(b - (bg & 0xff)) > 24) ink++;
  }
  const mean = sum / n;
  return { inkRatio: ink / n, distinctColours: counts.size, lumaVariance: sumSq / n - mean * mean, hits };
}
