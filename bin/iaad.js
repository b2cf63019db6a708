#!/usr/bin/env node
// Entry point of the `iaad` CLI: registers tsx so the TypeScript sources run as they are, then hands over.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
