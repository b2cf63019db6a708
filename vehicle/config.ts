// The vehicle process's config file (YAML or JSON), validated at start. Example: examples/occluded-crossing/.
import { z } from 'zod';
import { idSchema, mqttSchema, sourceSchema, zmqCurveClientSchema, zmqEndpointSchema, zmqHandshakeTimeoutMs } from '../shared/config/schemas.js';
import { findStrategy, unknownStrategy } from '../shared/fusion/strategies.js';
import type { WireLimits } from '../shared/wire/validate.js';

const rsuLinkSchema = z
  .object({
    id: idSchema,
    region: idSchema.default('default'),
    /** Receive this RSU over MQTT (needs the top-level mqtt broker). */
    mqtt: z.boolean().default(true),
    /** Receive this RSU directly over ZeroMQ: the endpoints the RSU binds. */
    zmq: z
      .object({
        pubEndpoint: zmqEndpointSchema,
        pullEndpoint: zmqEndpointSchema,
        receiveHighWaterMark: z.number().int().min(1).max(100000).default(64),
        /** The RSU runs CURVE: its public key and this vehicle's key pair. */
        curve: zmqCurveClientSchema.optional(),
        /** A connection whose handshake is not done by then is dropped and redone, ms. Default 1000. */
        handshakeTimeoutMs: zmqHandshakeTimeoutMs,
      })
      .strict()
      .optional(),
    /** Where the RSU stands, map frame, m: with it the vehicle listens to this RSU only when near (rsuRelevance). */
    position: z.object({ xM: z.number(), yM: z.number() }).strict().optional(),
    /**
     * Objects farther than this from the RSU are dropped (tooFar), m; measured from `position` when configured,
     * else from the sensor pose each frame reports. Default 5000 (shared/wire/validate.ts).
     */
    maxObjectDistanceM: z.number().positive().optional(),
    /** With `position`: a frame whose sensor pose is farther than this from it is rejected (poseMismatch), m. Default 100. */
    maxPoseOffsetM: z.number().positive().optional(),
  })
  .strict();

export const vehicleConfigSchema = z
  .object({
    vehicle: z.object({ id: idSchema, mapFrame: z.string().min(1) }).strict(),
    /** Own perception frames (and output frames) per second. */
    rateHz: z.number().positive().max(100).default(10),
    source: sourceSchema,
    /** How to use the roadside: a name in shared/fusion/strategies.ts (fixed method, baseline, adaptive, ...). */
    strategy: z
      .string()
      .refine((s) => findStrategy(s) !== undefined, { error: (issue) => unknownStrategy(String(issue.input)) })
      .default('adaptive'),
    /** The route the vehicle follows, map frame (at least 2 points): intents, planner and network-map look-ahead. */
    route: z.array(z.object({ xM: z.number(), yM: z.number() }).strict()).min(2).optional(),
    /** A network-quality map from earlier drives (JSON from `iaad sim netmap`), for a strategy that needs one. */
    netmap: z.string().min(1).optional(),
    /** Longest wait for a same-instant roadside frame before fusing without it, ms (RSU perception + network). */
    intraWaitMs: z.number().min(0).max(500).default(100),
    /** Broker for every RSU with mqtt: true. */
    mqtt: mqttSchema.optional(),
    rsus: z.array(rsuLinkSchema).default([]),
    /**
     * RSUs with a position are listened to only while the ego is within subscribeWithinM of them, and let go beyond
     * releaseBeyondM, m (shared/link/relevance.ts; defaults 250 / 300). RSUs without a position are always listened to.
     */
    rsuRelevance: z
      .object({ subscribeWithinM: z.number().positive(), releaseBeyondM: z.number().positive() })
      .strict()
      .refine((r) => r.releaseBeyondM >= r.subscribeWithinM, { message: 'releaseBeyondM must be >= subscribeWithinM' })
      .optional(),
    /** Where fused frames go for the downstream planner (ZeroMQ PUB, bound by this process). */
    output: z
      .object({ endpoint: zmqEndpointSchema, sendHighWaterMark: z.number().int().min(1).default(16) })
      .strict(),
    link: z
      .object({
        /** Sliding window for latency quantiles. */
        windowMs: z.number().int().min(100).max(600000).default(2000),
        /** A link with no frame for this long is stale. */
        staleAfterMs: z.number().int().min(10).default(1000),
      })
      .strict()
      .default({ windowMs: 2000, staleAfterMs: 1000 }),
    clockSync: z
      .object({ intervalMs: z.number().int().min(50).max(600000).default(1000) })
      .strict()
      .default({ intervalMs: 1000 }),
    statsIntervalS: z.number().positive().default(5),
    /**
     * Message authentication (docs/security.md). trustStore: public key files of the RSUs (.pub.json, from
     * `iaad keys generate`), or folders of them, relative to this file; with it every frame, advisory and
     * clock-sync response must be signed by a key bound to its RSU (requireSigned, default true). signingKey: the
     * vehicle's own private key, to sign its intents and sync requests (keyId: default derived from the key).
     */
    security: z
      .object({
        trustStore: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        requireSigned: z.boolean().optional(),
        signingKey: z.string().min(1).optional(),
        keyId: z.string().min(1).max(128).optional(),
        /** A frame or advisory whose own time is older than this (synced clock) is rejected as stale, ms. */
        maxAgeMs: z.number().int().min(100).max(600000).default(10000),
      })
      .strict()
      .refine((s) => !(s.requireSigned && !s.trustStore), { path: ['requireSigned'], message: 'requireSigned needs a trustStore' })
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (findStrategy(c.strategy)?.needsNetmap && !c.netmap) {
      ctx.addIssue({ code: 'custom', path: ['netmap'], message: `${c.strategy} needs a network map file (netmap)` });
    }
    c.rsus.forEach((r, i) => {
      if (r.mqtt && !c.mqtt) {
        ctx.addIssue({ code: 'custom', path: ['rsus', i, 'mqtt'], message: 'mqtt: true needs a top-level mqtt broker' });
      }
      if (!r.mqtt && !r.zmq) {
        ctx.addIssue({ code: 'custom', path: ['rsus', i], message: 'enable mqtt or configure zmq for this RSU' });
      }
    });
  });

export type VehicleConfig = z.output<typeof vehicleConfigSchema>;
export type RsuLinkConfig = VehicleConfig['rsus'][number];

/** The wire limits an RSU's config overrides (shared/wire/validate.ts); the rest keep their defaults. */
export function rsuWireLimits(r: RsuLinkConfig): Partial<WireLimits> {
  return {
    ...(r.maxObjectDistanceM !== undefined ? { maxDistanceM: r.maxObjectDistanceM } : {}),
    ...(r.maxPoseOffsetM !== undefined ? { maxPoseOffsetM: r.maxPoseOffsetM } : {}),
  };
}
