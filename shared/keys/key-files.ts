// Key files (docs/security.md): an Ed25519 private key as PKCS#8 PEM (mode 0600), and a public key file that a
// trust store holds: JSON naming the key id and the one sender id (RSU or vehicle) the key may sign for.
//
//   { "iaadPublicKey": 1, "keyId": "3f1c...", "boundTo": "rsu-1", "algorithm": "ed25519",
//     "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n" }
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../config/load.js';
import { ed25519Signer, keyIdOf, type Signer } from '../auth/signed-envelope.js';
import { trustStoreOf, type TrustedKey, type TrustStore } from '../auth/authenticate.js';

export const PUBLIC_KEY_SUFFIX = '.pub.json';
export const PRIVATE_KEY_SUFFIX = '.key';

const publicKeyFileSchema = z.object({
  iaadPublicKey: z.literal(1),
  keyId: z.string().min(1).max(128),
  boundTo: z.string().min(1),
  algorithm: z.literal('ed25519'),
  publicKeyPem: z.string().min(1),
}).strict();

export type PublicKeyFile = z.output<typeof publicKeyFileSchema>;

export function readPublicKeyFile(file: string): TrustedKey {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read public key file: ${(err as Error).message}`);
  }
  const parsed = publicKeyFileSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(`${file}: invalid public key file:\n${formatIssues(parsed.error.issues)}`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(parsed.data.publicKeyPem);
  } catch (err) {
    throw new ConfigError(`${file}: publicKeyPem: ${(err as Error).message}`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${file}: publicKeyPem: not an Ed25519 key (${publicKey.asymmetricKeyType})`);
  return { keyId: parsed.data.keyId, boundTo: parsed.data.boundTo, publicKey };
}

/** Every public key file named, or in a folder named (files ending .pub.json), relative to baseDir. */
export function loadTrustStore(entries: string | readonly string[], baseDir: string): TrustStore {
  const files: string[] = [];
  for (const entry of typeof entries === 'string' ? [entries] : entries) {
    const path = resolve(baseDir, entry);
    if (!existsSync(path)) throw new ConfigError(`security.trustStore: ${path} does not exist`);
    if (statSync(path).isDirectory()) {
      files.push(...readdirSync(path).filter((f) => f.endsWith(PUBLIC_KEY_SUFFIX)).sort().map((f) => join(path, f)));
    } else {
      files.push(path);
    }
  }
  if (files.length === 0) throw new ConfigError(`security.trustStore: no ${PUBLIC_KEY_SUFFIX} files in ${String(entries)}`);
  try {
    return trustStoreOf(files.map(readPublicKeyFile));
  } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(`security.trustStore: ${(err as Error).message}`);
  }
}

/** The signer of a private key file; key id as given, else derived from the public key (keyIdOf). */
export function loadSigner(file: string, baseDir: string, keyId?: string): Signer {
  const path = resolve(baseDir, file);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`security.signingKey: cannot read ${path}: ${(err as Error).message}`);
  }
  // A private key others can read is not private: refuse it, as ssh does.
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new ConfigError(`security.signingKey: ${path} is readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ConfigError(`security.signingKey: ${path}: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`security.signingKey: ${path}: not an Ed25519 key (${key.asymmetricKeyType})`);
  return ed25519Signer(key, keyId ?? keyIdOf(createPublicKey(key)));
}

export interface GeneratedKey {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

/**
 * A new Ed25519 key pair for `id` in `outDir`: ID.key (PKCS#8 PEM, mode 0600) and ID.pub.json (for trust stores).
 * `name` (default id) names the files, so that a rotation's second key can sit beside the first. Never overwrites;
 * creates outDir (mode 0700) if missing.
 */
export function generateKeyFiles(id: string, outDir: string, name = id): GeneratedKey {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const privateKeyFile = resolve(outDir, `${name}${PRIVATE_KEY_SUFFIX}`);
  const publicKeyFile = resolve(outDir, `${name}${PUBLIC_KEY_SUFFIX}`);
  for (const f of [privateKeyFile, publicKeyFile]) if (existsSync(f)) throw new Error(`${f} exists: not overwritten (pick another --name)`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  const pub: PublicKeyFile = {
    iaadPublicKey: 1, keyId, boundTo: id, algorithm: 'ed25519',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  writeFileSync(publicKeyFile, `${JSON.stringify(pub, null, 2)}\n`, { flag: 'wx' });
  return { keyId, privateKeyFile, publicKeyFile };
}
