#!/usr/bin/env node
// Generates static protobuf code (shared/wire/generated/iaad.js + .d.ts) from proto/ with protobufjs-cli.
// Runs offline at install (npm "prepare") and before build/test. `--check DIR` writes to DIR instead, so a test
// can compare. The ES6 wrapper imports "protobufjs/minimal", which Node's ESM resolver needs as ".../minimal.js".
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] === '--out' ? resolve(process.argv[3]) : join(root, 'shared/wire/generated');
const bin = (name) => join(root, 'node_modules/protobufjs-cli/bin', name);
const protos = [join(root, 'proto/iaad/v1/iaad.proto')];

mkdirSync(outDir, { recursive: true });
const js = join(outDir, 'iaad.js');
execFileSync(process.execPath, [bin('pbjs'), '-t', 'static-module', '-w', 'es6', '--force-number', '--no-beautify',
  '--no-delimited', '--no-service', '-o', js, ...protos], { stdio: 'inherit' });
// Default import: Node hands a CommonJS module's exports over as the default export; a namespace import
// (what pbjs writes) only sees the names cjs-module-lexer can detect, and protobufjs's are not among them.
writeFileSync(js, readFileSync(js, 'utf8').replace('import * as $protobuf from "protobufjs/minimal";', 'import $protobuf from "protobufjs/minimal.js";'));
execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', join(outDir, 'iaad.d.ts'), js], { stdio: 'inherit' });
