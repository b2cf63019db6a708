// Helpers for tests that open real sockets on loopback: ports, ipc paths, and waiting on transports.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { filter, firstValueFrom, throwError, timeout, type Observable } from 'rxjs';
import type { Transport } from '../../shared/transport/types.js';

export { freePort } from '../../shared/net/ports.js';

/** Resolves once something accepts TCP connections on host:port; rejects after timeoutMs. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh ipc:// endpoint in the temp dir (short: unix socket paths are limited to ~107 bytes). */
export function tempIpcEndpoint(name = 'iaad'): string {
  return `ipc://${path.join(os.tmpdir(), `${name}-${process.pid}-${randomBytes(4).toString('hex')}.sock`)}`;
}

// ---- waiting on transports ------------------------------------------------------------------------------------

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first value of obs within timeoutMs, else rejects naming what was awaited. */
export function nextValue<T>(obs: Observable<T>, timeoutMs = 2_000, what = 'message'): Promise<T> {
  return firstValueFrom(obs.pipe(timeout({ first: timeoutMs, with: () => throwError(() => new Error(`no ${what} within ${timeoutMs} ms`)) })));
}

/**
 * Subscribes to obs, then calls send() every intervalMs until obs emits. For "is the path up yet" questions that
 * have no event: ZeroMQ's slow joiner, a subscription still on its way to the broker, a reconnect in progress.
 */
export async function sendUntilReceived<T>(obs: Observable<T>, send: () => unknown, timeoutMs = 5_000, intervalMs = 20): Promise<T> {
  const got = nextValue(obs, timeoutMs, `message after resending for ${timeoutMs} ms`);
  const timer = setInterval(() => void send(), intervalMs);
  void send();
  try {
    return await got;
  } finally {
    clearInterval(timer);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/**
 * Round trips of n small messages: `from` publishes on pingTopic, `to` echoes on pongTopic. Returns RTTs in ms.
 * The first exchange (path warm-up) is not measured.
 */
export async function pingPong(from: Transport, to: Transport, pingTopic: string, pongTopic: string, n = 50): Promise<number[]> {
  const echo = to.subscribe(pingTopic).subscribe((m) => void to.publish(pongTopic, m.payload, { qos: 0 }));
  const pongs = from.subscribe(pongTopic);
  // Hold one observer throughout: otherwise the refcount drops to 0 between rounds and every round pays
  // (and races) an UNSUBSCRIBE/SUBSCRIBE.
  const hold = pongs.subscribe();
  try {
    const probe = new Uint8Array([0xff, 0, 0, 0]);
    await sendUntilReceived(pongs, () => from.publish(pingTopic, probe, { qos: 0 }));
    await delay(50); // let resent probes drain so they are not taken for answers
    const rtts: number[] = [];
    for (let i = 0; i < n; i++) {
      const payload = new Uint8Array(64);
      new DataView(payload.buffer).setUint32(0, i);
      const answer = nextValue(pongs.pipe(filter((m) => m.payload[0] === 0 && new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0) === i)));
      const t0 = performance.now();
      await from.publish(pingTopic, payload, { qos: 0 });
      await answer;
      rtts.push(performance.now() - t0);
    }
    return rtts;
  } finally {
    hold.unsubscribe();
    echo.unsubscribe();
  }
}
