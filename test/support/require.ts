// Tests that need something from outside the repo (a broker binary, a browser, the real 5G traces) skip with a
// clear message where it is missing, except under CI, which provides it: there a missing requirement fails.
import { accessSync, constants } from 'node:fs';
import { CICV5G_DATA_DIR, cicv5gDataDir } from '../../sim/scenarios/cicv5g-drive.js';

/** Returns value, or skips the calling test (throws when CI is set) with `missing` as the reason. */
export function requireOrSkip<T>(ctx: Mocha.Context, value: T | null, missing: string): T {
  if (value !== null) return value;
  if (process.env.CI) throw new Error(`${missing}: required when CI is set`);
  console.log(`      skipping: ${missing}`);
  ctx.skip();
  throw new Error('unreachable'); // ctx.skip() throws; this satisfies the return type
}

/** The env override if set (and only it, so a wrong value is noticed), else the first executable candidate. */
export function findExecutable(envVar: string, candidates: readonly string[]): string | null {
  const env = process.env[envVar];
  for (const c of env ? [env] : candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** The CICV5G data folder where the simulator looks for it (../shared/data/cicv5g, or IAAD_CICV5G_DIR). */
export function cicv5gDirOrSkip(ctx: Mocha.Context): string {
  return requireOrSkip(ctx, cicv5gDataDir(), `CICV5G data folder not found at ${CICV5G_DATA_DIR}`);
}
