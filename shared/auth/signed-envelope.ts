// The signed envelope format (docs/security.md, proto/iaad/v1/iaad.proto Envelope): the envelope encoded without
// key_id and signature (bytes B), then field 20 (key_id) and field 21 (signature, Ed25519 over B) appended as its
// last two fields. A receiver finds where field 20 starts by walking the top-level fields and verifies over the
// bytes before it, as received: nothing is re-encoded, so no encoder difference can break a signature.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import protobuf from 'protobufjs/minimal.js';
import { encodeEnvelope, encodeEnvelopeBody, type EnvelopeInit } from '../wire/codec.js';

const KEY_ID_FIELD = 20;
const SIGNATURE_FIELD = 21;
const LENGTH_DELIMITED = 2;

/** Signs with one private key under its key id. */
export interface Signer {
  readonly keyId: string;
  sign(data: Uint8Array): Uint8Array;
}

/** A key id derived from the public key: the first 16 hex digits of SHA-256 over its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function ed25519Signer(privateKey: KeyObject, keyId: string): Signer {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`signing key ${keyId}: expected an Ed25519 key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  return { keyId, sign: (data) => sign(null, data, privateKey) };
}

export function verifyEd25519(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false; // a signature of the wrong length
  }
}

/** B followed by key_id and signature. */
export function appendSignature(body: Uint8Array, keyId: string, signature: Uint8Array): Uint8Array {
  const tail = protobuf.Writer.create()
    .uint32((KEY_ID_FIELD << 3) | LENGTH_DELIMITED).string(keyId)
    .uint32((SIGNATURE_FIELD << 3) | LENGTH_DELIMITED).bytes(signature)
    .finish();
  const out = new Uint8Array(body.length + tail.length);
  out.set(body, 0);
  out.set(tail, body.length);
  return out;
}

/** The envelope signed by `signer`. */
export function encodeSignedEnvelope(e: EnvelopeInit, signer: Signer): Uint8Array {
  const body = encodeEnvelopeBody(e);
  return appendSignature(body, signer.keyId, signer.sign(body));
}

/** Where a received envelope's signature is: the signed bytes (a view, not a copy), the key id, the signature. */
export interface SignatureSpan {
  signed: Uint8Array;
  keyId: string;
  signature: Uint8Array;
}

/**
 * The signature of an envelope, null if it carries none (no field 20, or key_id and signature both empty: how an
 * unsigned sender writes them). Throws on a malformed one: field 20 not followed by exactly field 21 and the end,
 * or one of them without the other. Only walks the top-level fields; decoding is the codec's job.
 */
export function signatureSpan(bytes: Uint8Array): SignatureSpan | null {
  const r = protobuf.Reader.create(bytes);
  let start = -1;
  const tail: number[] = [];
  let keyId = '';
  let signature: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === KEY_ID_FIELD && start < 0) start = at;
    if (start < 0) {
      r.skipType(tag & 7);
      continue;
    }
    tail.push(field);
    if ((tag & 7) !== LENGTH_DELIMITED || (field !== KEY_ID_FIELD && field !== SIGNATURE_FIELD)) {
      throw new Error(`signature: field ${field} after key_id (key_id and signature must be the last fields)`);
    }
    if (field === KEY_ID_FIELD) keyId = r.string();
    else signature = r.bytes();
  }
  if (start < 0) return null;
  if (tail.length !== 2 || tail[0] !== KEY_ID_FIELD || tail[1] !== SIGNATURE_FIELD) {
    throw new Error(`signature: expected key_id then signature at the end, got fields ${tail.join(',')}`);
  }
  if (keyId === '' && signature.length === 0) return null;
  return { signed: bytes.subarray(0, start), keyId, signature };
}

/** How a process turns what it sends into bytes: signed when it has a key, stamped with its boot epoch. */
export type EnvelopeSealer = (e: EnvelopeInit) => Uint8Array;

/**
 * The sealer of a process: every envelope carries `bootEpochNs` (when given) and is signed by `signer` (when
 * given). With neither it is encodeEnvelope, byte for byte (the simulator's unsigned runs).
 */
export function envelopeSealer(o: { bootEpochNs?: number; signer?: Signer | null } = {}): EnvelopeSealer {
  const { bootEpochNs, signer } = o;
  const stamp = (e: EnvelopeInit): EnvelopeInit => (bootEpochNs === undefined ? e : { ...e, bootEpochNs });
  return signer ? (e) => encodeSignedEnvelope(stamp(e), signer) : (e) => encodeEnvelope(stamp(e));
}
