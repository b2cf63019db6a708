// A process's `security` config section made real: its trust store and verification policy, and the sealer of
// everything it sends (its boot epoch, and its signature when it has a key). Shared by roadside and vehicle.
import type { AuthPolicy } from '../auth/authenticate.js';
import { envelopeSealer, type EnvelopeSealer } from '../auth/signed-envelope.js';
import { loadSigner, loadTrustStore } from './key-files.js';

export interface SecurityConfig {
  trustStore?: string | string[] | undefined;
  /** Reject unsigned messages; default true when a trust store is configured. */
  requireSigned?: boolean | undefined;
  signingKey?: string | undefined;
  keyId?: string | undefined;
}

export interface ProcessSecurity {
  /** Verification of what is received; null without a trust store (unsigned traffic accepted). */
  policy: AuthPolicy | null;
  seal: EnvelopeSealer;
  /** Key id the process signs with, null if it does not sign. */
  keyId: string | null;
  trustedKeys: number;
}

/** @param bootEpochNs when this process started, ns, its clock: stamped on every envelope it sends. */
export function loadSecurity(c: SecurityConfig | undefined, baseDir: string, bootEpochNs: number): ProcessSecurity {
  const signer = c?.signingKey ? loadSigner(c.signingKey, baseDir, c.keyId) : null;
  const trust = c?.trustStore ? loadTrustStore(c.trustStore, baseDir) : null;
  return {
    policy: trust ? { trust, requireSigned: c?.requireSigned ?? true } : null,
    seal: envelopeSealer({ bootEpochNs, signer }),
    keyId: signer?.keyId ?? null,
    trustedKeys: trust?.size ?? 0,
  };
}
