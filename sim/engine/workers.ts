// Starting a worker thread on one of this folder's modules, whether the code runs as TypeScript under tsx (the
// CLI, tests) or compiled to JavaScript: workers do not inherit the main thread's tsx registration, so a .ts
// module is started through ts-worker.mjs, which registers tsx first.
import { Worker, type TransferListItem } from 'node:worker_threads';

const RUNNING_TS = import.meta.url.endsWith('.ts');

/** A worker running ./<name>.ts (or .js once compiled), with `data` as its workerData. */
export function startEngineWorker(name: string, data: Record<string, unknown>, transferList: TransferListItem[] = []): Worker {
  const entry = new URL(`./${name}${RUNNING_TS ? '.ts' : '.js'}`, import.meta.url);
  return RUNNING_TS
    ? new Worker(new URL('./ts-worker.mjs', import.meta.url), { workerData: { ...data, entry: entry.href }, transferList })
    : new Worker(entry, { workerData: data, transferList });
}
