// The roadside process's config file (YAML or JSON), validated at start. Example: examples/occluded-crossing/.
import { z } from 'zod';
import { DEFAULT_ANSWER_WITHIN_M } from '../shared/link/relevance.js';
import { idSchema, mqttSchema, poseSchema, sourceSchema, zmqRsuSchema } from '../shared/config/schemas.js';

export const roadsideConfigSchema = z
  .object({
    rsu: z
      .object({
        id: idSchema,
        /** Topic namespace shared by neighbouring RSUs (e.g. a city district). */
        region: idSchema.default('default'),
        /** Name of the metric map frame detections are expressed in. */
        mapFrame: z.string().min(1),
        /** Pose of the RSU's sensor in the map frame. */
        sensorPose: poseSchema.default({ xM: 0, yM: 0, zM: 0, yawRad: 0, pitchRad: 0, rollRad: 0 }),
      })
      .strict(),
    /** Perception frames published per second. */
    rateHz: z.number().positive().max(100).default(10),
    source: sourceSchema,
    /** A frame older than this is useless to a vehicle: MQTT 5 expiry and the envelope's expires_at. */
    frameValidityMs: z.number().int().min(10).max(60000).default(1000),
    transports: z
      .object({ mqtt: mqttSchema.optional(), zmq: zmqRsuSchema.optional() })
      .strict()
      .refine((t) => t.mqtt !== undefined || t.zmq !== undefined, 'configure at least one of mqtt, zmq'),
    /** Track detections before publishing (velocities, covariances, stable ids from the IMM tracker). */
    tracking: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
    /** Answer vehicle intents with planning advisories (conflict zones along their declared paths). */
    advisories: z
      .object({
        enabled: z.boolean().default(true),
        /** How long an advisory stays valid, s. */
        validityS: z.number().positive().max(60).default(3),
        /** Longest prediction horizon the RSU accepts from an intent, s. */
        maxHorizonS: z.number().positive().max(60).default(12),
        /** Answer only vehicles this near the RSU's sensor pose, m (map frame): a farther one does not listen. */
        answerWithinM: z.number().positive().default(DEFAULT_ANSWER_WITHIN_M),
      })
      .strict()
      .default({ enabled: true, validityS: 3, maxHorizonS: 12, answerWithinM: DEFAULT_ANSWER_WITHIN_M }),
    /** How often the process logs its counters. */
    statsIntervalS: z.number().positive().default(5),
    /**
     * Message authentication (docs/security.md). signingKey: the RSU's private key (from `iaad keys generate`,
     * mode 0600), relative to this file: every frame, advisory and sync response is signed with it (keyId: default
     * derived from the key, as in its .pub.json). trustStore: vehicle public keys (files or folders); with it
     * intents and sync requests must be signed by their vehicle (requireSignedIntents, default true).
     */
    security: z
      .object({
        signingKey: z.string().min(1).optional(),
        keyId: z.string().min(1).max(128).optional(),
        trustStore: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        requireSignedIntents: z.boolean().optional(),
      })
      .strict()
      .refine((s) => !(s.requireSignedIntents && !s.trustStore), { path: ['requireSignedIntents'], message: 'requireSignedIntents needs a trustStore' })
      .optional(),
  })
  .strict();

export type RoadsideConfig = z.output<typeof roadsideConfigSchema>;
