import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { EGO_FORWARD_SENSOR, RSU_LIDAR } from '../../sim/sensors/presets.js';
import type { ActorSpec, Scenario } from '../../sim/world/scenario.js';

/** A 3 s drive east along y = 0, an RSU beside the road, and the given actors. */
function scenario(name: string, actors: ActorSpec[]): Scenario {
  return {
    name, description: 'test', mapFrame: 'enu:test', durationS: 3, frameRateHz: 10,
    lanes: [[{ xM: -50, yM: 0 }, { xM: 100, yM: 0 }]],
    ego: { route: [{ tS: 0, xM: 0, yM: 0 }, { tS: 3, xM: 30, yM: 0 }], sensor: EGO_FORWARD_SENSOR, lengthM: 4.6, widthM: 1.9 },
    rsus: [{ id: 'rsu-1', pose: { xM: 20, yM: 8, zM: 6, yawRad: 0 }, sensor: RSU_LIDAR }],
    actors,
  };
}

const standing = (id: number, xM: number, yM: number): ActorSpec => ({
  id, objectClass: 'pedestrian', lengthM: 0.6, widthM: 0.6, heightM: 1.75,
  trajectory: [{ tS: 0, xM, yM }, { tS: 3, xM, yM }],
});

describe('iaad sim run / compare with no scorable pairs', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iaad-unscorable-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const iaad = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [IAAD_BIN, 'sim', ...args, '--network', 'fixed:0'], { encoding: 'utf8' });
  const file = (s: Scenario): string => {
    const path = join(dir, `${s.name}.json`);
    writeFileSync(path, JSON.stringify(s));
    return path;
  };

  it('a scenario without actors fails before running, naming why', () => {
    const out = join(dir, 'empty');
    const r = iaad('run', '--scenario', file(scenario('empty', [])), '--strategy', 'intra', '--out', out);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /scenario empty has no actors: there is nothing to detect/);
    assert.ok(!existsSync(join(out, 'metrics.json')));
  });

  it('compare: an actor that never enters the region of interest fails, and no table is printed', () => {
    const r = iaad('compare', '--scenario', file(scenario('behind', [standing(1, -30, 0)])), '--seeds', '1',
      '--strategies', 'intra,inter', '--jobs', '1', '--out', join(dir, 'behind'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no scorable pairs in behind \(2 runs\): no actor was ever in the region of interest/);
    assert.doesNotMatch(r.stdout, /miss ratio/);
    assert.ok(!existsSync(join(dir, 'behind', 'comparison.json')));
  });

  it('run: actors in the region of interest that no RSU sees fail: the miss ratio is undefined', () => {
    const out = join(dir, 'visible');
    const r = iaad('run', '--scenario', file({ ...scenario('visible', [standing(1, 25, -4)]), rsus: [] }), '--strategy', 'intra', '--out', out);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no scorable pairs in visible \(1 run\): none of the \d+ \(frame, actor\) pairs in the region of interest was hidden from the ego while an RSU saw it/);
    // The outputs are still written, for a look at where the actors were.
    assert.ok(existsSync(join(out, 'metrics.json')));
  });
});
