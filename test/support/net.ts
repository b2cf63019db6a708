// Helpers for tests that open real sockets on loopback: ports, ipc paths, and waiting on transports.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { filter, firstValueFrom, throwError, timeout, type Observable } from 'rxjs';
import type { Transport } from '../../shared/transport/types.js';

export { freePort } from '../../shared/net/ports.js';

/** Resolves once something accepts TCP connections on host:port; rejects after timeoutMs. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
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
// Tests wait for what they need (a message, a state) and never for a fixed time: a slow machine only makes them
// take longer. The time limits below are safety nets that name what never came, not expectations.

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first value of obs within timeoutMs, else rejects naming what was awaited. */
export function nextValue<T>(obs: Observable<T>, timeoutMs = 5_000, what = 'message'): Promise<T> {
  return firstValueFrom(obs.pipe(timeout({ first: timeoutMs, with: () => throwError(() => new Error(`no ${what} within ${timeoutMs} ms`)) })));
}

/** Resolves once condition() holds, checked every 10 ms (for state that has no event); rejects after timeoutMs. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await delay(10);
  }
}

/**
 * Subscribes to obs, then calls send() until obs emits, every 20 ms at first and backing off to every 250 ms. For
 * "is the path up yet" questions that have no event (ZeroMQ's slow joiner, a subscription still on its way to the
 * broker, a reconnect in progress) and for sockets that may drop (ZeroMQ PUB and PUSH with a send timeout of 0).
 * The backoff keeps a stalled receiver from being flooded past its high-water mark by the resends themselves.
 */
export async function sendUntilReceived<T>(obs: Observable<T>, send: () => unknown, timeoutMs = 10_000): Promise<T> {
  const got = nextValue(obs, timeoutMs, `message after resending for ${timeoutMs} ms`);
  let intervalMs = 20;
  let timer: NodeJS.Timeout | undefined;
  const resend = (): void => {
    void send();
    timer = setTimeout(resend, intervalMs);
    intervalMs = Math.min(250, intervalMs * 2);
  };
  resend();
  try {
    return await got;
  } finally {
    clearTimeout(timer);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/**
 * Round trips of n small messages: `from` publishes ping i on pingTopic, `to` echoes it on pongTopic, and the next
 * ping goes out once pong i came back. A ping or pong a socket dropped is sent again. Returns the pong indices in
 * the order they completed, and each round trip's time from its first send, ms (to print, never to assert).
 */
export async function pingPong(from: Transport, to: Transport, pingTopic: string, pongTopic: string, n = 50): Promise<{ order: number[]; rttsMs: number[] }> {
  const echo = to.subscribe(pingTopic).subscribe((m) => void to.publish(pongTopic, m.payload, { qos: 0 }));
  const pongs = from.subscribe(pongTopic);
  // Hold one observer throughout: otherwise the refcount drops to 0 between rounds and every round pays
  // (and races) an UNSUBSCRIBE/SUBSCRIBE.
  const hold = pongs.subscribe();
  const indexOf = (m: { payload: Uint8Array }): number | null =>
    (m.payload[0] === 0 ? new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0) : null);
  try {
    // Path warm-up, not measured: probes start with 0xff, so late copies are never taken for answers.
    await sendUntilReceived(pongs, () => from.publish(pingTopic, new Uint8Array([0xff, 0, 0, 0]), { qos: 0 }));
    const order: number[] = [];
    const rttsMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const payload = new Uint8Array(64);
      new DataView(payload.buffer).setUint32(0, i);
      const t0 = performance.now();
      const answer = await sendUntilReceived(pongs.pipe(filter((m) => indexOf(m) === i)), () => from.publish(pingTopic, payload, { qos: 0 }));
      rttsMs.push(performance.now() - t0);
      order.push(indexOf(answer)!);
    }
    return { order, rttsMs };
  } finally {
    hold.unsubscribe();
    echo.unsubscribe();
  }
}
