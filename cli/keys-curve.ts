// `iaad keys curve --out DIR [--name NAME]`: a ZeroMQ CURVE key pair as two Z85 text files, NAME.curve.pub and
// NAME.curve.secret (mode 0600). An RSU's config names its secret file (transports.zmq.curve.secretKeyFile);
// vehicles name its public file (rsus[].zmq.curve.serverPublicKeyFile) and their own pair. See docs/transports.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

export interface CurveKeyFiles {
  publicKeyFile: string;
  secretKeyFile: string;
  publicKey: string;
}

/** Writes a fresh key pair under outDir; never overwrites an existing file (a lost secret key is a re-keying). */
export async function writeCurveKeyPair(outDir: string, name: string): Promise<CurveKeyFiles> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`--name "${name}" may contain only letters, digits, "_", "." and "-"`);
  mkdirSync(outDir, { recursive: true });
  const { curveKeyPair } = await import('zeromq'); // loaded only when asked for: `iaad --help` stays fast
  const { publicKey, secretKey } = curveKeyPair();
  const publicKeyFile = path.resolve(outDir, `${name}.curve.pub`);
  const secretKeyFile = path.resolve(outDir, `${name}.curve.secret`);
  for (const [f, mode] of [[publicKeyFile, 0o644], [secretKeyFile, 0o600]] as const) {
    try {
      writeFileSync(f, '', { flag: 'wx', mode });
    } catch (err) {
      throw new Error(`cannot create ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  writeFileSync(secretKeyFile, `${secretKey}\n`);
  writeFileSync(publicKeyFile, `${publicKey}\n`);
  return { publicKeyFile, secretKeyFile, publicKey };
}

/** Registers `curve` under the `keys` command. */
export function registerCurveKeys(keys: Command): void {
  keys
    .command('curve')
    .description('make a ZeroMQ CURVE key pair (Z85 text files NAME.curve.pub and NAME.curve.secret)')
    .requiredOption('--out <dir>', 'folder to write the key files to (created if missing)')
    .option('--name <name>', 'file name stem, e.g. the RSU or vehicle id', 'iaad')
    .action(async (o: { out: string; name: string }) => {
      const k = await writeCurveKeyPair(o.out, o.name);
      process.stdout.write(`public key ${k.publicKey}\nwrote ${k.publicKeyFile}\nwrote ${k.secretKeyFile} (keep it secret)\n`);
    });
}
