// Worker threads and child processes that run one of our modules as this process runs its own.
// Built (npm start, `atlas`: scripts/build-node.mjs) every module is a .js file beside the others
// and starts as plain JavaScript. From the sources (tests, benches run through tsx) a module is a
// .ts file: a worker thread then registers tsx's loader in a two-line bootstrap, a child process
// gets tsx's --import. Compiled modules matter for memory: under tsx every worker thread compiled
// the app's modules again (45-78 MB a worker measured, and tsx's module-hooks thread beside it).
import { createRequire } from 'node:module';
import { availableParallelism, getPriority, setPriority } from 'node:os';
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
 * The same for the threads that render pages (read-workers.ts: the `pages` lane) while there are
 * fewer of them than cores (pageWorkerNice): none. A page worker is the one thread every uncached
 * page waits for, and WORKER_NICE steps below the event loop it got ~10 % of a core it shared with
 * the load generator (nice weights 36 against 335) and almost none beside another session's build
 * at nice 0. Under the api bench's load (interleaved rounds against plain node:http, 2026-12-07,
 * load 1.9-2.4): 0.20x at WORKER_NICE, 0.21-0.22x two and five steps below, 0.26x at the event
 * loop's own priority; with a nice-0 process spinning, 49-529 pages/s against 120-632/s. The price
 * is the event loop's: at equal priority it has no precedence, and nothing but the core left free
 * (defaultReadWorkers) keeps its latency down: /healthz p99 under the load bench went from 14 ms
 * to 28-32 ms (target 50 ms), with 2.8x the pages answered (docs/security.md). Statistics and
 * dumps stay WORKER_NICE below.
 */
export const PAGE_WORKER_NICE = 0;

/**
 * The nice steps of a page worker when `pageThreads` of them run on `cores` cores: PAGE_WORKER_NICE
 * while they leave the event loop a core (at most cores - 1, the default of ATLAS_READ_WORKERS);
 * WORKER_NICE when they could fill every core, as then only its priority keeps the event loop
 * (health checks, push group commits, an in-process sync) ahead of them.
 */
export function pageWorkerNice(pageThreads: number, cores = availableParallelism()): number {
  return pageThreads <= cores - 1 ? PAGE_WORKER_NICE : WORKER_NICE;
}

/**
 * Lowers the calling worker thread's scheduling priority by `steps` nice steps. On Linux the nice
 * value is per thread and pid 0 is the calling thread, so this leaves the event loop's own: with
 * every core busy rendering pages or statistics, the thread that answers everyone (a /healthz
 * probe, a cached page, a 429) still gets a core first, and heavy reads take what it leaves. Where
 * the system refuses (another OS), the thread keeps its priority.
 */
export function lowerThreadPriority(steps = WORKER_NICE): void {
  try {
    setPriority(0, Math.min(19, getPriority(0) + steps));
  } catch {
    // not permitted or not supported: a fairness aid, not a correctness one
  }
}
