import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import {
  appendSignature, ed25519Signer, encodeSignedEnvelope, envelopeSealer, keyIdOf, signatureSpan,
} from '../../shared/auth/signed-envelope.js';
import { checkBinding, checkSignature, trustStoreOf, type TrustedKey } from '../../shared/auth/authenticate.js';
import { decodeEnvelope, encodeEnvelope, encodeEnvelopeBody, type EnvelopeInit } from '../../shared/wire/codec.js';

const pair = (boundTo: string): { key: TrustedKey; sign: ReturnType<typeof ed25519Signer> } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  return { key: { keyId, boundTo, publicKey }, sign: ed25519Signer(privateKey, keyId) };
};
const rsu1 = pair('rsu-1');
const rsu2 = pair('rsu-2');
const trust = trustStoreOf([rsu1.key, rsu2.key]);
const init = (sequence = 7): EnvelopeInit => ({
  senderId: 'rsu-1', bootEpochNs: 1_700_000_000_000_000_000, expiresAtNs: 5,
  payload: { kind: 'syncResponse', syncResponse: { serverId: 'rsu-1', clientId: 'veh-1', sequence, t1Ns: 1, t2Ns: 2, t3Ns: 3 } },
});

describe('signed envelopes (shared/auth/signed-envelope.ts)', () => {
  it('signs B and appends key id and signature; decodes like any envelope; verifies over B as received', () => {
    const bytes = encodeSignedEnvelope(init(), rsu1.sign);
    const body = encodeEnvelopeBody(init());
    assert.deepEqual([...bytes.subarray(0, body.length)], [...body]);
    const e = decodeEnvelope(bytes);
    assert.equal(e.keyId, rsu1.key.keyId);
    assert.equal(e.signature.length, 64);
    assert.equal(e.bootEpochNs, 1_700_000_000_000_000_000);
    const span = signatureSpan(bytes)!;
    assert.deepEqual([...span.signed], [...body]);
    assert.deepEqual(checkSignature(bytes, { trust, requireSigned: true }), { key: rsu1.key });
  });

  it('unsigned: allowed when not required, else rejected; the sealer without options is encodeEnvelope byte for byte', () => {
    const bytes = encodeEnvelope(init());
    assert.equal(signatureSpan(bytes), null);
    assert.deepEqual(checkSignature(bytes, { trust, requireSigned: false }), { key: null });
    assert.equal((checkSignature(bytes, { trust, requireSigned: true }) as { rejection: { reason: string } }).rejection.reason, 'unsigned');
    const { bootEpochNs: _b, ...noBoot } = init();
    assert.deepEqual(envelopeSealer()(noBoot), encodeEnvelope(noBoot));
  });

  it('rejects an unknown key, a signature by another key under this key id, and any flipped bit', () => {
    const stranger = pair('rsu-1');
    const reason = (b: Uint8Array): string | undefined => {
      const c = checkSignature(b, { trust, requireSigned: true });
      return 'rejection' in c ? c.rejection.reason : undefined;
    };
    assert.equal(reason(encodeSignedEnvelope(init(), stranger.sign)), 'unknownKey');
    const body = encodeEnvelopeBody(init());
    assert.equal(reason(appendSignature(body, rsu1.key.keyId, stranger.sign.sign(body))), 'badSignature');
    const good = encodeSignedEnvelope(init(), rsu1.sign);
    const bodyLength = encodeEnvelopeBody(init()).length;
    fc.assert(fc.property(fc.integer({ min: 0, max: bodyLength * 8 - 1 }), (bit) => {
      const b = good.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      assert.notEqual(reason(b), undefined, `bit ${bit} flipped still verifies`);
    }), { seed: 15, numRuns: 300 });
  });

  it('key id and signature must be the last two fields: anything appended after them is malformed', () => {
    const good = encodeSignedEnvelope(init(), rsu1.sign);
    const extra = protobuf.Writer.create().uint32((2 << 3) | 2).string('rsu-9').finish();
    const appended = new Uint8Array([...good, ...extra]);
    const c = checkSignature(appended, { trust, requireSigned: true });
    assert.equal('rejection' in c && c.rejection.reason, 'malformedSignature');
    // ... although it decodes, with the appended sender id winning: exactly why it must not verify.
    assert.equal(decodeEnvelope(appended).senderId, 'rsu-9');
  });

  it('binding: a key signs only for its own id, and every id the message claims must be that one', () => {
    assert.equal(checkBinding(rsu1.key, 'rsu-1', ['rsu-1', 'rsu-1']), null);
    assert.equal(checkBinding(rsu2.key, 'rsu-1', ['rsu-1'])?.reason, 'misBound');
    assert.equal(checkBinding(rsu1.key, 'rsu-1', ['rsu-1', 'rsu-2'])?.reason, 'misBound');
    assert.throws(() => trustStoreOf([rsu1.key, { ...rsu1.key, boundTo: 'rsu-3' }]), /bound to both/);
  });
});
