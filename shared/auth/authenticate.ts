// Verification of received envelopes against a trust store (docs/security.md): who signed (a known key), that the
// key belongs to the sender it claims to be and the topic it came on (binding), and that the message is not a
// replay (boot epoch, sequence window per transport path, age). Pure: keys, time and bytes are handed in.
import type { KeyObject } from 'node:crypto';
import { ReplayWindow } from './replay-window.js';
import { signatureSpan, verifyEd25519 } from './signed-envelope.js';

/** A public key the receiver trusts, bound to the one sender id (RSU or vehicle) it may sign for. */
export interface TrustedKey {
  keyId: string;
  boundTo: string;
  publicKey: KeyObject;
}

/** Trusted keys by key id; several per sender during a rotation. */
export type TrustStore = ReadonlyMap<string, TrustedKey>;

export function trustStoreOf(keys: readonly TrustedKey[]): TrustStore {
  const store = new Map<string, TrustedKey>();
  for (const k of keys) {
    const held = store.get(k.keyId);
    if (held && held.boundTo !== k.boundTo) throw new Error(`trust store: key id ${k.keyId} bound to both ${held.boundTo} and ${k.boundTo}`);
    store.set(k.keyId, k);
  }
  return store;
}

export type AuthReason = 'unsigned' | 'unknownKey' | 'badSignature' | 'misBound' | 'replayed' | 'stale' | 'malformedSignature';

export interface AuthRejection {
  reason: AuthReason;
  detail: string;
}

export interface AuthPolicy {
  trust: TrustStore;
  /** Reject unsigned envelopes (default when a trust store is configured). */
  requireSigned: boolean;
}

export type SignatureCheck = { key: TrustedKey | null } | { rejection: AuthRejection };

/**
 * Before decoding: the envelope's signature is well-formed, by a trusted key, and valid over the signed bytes.
 * `key: null` = an unsigned envelope the policy lets through.
 */
export function checkSignature(bytes: Uint8Array, policy: AuthPolicy): SignatureCheck {
  let span;
  try {
    span = signatureSpan(bytes);
  } catch (err) {
    return { rejection: { reason: 'malformedSignature', detail: (err as Error).message } };
  }
  if (!span) return policy.requireSigned ? { rejection: { reason: 'unsigned', detail: 'no signature' } } : { key: null };
  const key = policy.trust.get(span.keyId);
  if (!key) return { rejection: { reason: 'unknownKey', detail: `key id "${span.keyId}" is not in the trust store` } };
  if (!verifyEd25519(key.publicKey, span.signed, span.signature)) {
    return { rejection: { reason: 'badSignature', detail: `signature by key ${span.keyId} does not verify` } };
  }
  return { key };
}

/**
 * After decoding: the key may sign for `expectedId` (the RSU of the topic, or the vehicle an intent names), and
 * every id the message claims (envelope sender, the payload's own source or client id) is that one.
 */
export function checkBinding(key: TrustedKey, expectedId: string, claimedIds: readonly string[]): AuthRejection | null {
  if (key.boundTo !== expectedId) {
    return { reason: 'misBound', detail: `key ${key.keyId} is bound to ${key.boundTo}, message is for ${expectedId}` };
  }
  const other = claimedIds.find((id) => id !== expectedId);
  return other === undefined ? null
    : { reason: 'misBound', detail: `key ${key.keyId} of ${expectedId} signed a message claiming to be from ${other}` };
}

export interface ReplayCheck {
  keyId: string;
  /** The message stream the sequence counts ('frame', 'advisory:veh-1', ...). */
  stream: string;
  /** Transport path it came on: the same message over MQTT and ZeroMQ is two copies, not a replay. */
  path: string;
  bootEpochNs: number;
  sequence: number;
  /** The message's own time (capture or issue time), ns, sender clock. */
  timeNs: number;
  /** Now on the sender's clock (receive time + estimated offset), ns. */
  nowSenderNs: number;
}

/** Replay windows of authenticated streams, one per (key, stream, path). */
export class ReplayGuard {
  private readonly windows = new Map<string, ReplayWindow>();

  /** @param maxAgeNs a message whose own time is older than this (sender clock) is stale, whatever its sequence. */
  constructor(private readonly maxAgeNs = 10e9, private readonly width = 256) {}

  check(c: ReplayCheck): AuthRejection | null {
    if (c.timeNs < c.nowSenderNs - this.maxAgeNs) {
      return { reason: 'stale', detail: `${c.stream} ${c.sequence} is ${((c.nowSenderNs - c.timeNs) / 1e9).toFixed(1)} s old` };
    }
    const id = `${c.keyId}\u0000${c.stream}\u0000${c.path}`;
    let w = this.windows.get(id);
    if (!w) this.windows.set(id, (w = new ReplayWindow(this.width)));
    const verdict = w.check(c.bootEpochNs, c.sequence);
    return verdict === 'ok' ? null
      : { reason: 'replayed', detail: `${c.stream} ${c.sequence} (boot ${c.bootEpochNs}) over ${c.path}: ${verdict}` };
  }
}
