#!/usr/bin/env node
// Compiles the sources to JavaScript in .build/js (tsc, tsconfig.build.json) with the generated protobuf code
// and the .proto schemas beside them: the code as a deployment runs it, without tsx. Used by the simulator-speed benchmark.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.build/js');
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(root, 'shared/wire/generated'), join(out, 'shared/wire/generated'), { recursive: true });
// The .proto files beside the code, as in the source tree: the MCAP recorder reads its schema from them.
cpSync(join(root, 'proto'), join(out, 'proto'), { recursive: true });
process.stdout.write(`${out}\n`);
