// Embedded MQTT broker (aedes) for single-machine runs, demos and tests. aedes 1.2 speaks MQTT 3.1.1 only, so
// clients fall back from protocol 5 and broker-side message expiry is unavailable (see docs/transports.md).
import net from 'node:net';
import { Aedes } from 'aedes';
import { DEFAULT_WIRE_LIMITS } from '../wire/validate.js';

export interface EmbeddedBrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the OS picks a free port (read it back from the result). */
  port?: number;
  /**
   * Largest PUBLISH payload forwarded, bytes; default the receivers' own cap (DEFAULT_WIRE_LIMITS.maxMessageBytes).
   * A larger one is refused and its client disconnected: no receiver would decode it, and forwarding it to every
   * subscriber is what grew the broker by 360 MB under 18.5 MB frames.
   */
  maxMessageBytes?: number;
}

export interface EmbeddedBrokerCounters {
  /** PUBLISH packets refused for their size (the client is disconnected, as MQTT 3.1.1 has no negative ack). */
  oversizedRefused: number;
}

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  /** mqtt://host:port, ready for connectMqtt. */
  readonly url: string;
  readonly aedes: Aedes;
  readonly counters: EmbeddedBrokerCounters;
  /** Disconnects every client, stops listening and resolves once the port is free again. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_WIRE_LIMITS.maxMessageBytes;
  const counters: EmbeddedBrokerCounters = { oversizedRefused: 0 };
  const aedes = await Aedes.createBroker({
    authorizePublish: (_client, packet, done) => {
      if (packet.payload.length > maxMessageBytes) {
        counters.oversizedRefused++;
        done(new Error(`payload of ${packet.payload.length} bytes > ${maxMessageBytes}`));
        return;
      }
      done(null);
    },
  });
  const sockets = new Set<net.Socket>();
  // noDelay: the broker forwards small frames and acks; Nagle would hold them up to the peer's delayed ACK.
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    url: `mqtt://${urlHost}:${port}`,
    aedes,
    counters,
    close: () =>
      (closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        // aedes closes its clients, but a socket that never sent CONNECT is not a client yet.
        for (const s of sockets) s.destroy();
        await serverClosed;
      })()),
  };
}
