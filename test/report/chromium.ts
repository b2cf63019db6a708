// Headless Chromium for the report tests: screenshot and DOM dump of a local file. CI installs it with apt
// (`apt-get install chromium`); locally a missing binary skips the test instead of failing it, unless CI is set.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findExecutable, requireOrSkip } from '../support/require.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  return findExecutable('CHROMIUM_BIN', CANDIDATES);
}

/** The binary, or skips the calling test (fails when CI is set: CI installs it). */
export function chromiumOrSkip(ctx: Mocha.Context): string {
  const missing = process.env.CHROMIUM_BIN ? `CHROMIUM_BIN=${process.env.CHROMIUM_BIN} is not an executable` : 'chromium not installed (apt-get install chromium, or set CHROMIUM_BIN)';
  return requireOrSkip(ctx, findChromium(), missing);
}

export interface Capture {
  /** The DOM after loading, serialised by Chromium (--dump-dom). */
  dom: string;
  stderr: string;
}

/**
 * Loads `htmlFile` in headless Chromium with a fresh profile and no network features, writes a screenshot of the
 * window to `pngFile` and returns the rendered DOM. Kills the browser's process group if it takes over `timeoutMs`.
 */
export async function capture(bin: string, htmlFile: string, pngFile: string, timeoutMs = 60_000): Promise<Capture> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'iaad-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
    '--hide-scrollbars', `--user-data-dir=${profile}`, `--screenshot=${pngFile}`, '--window-size=1280,2400',
    '--dump-dom', pathToFileURL(htmlFile).href,
  ];
  // Own process group, so a hung browser and its helpers can be killed together by our child's id.
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let dom = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (dom += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup();
        reject(new Error(`chromium took over ${timeoutMs} ms; stderr:\n${stderr.slice(-2000)}`));
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`chromium exited with ${code}; stderr:\n${stderr.slice(-2000)}`);
    return { dom, stderr };
  } finally {
    process.off('exit', killGroup);
    rmSync(profile, { recursive: true, force: true });
  }
}
