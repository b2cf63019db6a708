import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAAD_BIN } from '../../sim/realtime/children.js';
import { fuseInputs, referenceIndex, type FuseInput, type FusedJson } from '../../cli/fuse.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `iaad fuse` with `args` from the repository root. */
function fuseCommand(args: readonly string[]) {
  return spawnSync(process.execPath, [IAAD_BIN, 'fuse', ...args], { encoding: 'utf8', cwd: REPO });
}

/** Every order of `xs`. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

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
    const out = fuseInputs([vehicle, rsu], { method: 'intra', horizonMs: 500, reference: 'veh' });
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
      // σ 0.5 m: a σ 1 m object predicted 0.3 s would be too uncertain to place (maxPositionStdM) and dropped.
      objects: [{ ...rsu.objects[0]!, position: [19, 0], covariance: [[0.25, 0], [0, 0.25]] }, { ...rsu.objects[1]!, velocity: [0, 1.4] }],
    };
    const out = fuseInputs([vehicle, late], { method: 'inter', horizonMs: 500 });
    assert.equal(out.length, 2);
    // The car: predicted to 19 + 10 * 0.3 = 22 (variance 0.25 + 1 · 0.3² + 2² · 0.3⁴ / 4 ≈ 0.348) and associated
    // with the vehicle's car at 20 (variance 1). The vehicle's object and one roadside track: information form
    // on the whole state (the prediction's position-velocity correlation moves it from 20 + 2 / 1.348 = 21.48): 21.54.
    const car = out.find((o) => o.class === 'car')!;
    assert.deepEqual(car.position, [21.544402, 0]);
    assert.deepEqual(car.sources.map((x) => x.source), ['veh', 'rsu-1']);
    // The pedestrian only the RSU sees: moved by 1.4 m/s * 0.3 s.
    const ped = out.find((o) => o.class === 'pedestrian')!;
    assert.deepEqual(ped.position, [30, -5.58]);
    assert.equal(fuseInputs([vehicle, { ...late, time: 9.4 }], { method: 'inter', horizonMs: 500 }).length, 1, 'beyond the horizon: nothing added');
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

  it('the reference is the newest list (ties: smallest source id) or the one named, never the first given', () => {
    const old = { ...rsu, time: 9.7 };
    assert.equal(referenceIndex([old, vehicle]), 1);
    assert.equal(referenceIndex([vehicle, old]), 0);
    assert.equal(referenceIndex([vehicle, rsu]), 1, "a tie: 'rsu-1' < 'veh'");
    assert.equal(referenceIndex([rsu, vehicle]), 0);
    assert.equal(referenceIndex([old, vehicle], 'rsu-1'), 0);
    assert.throws(() => referenceIndex([old, vehicle], 'rsu-9'), /--reference rsu-9: no input has that source \(rsu-1, veh\)/);
    assert.throws(() => fuseInputs([vehicle, { ...rsu, source: 'veh' }], { method: 'inter', horizonMs: 500 }), /two inputs have source "veh"/);
  });

  it('output ids are unique (1..N) even when every source numbers its tracks from 1', () => {
    // Three sources, each with a track 1: one car all three see, and a pedestrian only each RSU sees.
    const one = (source: string, time: number, objects: FuseInput['objects']): FuseInput => ({ source, time, objects });
    const car = { id: 1, class: 'car' as const, position: [20, 0] as [number, number], velocity: [10, 0] as [number, number], covariance: [[1, 0], [0, 1]] as [[number, number], [number, number]], confidence: 1 };
    const inputs = [
      one('veh', 10, [car]),
      one('rsu-1', 10, [car, { ...car, id: 2, class: 'pedestrian', position: [40, 8], velocity: [0, 0] }]),
      one('rsu-2', 10, [{ ...car, class: 'pedestrian', position: [60, -8], velocity: [0, 0] }, { ...car, id: 2 }]),
    ];
    for (const method of ['intra', 'inter'] as const) {
      const out = fuseInputs(inputs, { method, horizonMs: 500 });
      assert.equal(out.length, 3, method);
      assert.deepEqual(out.map((o) => o.id), [1, 2, 3], `${method}: ids`);
      const fusedCar = out.find((o) => o.class === 'car')!;
      assert.deepEqual(fusedCar.sources.map((x) => x.source).sort(), ['rsu-1', 'rsu-2', 'veh'], `${method}: the car is one object`);
    }
  });

  it('the same result whatever order the inputs are given in, for both methods (the real command)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-fuse-order-'));
    const files = [
      ['veh', vehicle],
      // Its pedestrian with a velocity: without one (σ 5 m/s assumed) it is too uncertain to place 0.2 s later.
      ['rsu-1', { ...rsu, time: 9.8, objects: [rsu.objects[0]!, { ...rsu.objects[1]!, velocity: [0, 1.4] }] }],
      ['rsu-2', { source: 'rsu-2', time: 9.9, objects: [{ id: 1, class: 'pedestrian', position: [30, -5.9], velocity: [0, 1.4], covariance: [[0.25, 0], [0, 0.25]], confidence: 1 }] }],
    ].map(([name, input]) => {
      const f = join(dir, `${name as string}.json`);
      writeFileSync(f, JSON.stringify(input));
      return f;
    });
    for (const method of ['inter', 'intra']) {
      const outputs = permutations(files).map((order) => {
        const r = fuseCommand([...order.flatMap((f) => ['--input', f]), '--method', method]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      });
      assert.equal(outputs.length, 6);
      for (const o of outputs) assert.equal(o, outputs[0], `${method}: output depends on input order`);
      const fused = JSON.parse(outputs[0]!) as FusedJson[];
      assert.equal(fused[0]?.sources[0]?.source, 'veh', `${method}: the newest list (veh, 10 s) is the reference`);
      const ped = fused.find((o) => o.class === 'pedestrian');
      assert.deepEqual(ped?.sources, [{ source: 'rsu-1', id: 6 }, { source: 'rsu-2', id: 1 }], `${method}: both RSUs' pedestrian, fused in source order`);
    }
  });

  it('the doc\'s example command runs on the shipped pair and prints the output the doc shows', () => {
    const doc = readFileSync(join(REPO, 'docs/fuse-format.md'), 'utf8');
    const example = doc.slice(doc.indexOf('## Example'), doc.indexOf('## Input'));
    const command = /^npx iaad fuse (.+)$/m.exec(example)?.[1];
    assert.ok(command, 'an example command');
    const args = command.split(/\s+/);
    const inputs = args.filter((_, i) => args[i - 1] === '--input');
    assert.equal(inputs.length, 2, 'a pair of inputs');
    for (const f of inputs) {
      assert.match(f, /^examples\/fuse\//);
      assert.ok(existsSync(join(REPO, f)), `${f} ships`);
    }
    const shown = /```json\n([\s\S]*?)```/.exec(example)?.[1];
    assert.ok(shown, 'the example output');
    const r = fuseCommand(args);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(shown));
    const swapped = fuseCommand([...args.slice(2), ...args.slice(0, 2)]);
    assert.equal(swapped.stdout, r.stdout, 'swapped inputs, same output');
  });
});
