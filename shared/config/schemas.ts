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

export const mqttSchema = z
  .object({
    url: z.string().regex(/^mqtts?:\/\/[^\s]+$/, 'must be mqtt://HOST:PORT or mqtts://HOST:PORT')
      .refine(portInRange, 'port must be 1..65535'),
    /** 'auto' tries MQTT 5 (broker-side message expiry) and falls back to 3.1.1 (e.g. aedes). */
    protocolVersion: z.union([z.literal(5), z.literal(4), z.literal('auto')]).default('auto'),
    username: z.string().optional(),
    password: z.string().optional(),
    keepaliveS: z.number().int().min(1).max(600).default(10),
  })
  .strict();

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
export type ZmqRsuConfig = z.output<typeof zmqRsuSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
