// Schema pieces shared by the roadside and vehicle configs. Every field has a default where one is sane, and a
// message that says what is expected.
import { z } from 'zod';

export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-" (it is used in topics)');

export const poseSchema = z
  .object({
    xM: z.number().default(0),
    yM: z.number().default(0),
    zM: z.number().default(0),
    yawRad: z.number().default(0),
    pitchRad: z.number().default(0),
    rollRad: z.number().default(0),
  })
  .strict();

/** A TCP port named in an endpoint or URL: 1..65535 (a larger one used to bind another port, modulo 65536). */
function portInRange(endpoint: string): boolean {
  const m = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:]*):(\d+)(?:\/.*)?$/.exec(endpoint);
  if (!m) return true; // no port: the scheme's default
  const port = Number(m[1]);
  return port >= 1 && port <= 65535;
}

export const zmqEndpointSchema = z
  .string()
  .regex(/^(tcp:\/\/[^\s]+:\d+|ipc:\/\/[^\s]+)$/, 'must be tcp://HOST:PORT or ipc://PATH')
  .refine((e) => !e.startsWith('tcp://') || portInRange(e), 'port must be 1..65535');

const filePath = z.string().min(1, 'must be a file path');

/** TLS material for mqtts://, as file paths relative to the config file (read at start, PEM). */
const mqttTlsSchema = z
  .object({
    /** CA certificate(s) the broker's certificate must chain to. Default: Node's built-in public CAs. */
    ca: filePath.optional(),
    /** Client certificate and its private key, for a broker that requires one. */
    cert: filePath.optional(),
    key: filePath.optional(),
    /** false accepts any broker certificate: for tests only. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), 'cert and key go together');

export const mqttSchema = z
  .object({
    url: z.string().regex(/^mqtts?:\/\/[^\s]+$/, 'must be mqtt://HOST:PORT or mqtts://HOST:PORT')
      .refine(portInRange, 'port must be 1..65535'),
    /** 'auto' tries MQTT 5 (broker-side message expiry) and falls back to 3.1.1 (e.g. aedes). */
    protocolVersion: z.union([z.literal(5), z.literal(4), z.literal('auto')]).default('auto'),
    username: z.string().min(1).optional(),
    /** The password inline in the config: for tests only; use passwordFile or passwordEnv. */
    password: z.string().optional(),
    /** A file holding the password (relative to the config file; one trailing newline is ignored). */
    passwordFile: filePath.optional(),
    /** The name of an environment variable holding the password. */
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    tls: mqttTlsSchema.optional(),
    keepaliveS: z.number().int().min(1).max(600).default(10),
    /** Reconnect backoff cap, ms: the longest a client sleeps after the broker is back. Default 500. */
    reconnectMaxDelayMs: z.number().int().min(10).max(60000).optional(),
    /** Per-attempt wait for the broker's CONNACK (TCP + TLS + MQTT), ms. Default 2000. */
    connectTimeoutMs: z.number().int().min(100).max(60000).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const sources = (['password', 'passwordFile', 'passwordEnv'] as const).filter((k) => m[k] !== undefined);
    if (sources.length > 1) {
      ctx.addIssue({ code: 'custom', path: [sources[1]!], message: `give one of password, passwordFile, passwordEnv (also ${sources[0]})` });
    }
    if (sources.length > 0 && m.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: `${sources[0]} needs a username` });
    }
    if (m.tls && !m.url.startsWith('mqtts://')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs an mqtts:// url' });
    }
  });

/** CURVE keys of an RSU (the ZeroMQ server): Z85 key files relative to the config file (`iaad keys curve`). */
export const zmqCurveServerSchema = z
  .object({
    /** The RSU's secret key (40 Z85 characters). Its public key is what vehicles configure as serverPublicKeyFile. */
    secretKeyFile: filePath,
    /**
     * Accept only these vehicles: a file of their public keys (Z85, one per line, '#' comments). Without it any
     * client that knows the RSU's public key may connect (the traffic is still encrypted and the RSU authenticated).
     */
    authorizedKeysFile: filePath.optional(),
  })
  .strict();

/** CURVE keys of a vehicle (a ZeroMQ client of one RSU). */
export const zmqCurveClientSchema = z
  .object({
    /** The RSU's public key: a peer without the matching secret key cannot complete the handshake. */
    serverPublicKeyFile: filePath,
    /** The vehicle's own key pair. */
    publicKeyFile: filePath,
    secretKeyFile: filePath,
  })
  .strict();

/** Raise it above 1000 for paths whose round trip exceeds ~250 ms (TCP + ZMTP + CURVE take ~3 round trips). */
export const zmqHandshakeTimeoutMs = z.number().int().min(100).max(60000).optional();

/** ZeroMQ endpoints of one RSU: it binds them, vehicles connect to them. */
export const zmqRsuSchema = z
  .object({
    /** PUB socket: frames, advisories, clock-sync responses (RSU -> vehicles). */
    pubEndpoint: zmqEndpointSchema,
    /** PULL socket: intents, clock-sync requests (vehicles -> RSU). */
    pullEndpoint: zmqEndpointSchema,
    /** Messages queued per peer before PUB drops (frames older than ~1.6 s at 10 Hz are worthless). */
    sendHighWaterMark: z.number().int().min(1).max(100000).default(16),
    receiveHighWaterMark: z.number().int().min(1).max(100000).default(64),
    /** Encrypt and authenticate both sockets with CURVE; vehicles then need the RSU's public key. */
    curve: zmqCurveServerSchema.optional(),
    /** A connection whose handshake is not done by then is dropped and redone, ms. Default 1000. */
    handshakeTimeoutMs: zmqHandshakeTimeoutMs,
  })
  .strict();

/** Where detections come from. */
export const sourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('trace'),
      /** JSON-lines trace, relative to the config file (format: docs/trace-format.md). */
      path: z.string().min(1),
      /** Restart from the first line at the end (a demo RSU runs forever). */
      loop: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('zmq-pull'),
      /** A live perception stack PUSHes JSON detection batches here. */
      endpoint: zmqEndpointSchema,
    })
    .strict(),
]);

export type PoseConfig = z.output<typeof poseSchema>;
export type MqttConfig = z.output<typeof mqttSchema>;
export type ZmqCurveServerConfig = z.output<typeof zmqCurveServerSchema>;
export type ZmqCurveClientConfig = z.output<typeof zmqCurveClientSchema>;
export type ZmqRsuConfig = z.output<typeof zmqRsuSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
