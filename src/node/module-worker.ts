// Worker threads and child processes that run one of our modules as this process runs its own.
// Built (npm start, `atlas`: scripts/build-node.mjs) every module is a .js file beside the others
// and starts as plain JavaScript. From the sources (tests, benches run through tsx) a module is a
// .ts file: a worker thread then registers tsx's loader in a two-line bootstrap, a child process
// gets tsx's --import. Compiled modules matter for memory: under tsx every worker thread compiled
// the app's modules again (45-78 MB a worker measured, and tsx's module-hooks thread beside it).
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** The file: URL of module `name` (no extension) beside `base` (the caller's import.meta.url). */
export function siblingModule(name: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}

const isTypeScript = (url: URL) => url.pathname.endsWith('.ts');

/** Node options a child process running `module` needs (fork's execArgv): tsx's for a .ts file. */
export function execArgvFor(module: URL): string[] {
  return isTypeScript(module) ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
}

/** Starts `module` in a worker thread with `workerData`. */
export function startModuleWorker(module: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!isTypeScript(module)) return new Worker(module, { workerData, resourceLimits });
  // tsx's ESM entry (require.resolve would give the CommonJS one).
  const tsx = pathToFileURL(require.resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

/** How much lower than the event loop's a worker thread's scheduling priority is (nice steps). */
export const WORKER_NICE = 10;

/**
 * Lowers the calling worker thread's scheduling priority by WORKER_NICE. On Linux the nice value
 * is per thread and pid 0 is the calling thread, so this leaves the event loop's own: with every
 * core busy rendering pages or statistics, the thread that answers everyone (a /healthz probe, a
 * cached page, a 429) still gets a core at once, and heavy reads take what it leaves. Where the
 * system refuses (another OS), the thread keeps its priority.
 */
export function lowerThreadPriority(): void {
  try {
    setPriority(0, Math.min(19, getPriority(0) + WORKER_NICE));
  } catch {
    // not permitted or not supported: a fairness aid, not a correctness one
  }
}
