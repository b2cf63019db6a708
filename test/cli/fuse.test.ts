import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { fuseInputs, type FuseInput } from '../../cli/fuse.js';

const vehicle: FuseInput = {
  source: 'veh', time: 10,
  objects: [{ id: 1, class: 'car', position: [20, 0], velocity: [10, 0], covariance: [[1, 0], [0, 1]], confidence: 1 }],
};
const rsu: FuseInput = {
  source: 'rsu-1', time: 10,
  objects: [
    { id: 5, class: 'car', position: [22, 0], velocity: [10, 0], covariance: [[1, 0], [0, 1]], confidence: 1 },
    { id: 6, class: 'pedestrian', position: [30, -6], covariance: [[0.25, 0], [0, 0.25]], confidence: 1 },
  ],
};

describe('iaad fuse (offline fusion)', function () {
  this.timeout(20_000);
  it('intra: equal-variance pair fuses to the mean with half the variance; the roadside-only object is kept', () => {
    const out = fuseInputs([vehicle, rsu], 'intra', 500);
    assert.equal(out.length, 2);
    const car = out.find((o) => o.class === 'car')!;
    assert.deepEqual(car.position, [21, 0]);
    assert.deepEqual(car.covariance, [[0.5, 0], [0, 0.5]]);
    assert.deepEqual(car.sources, [{ source: 'veh', id: 1 }, { source: 'rsu-1', id: 5 }]);
    const ped = out.find((o) => o.class === 'pedestrian')!;
    assert.deepEqual(ped.position, [30, -6]);
    assert.deepEqual(ped.sources, [{ source: 'rsu-1', id: 6 }]);
  });

  it('inter: a list 0.3 s older is predicted to the reference time before fusing', () => {
    const late: FuseInput = {
      ...rsu, time: 9.7,
      objects: [{ ...rsu.objects[0]!, position: [19, 0] }, { ...rsu.objects[1]!, velocity: [0, 1.4] }],
    };
    const out = fuseInputs([vehicle, late], 'inter', 500);
    assert.equal(out.length, 2);
    // The car: predicted to 19 + 10 * 0.3 = 22 and associated with the vehicle's car at 20. Covariance
    // intersection of two isotropic estimates keeps the tighter one (the vehicle's, not inflated by prediction).
    const car = out.find((o) => o.class === 'car')!;
    assert.deepEqual(car.position, [20, 0]);
    assert.deepEqual(car.sources.map((x) => x.source), ['veh', 'rsu-1']);
    // The pedestrian only the RSU sees: moved by 1.4 m/s * 0.3 s.
    const ped = out.find((o) => o.class === 'pedestrian')!;
    assert.deepEqual(ped.position, [30, -5.58]);
    assert.equal(fuseInputs([vehicle, { ...late, time: 9.4 }], 'inter', 500).length, 1, 'beyond the horizon: nothing added');
  });

  it('runs as a command and names the bad field of a bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-fuse-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(vehicle));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(rsu));
    const ok = spawnSync(process.execPath, [IAAD_BIN, 'fuse', '--input', join(dir, 'a.json'), '--input', join(dir, 'b.json')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as unknown[]).length, 2);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ source: 's', time: 1, objects: [{ id: 1, position: [1] }] }));
    const bad = spawnSync(process.execPath, [IAAD_BIN, 'fuse', '--input', join(dir, 'bad.json')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /objects\.0\.position/);
  });
});
