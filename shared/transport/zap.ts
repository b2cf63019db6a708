// ZAP (ZeroMQ RFC 27): which CURVE clients an RSU accepts. libzmq asks a handler bound at inproc://zeromq.zap.01
// in the socket's context before completing a CURVE handshake; without one, any client that knows the server's
// public key is accepted. One handler per process answers for every server socket: a socket with an allow-list
// gets its own ZAP domain, and a request from a domain without a list (a server that accepts any client) is allowed.
// The handler is bound while at least one allow-list is registered, so it never holds an idle process open.
import { Reply } from 'zeromq';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 text of binary whose length is a multiple of 4 (a CURVE key: 32 bytes -> 40 characters). */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    const chunk: string[] = [];
    for (let k = 0; k < 5; k++) {
      chunk.unshift(Z85[v % 85]!);
      v = Math.floor(v / 85);
    }
    out += chunk.join('');
  }
  return out;
}

const allowLists = new Map<string, ReadonlySet<string>>();
let handler: { socket: Reply; loop: Promise<void> } | null = null;
let nextDomain = 0;

/** Counters of ZAP decisions, per process. */
export const zapCounters = { allowed: 0, denied: 0 };

/**
 * Registers an allow-list of client public keys (Z85) and returns the ZAP domain to set on the server sockets,
 * and a release function to call when they close.
 */
export async function registerAllowList(publicKeys: readonly string[]): Promise<{ domain: string; release(): void }> {
  const domain = `iaad-${process.pid}-${nextDomain++}`;
  allowLists.set(domain, new Set(publicKeys));
  if (!handler) {
    const socket = new Reply({ linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    handler = { socket, loop: serve(socket) };
  }
  return {
    domain,
    release() {
      allowLists.delete(domain);
      if (allowLists.size === 0 && handler) {
        handler.socket.close();
        handler = null;
      }
    },
  };
}

async function serve(socket: Reply): Promise<void> {
  try {
    for await (const frames of socket) {
      const [version, requestId, domainFrame, , , mechanism, key] = frames;
      const domain = domainFrame?.toString() ?? '';
      const list = allowLists.get(domain);
      const clientKey = mechanism?.toString() === 'CURVE' && key?.length === 32 ? z85Encode(key) : null;
      const ok = version?.toString() === '1.0' && (list === undefined || (clientKey !== null && list.has(clientKey)));
      if (ok) zapCounters.allowed++;
      else zapCounters.denied++;
      await socket.send(['1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'client key not allowed', ok ? clientKey ?? '' : '', '']);
    }
  } catch {
    // the socket was closed (last allow-list released) while waiting: nothing to answer
  }
}
