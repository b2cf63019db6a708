// `iaad keys generate`: an Ed25519 key pair for an RSU or vehicle (docs/security.md): the private key for its
// own config's security.signingKey, the public key file for the trust stores of those who receive from it.
import { generateKeyFiles } from '../shared/keys/key-files.js';
import { validateId } from '../shared/transport/topics.js';

export function runKeysGenerateCommand(o: { id: string; out: string; name?: string }): number {
  validateId(o.id, '--id');
  const k = generateKeyFiles(o.id, o.out, o.name ?? o.id);
  process.stdout.write(`${JSON.stringify({ type: 'key', id: o.id, keyId: k.keyId, privateKey: k.privateKeyFile, publicKey: k.publicKeyFile })}\n`);
  return 0;
}
