// Runs an iaad command that is expected to stop by itself (a config or start-up error) and collects stderr.
import { spawn } from 'node:child_process';
import { IAAD_BIN } from '../../sim/realtime/children.js';

/** Runs `iaad ROLE --config FILE` to its exit (a safety net kills it after 60 s: the old behaviour ran forever). */
export async function runToExit(role: string, config: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [IAAD_BIN, role, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const net = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearTimeout(net);
  return { code, stderr };
}

