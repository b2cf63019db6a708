// The layer rules (.dependency-cruiser.cjs, drawn in docs/architecture.md) hold on the tree, and they do catch a
// forbidden import: each case below writes a tiny tree with one into a temporary folder and runs the real
// dependency-cruiser on it with the project's rules.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const SOURCE_FOLDERS = ['shared', 'roadside', 'vehicle', 'sim', 'bench', 'cli'];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser in `cwd` over `folders` with the project's rules; its violations. */
function cruise(cwd: string, folders: string[]): Promise<Violation[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DEPCRUISE, ...folders, '--config', CONFIG, '--output-type', 'json'],
      { cwd, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        // It exits with the number of errors; the JSON on stdout says which.
        if (!stdout.trim()) return reject(new Error(`dependency-cruiser printed nothing: ${err?.message ?? ''} ${stderr}`));
        const out = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        resolve(out.summary.violations);
      });
  });
}

/** A throwaway tree of TypeScript files (path -> source) with a tsconfig, as the project's rules expect. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iaad-layers-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true },
  }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const exporting = 'export const x = 1;\n';
const importing = (spec: string): string => `import { x } from '${spec}';\nexport const y = x;\n`;

describe('layer rules (.dependency-cruiser.cjs)', function () {
  this.timeout(120_000);
  const made: string[] = [];
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  const check = async (files: Record<string, string>): Promise<Violation[]> => {
    const dir = tree(files);
    made.push(dir);
    return cruise(dir, [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))]);
  };

  it('hold on the source tree', async () => {
    const violations = await cruise(ROOT, SOURCE_FOLDERS);
    assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`), []);
  });

  const forbidden: Array<[string, Record<string, string>, RegExp]> = [
    ['a process importing the simulator', { 'vehicle/main.ts': importing('../sim/engine/run.js'), 'sim/engine/run.ts': exporting },
      /^top-level layers: vehicle$/],
    ['a process importing the other process', { 'vehicle/main.ts': importing('../roadside/main.js'), 'roadside/main.ts': exporting },
      /^top-level layers: vehicle$/],
    ['a process importing the CLI', { 'roadside/main.ts': importing('../cli/signals.js'), 'cli/signals.ts': exporting },
      /^top-level layers: roadside$/],
    ['shared importing a process', { 'shared/fusion/a.ts': importing('../../vehicle/core.js'), 'vehicle/core.ts': exporting },
      /^top-level layers: shared$/],
    ['the simulator importing the CLI', { 'sim/realtime/a.ts': importing('../../cli/children.js'), 'cli/children.ts': exporting },
      /^top-level layers: sim$/],
    ['the pure core importing the I/O edge', {
      'shared/fusion/a.ts': importing('../transport/mqtt.js'), 'shared/transport/mqtt.ts': exporting,
    }, /^shared layers: shared\/fusion$/],
    ['the pure core reading files', { 'shared/geometry/a.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n" },
      /^shared core: no I\/O$/],
    ['a lower shared folder importing a higher one', {
      'shared/association/a.ts': importing('../fusion/b.js'), 'shared/fusion/b.ts': exporting,
    }, /^shared layers: shared\/association$/],
    ['a lower sim folder importing a higher one', {
      'sim/world/a.ts': importing('../scenarios/types.js'), 'sim/scenarios/types.ts': exporting,
    }, /^sim layers: sim\/world$/],
    ['a sim folder importing the commands', { 'sim/replay/a.ts': importing('../commands.js'), 'sim/commands.ts': exporting },
      /^sim layers: commands on top$/],
    ['two modules importing each other', {
      'sim/engine/a.ts': `import { b } from './b.js';\nexport const a = () => b;\n`,
      'sim/engine/b.ts': `import { a } from './a.js';\nexport const b = () => a;\n`,
    }, /^no-circular$/],
  ];
  for (const [what, files, rule] of forbidden) {
    it(`fail on ${what}`, async () => {
      const violations = await check(files);
      assert.ok(violations.length > 0, 'no violation reported');
      assert.ok(violations.every((v) => rule.test(v.rule.name)), violations.map((v) => v.rule.name).join(', '));
    });
  }

  it('allow imports downwards, and the core naming the Transport interface', async () => {
    const violations = await check({
      'cli/main.ts': importing('../sim/commands.js'),
      'sim/commands.ts': importing('./engine/run.js'),
      'sim/engine/run.ts': importing('../world/truth.js'),
      'sim/world/truth.ts': importing('../../vehicle/core.js'),
      'vehicle/core.ts': importing('../shared/fusion/a.js'),
      'shared/fusion/a.ts': importing('../link/b.js'),
      'shared/link/b.ts': `import type { T } from '../transport/types.js';\nexport type U = T;\nexport const x = 1;\n`,
      'shared/transport/types.ts': 'export type T = string;\n',
    });
    assert.deepEqual(violations.map((v) => v.rule.name), []);
  });
});
