// The soak script (bench/soak.ts, 10 minutes at 20 RSUs in docs/reliability.md) in short: 3 RSU processes and
// a vehicle for 30 s, sampled every 10 s. Checked: frames keep flowing between samples on every link, the open
// fds of every process end where they started (+ a small margin), everyone exits 0. Not checked here: RSS growth
// (over 30 s on a busy machine it says little; the 10-minute run bounds it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

describe('soak, short (bench/soak.ts --minutes 0.5 --rsus 3)', function () {
  this.timeout(240_000);

  it('frames keep flowing and fd counts return to their start', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/soak.ts', '--minutes', '0.5', '--rsus', '3', '--sample-s', '10', '--skip-rss-bound'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    const report = JSON.parse(stdout) as { ok: boolean; failures: string[]; samples: Array<{ vehicle: { fds: number } | null; outputFrames: number }> };
    assert.deepEqual(report.failures, [], stderr);
    assert.equal(code, 0, stderr);
    assert.ok(report.samples.length >= 4, `${report.samples.length} samples`);
    assert.ok(report.samples.every((s) => s.vehicle !== null), 'the vehicle was sampled every time');
  });
});
