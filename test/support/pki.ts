// Certificates made at test time with openssl, by the same script operators use (examples/secure/make-certs.sh),
// so the script is tested too. Nothing secret is ever committed: each test run makes its own CA in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, requireOrSkip } from './require.js';

const SCRIPT = fileURLToPath(new URL('../../examples/secure/make-certs.sh', import.meta.url));

/** openssl on PATH, or skips the calling test (fails when CI is set). */
export function opensslOrSkip(ctx: Mocha.Context): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return requireOrSkip(ctx, findExecutable('OPENSSL_BIN', dirs.map((d) => path.join(d, 'openssl'))), 'openssl not installed (apt-get install openssl)');
}

export interface Pki {
  readonly dir: string;
  /** ca.crt, server.crt, server.key, NAME.crt, NAME.key, ... */
  file(name: string): string;
  remove(): void;
}

/** A fresh CA with a broker certificate for 127.0.0.1 and one client certificate (CN = name) per name. */
export function makePki(names: readonly string[], opensslBin = 'openssl'): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-pki-'));
  const binDir = path.dirname(opensslBin);
  const env = { ...process.env, DAYS: '2', ...(path.isAbsolute(opensslBin) ? { PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` } : {}) };
  execFileSync('sh', [SCRIPT, dir, ...names], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
