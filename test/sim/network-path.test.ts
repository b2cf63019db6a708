// `--network FILE`: a bare CICV5G file as the whole spec means `trace:FILE@time`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { networkSpec, resolveScenario } from '../../sim/scenarios/resolve.js';

const HEADER = 'pub_time(ms) sub_time(ms) delay(ms) utmX(m) utmY(m) heading(rad) velocity(m/s) cellid(db) sinr(db) rsrp(db)';

/** A 20 s CICV5G drive, a row every 50 ms, RTT 40-79 ms with a 2 s outage-like stretch at 8 s. */
function cicv5gText(): string {
  const rows = [HEADER];
  const t0 = 1721201578559;
  for (let i = 0; i < 400; i++) {
    const delay = i >= 160 && i < 200 ? 1500 : 40 + ((i * 7) % 40);
    rows.push(`${t0 + 50 * i} ${t0 + 50 * i + delay} ${delay} ${328968.4 + 0.5 * i} 3463465.19 0 10 5C4225714 8 -68 `);
  }
  return `${rows.join('\n')}\n`;
}

describe('--network: a bare CICV5G file means trace:FILE@time', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iaad-netpath-'));
    file = join(dir, 'drive.txt');
    writeFileSync(file, cicv5gText());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a path (absolute or relative) becomes trace:ABSOLUTE@time; a spec is left as it is', () => {
    assert.equal(networkSpec(file), `trace:${file}@time`);
    assert.equal(networkSpec(relative(process.cwd(), file)), `trace:${file}@time`);
    for (const spec of ['fixed:20', 'jitter:20,5@gamma', `trace:${file}@position+ge:0.01,0.3,0,0.8`, '']) {
      assert.equal(networkSpec(spec), spec);
    }
    assert.equal(resolveScenario('occluded-crossing', undefined, file).network, `trace:${file}@time`);
  });

  it('a path that does not exist, or is a folder, fails naming it', () => {
    const missing = join(dir, 'no-such-drive.txt');
    assert.throws(() => networkSpec(missing), (e: Error) => e.message.includes(`"${missing}"`) && /no such file/.test(e.message));
    assert.throws(() => networkSpec('fixed20'), /--network "fixed20": .*no such file.*read as a CICV5G file/);
    assert.throws(() => networkSpec(dir), (e: Error) => e.message.includes(`${dir} is not a file`));
  });

  it('sim run --network FILE gives the same metrics.json as --network trace:FILE@time; a missing file exits 2', () => {
    const run = (network: string, out: string) => spawnSync(
      process.execPath,
      [IAAD_BIN, 'sim', 'run', '--scenario', 'occluded-crossing', '--strategy', 'adaptive-st', '--network', network, '--out', join(dir, out)],
      { encoding: 'utf8' },
    );
    const bare = run(file, 'bare');
    assert.equal(bare.status, 0, bare.stderr);
    const explicit = run(`trace:${file}@time`, 'explicit');
    assert.equal(explicit.status, 0, explicit.stderr);
    const metrics = readFileSync(join(dir, 'bare', 'metrics.json'), 'utf8');
    assert.equal(metrics, readFileSync(join(dir, 'explicit', 'metrics.json'), 'utf8'));
    assert.ok(metrics.includes(`"trace:${file}@time"`), 'the run records the spec it ran');
    const missing = run(join(dir, 'gone.txt'), 'gone');
    assert.equal(missing.status, 2);
    assert.ok(missing.stderr.includes(join(dir, 'gone.txt')), missing.stderr);
  });
});
