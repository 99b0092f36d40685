// Worker threads that run our TypeScript like the rest of the server: a two-line bootstrap
// registers tsx's loader (as the server runs under tsx) and imports the worker's module.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

// tsx's ESM entry (require.resolve would give the CommonJS one).
const TSX_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/index\.cjs$/, 'index.mjs'),
).href;

/** Node options that make a child process run our TypeScript as this one does (fork's execArgv). */
export const TS_EXEC_ARGV = [
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
] as const;

/** Starts `moduleUrl` (a file: URL of a .ts module) in a worker thread with `workerData`. */
export function startTsWorker(
  moduleUrl: string,
  workerData: unknown,
  resourceLimits?: ResourceLimits,
): Worker {
  const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
