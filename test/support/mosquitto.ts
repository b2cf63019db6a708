// Starts a real mosquitto broker (MQTT 5) on loopback for tests. CI installs it with apt; locally a missing
// binary skips the test instead of failing it, unless CI is set.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './net.js';
import { findExecutable, requireOrSkip } from './require.js';

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** Stops the broker (SIGTERM, SIGKILL after 2 s; or at once with the signal given, e.g. SIGKILL for a crash) and removes its config. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface MosquittoOptions {
  /** Lines after the listener line: they apply to it (cafile, certfile, require_certificate, ...). */
  listener?: readonly string[];
  /** Further global lines (password_file, acl_file, ...). */
  config?: readonly string[];
  /** Default true; false when the test gives password_file or certificates as identities. */
  allowAnonymous?: boolean;
  /** mqtts:// in url (the listener is TLS). Default false. */
  tls?: boolean;
}

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto',
  '/opt/homebrew/sbin/mosquitto', '/usr/local/opt/mosquitto/sbin/mosquitto'];

export function findMosquitto(): string | null {
  return findExecutable('MOSQUITTO_BIN', CANDIDATES);
}

/** The binary, or skips the calling test (fails when CI is set: CI installs it). */
export function mosquittoOrSkip(ctx: Mocha.Context): string {
  const missing = process.env.MOSQUITTO_BIN ? `MOSQUITTO_BIN=${process.env.MOSQUITTO_BIN} is not an executable` : 'mosquitto not installed (apt-get install mosquitto, or set MOSQUITTO_BIN)';
  return requireOrSkip(ctx, findMosquitto(), missing);
}

/** Starts mosquitto on port (default: a free one) and resolves once it accepts connections. */
export async function startMosquitto(bin: string, port?: number, options: MosquittoOptions = {}): Promise<Mosquitto> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // set_tcp_nodelay as docs/transports.md advises for production: without it a pong written while an earlier
  // one is unacknowledged waits for the peer's delayed ACK.
  writeFileSync(conf, [`listener ${p} 127.0.0.1`, ...(options.listener ?? []),
    `allow_anonymous ${options.allowAnonymous ?? true}`,
    // As root mosquitto drops to the user 'mosquitto', who cannot read the tests' private temp dirs (certificates,
    // password files): a test broker stays the user it was started as.
    ...(process.getuid?.() === 0 ? ['user root'] : []), 'persistence false', 'set_tcp_nodelay true', 'log_dest stderr',
    'log_type error', 'log_type warning', ...(options.config ?? []), ''].join('\n'));
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Safety net: a test that forgets stop() (or mocha's --exit) must not leave a broker running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let done = false;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (done) return;
    done = true;
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForPort(p),
      exited.then(() => Promise.reject(new Error(`mosquitto exited at start: ${stderr.trim()}`))),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: p, url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${p}`, stop };
}
