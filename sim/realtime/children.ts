// Runs iaad commands as separate OS processes (demo, real-time simulation, end-to-end tests) and collects the
// JSON summary line each prints on stdout when it stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const IAAD_BIN = fileURLToPath(new URL('../../bin/iaad.js', import.meta.url));

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code and every JSON object the child printed on stdout. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; outputs: unknown[]; stdout: string }>;
  stop(signal?: NodeJS.Signals): void;
}

export function startChild(name: string, args: string[], logFile?: string): Child {
  const child = spawn(process.execPath, [IAAD_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IAAD_LOG_LEVEL: process.env.IAAD_LOG_LEVEL ?? 'info' },
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  if (logFile) child.stderr!.pipe(createWriteStream(logFile));
  else child.stderr!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; outputs: unknown[]; stdout: string }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        const outputs: unknown[] = [];
        for (const line of stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            outputs.push(JSON.parse(line));
          } catch {
            // not a summary line
          }
        }
        resolve({ code, signal, outputs, stdout });
      });
    },
  );
  return { name, process: child, done, stop: (signal = 'SIGTERM') => void child.kill(signal) };
}
