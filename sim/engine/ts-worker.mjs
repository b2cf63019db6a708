// Bootstrap of a worker thread that runs a TypeScript module: workers do not inherit the main thread's tsx
// registration (bin/iaad.js), so each registers it before importing workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
