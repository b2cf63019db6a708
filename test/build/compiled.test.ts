// The compiled tree (scripts/build-js.mjs → .build/js, what a deployment and the sim-speed benchmark run) must find
// what the source tree finds: the .proto schema the MCAP recorder reads and the CICV5G data beside the repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('the compiled tree (.build/js)', function () {
  this.timeout(120_000);

  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build-js.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  });

  it('builds the MCAP schema from its own copy of the .proto and looks for CICV5G data where the sources do', () => {
    const script = `
      const { envelopeSchema } = await import(${JSON.stringify(join(root, '.build/js/shared/record/schema.js'))});
      const { CICV5G_DATA_DIR } = await import(${JSON.stringify(join(root, '.build/js/sim/scenarios/cicv5g-drive.js'))});
      const s = envelopeSchema();
      console.log(JSON.stringify({ name: s.name, bytes: s.data.length, cicv5g: CICV5G_DATA_DIR }));`;
    const env = { ...process.env };
    delete env.IAAD_CICV5G_DIR;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: '/', env, encoding: 'utf8' }));
    assert.equal(out.name, 'iaad.v1.Envelope');
    assert.ok(out.bytes > 1000, `schema of ${out.bytes} bytes`);
    assert.equal(out.cicv5g, resolve(root, '../shared/data/cicv5g'));
    assert.ok(existsSync(join(root, '.build/js/proto/iaad/v1/iaad.proto')));
  });
});
