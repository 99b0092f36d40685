// Builds a dump file on a worker thread (dump-worker.ts) with the heap limits of dump-limits.ts, so
// a build of minutes (the PMTiles archive renders ~22,000 tiles on the 1M-EVSE database) never
// holds the event loop, and its memory is bounded whatever the collector would do on its own.
// Builds run one at a time per process (the server's dump stores, each in a child of its own, and
// `atlas export`): each build's peak is bounded, and so is their sum. A request waiting for a
// queued build gets the store's 503 with Retry-After, as for a long one.
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DumpJob } from '../api/dump-jobs.js';
import type { Db } from '../db/types.js';
import { DUMP_HEAP_LIMITS } from './dump-limits.js';
import { execArgvFor, siblingModule, startModuleWorker } from './module-worker.js';

const WORKER = siblingModule('dump-worker', import.meta.url);
const CHILD = siblingModule('dump-process', import.meta.url);

type Message = { ok: boolean; error?: string } | { progress: number; total?: number };

/** Where a .sqlite build keeps its raw snapshot before gzipping it into `out` (hundreds of MB). */
export const rawSnapshotOf = (out: string) => `${out}.sqlite`;

/** Every file a build writes beside `out` (and `out` itself) while it runs: none may outlive it. */
export const partialFilesOf = (out: string) => [out, rawSnapshotOf(out), `${rawSnapshotOf(out)}-journal`];

/** The build running (or the last one): the next starts when it has ended, however it ended. */
let running: Promise<unknown> = Promise.resolve();

function oneAtATime(build: () => Promise<void>): Promise<void> {
  const next = running.catch(() => undefined).then(build);
  running = next;
  return next;
}

/** Writes the dump `job` describes (the .sqlite snapshot without one) of database `file` to `out`. */
export function buildDumpFile(
  file: string,
  out: string,
  job?: DumpJob,
  onProgress?: (done: number, total?: number) => void,
): Promise<void> {
  return oneAtATime(() => inWorker(file, out, job, onProgress));
}

function inWorker(
  file: string,
  out: string,
  job: DumpJob | undefined,
  onProgress: ((done: number, total?: number) => void) | undefined,
): Promise<void> {
  // Settled when the thread has exited, so the next build's thread never overlaps its teardown.
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(WORKER, { file, out, job }, DUMP_HEAP_LIMITS);
    let failure: Error | null = new Error('dump worker exited without a result');
    worker.on('message', (m: Message) => {
      if ('progress' in m) onProgress?.(m.progress, m.total);
      else failure = m.ok ? null : new Error(m.error);
    });
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      if (!failure && code !== 0) failure = new Error(`dump worker exited with ${code}`);
      if (failure) reject(failure);
      else resolve();
    });
  });
}

export interface ChildBuildOptions {
  /** Gets the child's process id when it starts (tests). */
  started?: (pid: number) => void;
  /** The server stopping: a queued build never starts, a running one is killed. */
  signal?: AbortSignal;
}

/**
 * buildDumpFile in a child process of its own (dump-process.ts), for the server: a build's minutes
 * and memory are then not the server's (the load bench's 256 MB bound is the server's). Settles
 * once the process has exited.
 */
export function buildDumpFileInChild(
  file: string,
  out: string,
  job?: DumpJob,
  opts: ChildBuildOptions = {},
): Promise<void> {
  return oneAtATime(() =>
    opts.signal?.aborted
      ? Promise.reject(new Error('the server is stopping'))
      : inChild(file, out, job, opts),
  );
}

function inChild(
  file: string,
  out: string,
  job: DumpJob | undefined,
  opts: ChildBuildOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(CHILD), [], {
      execArgv: execArgvFor(CHILD),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const stop = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (child.pid) opts.started?.(child.pid);
    let result: { ok: boolean; error?: string } | null = null;
    child.on('message', (m: Message) => {
      if (!('progress' in m)) result = m;
    });
    let failure: Error | null = null;
    // A process that never started has no exit to wait for; any other error (a send to a killed
    // child: EPIPE) is reported once the process has gone.
    child.on('error', (err) => {
      if (child.pid === undefined) reject(err);
      else failure ??= err;
    });
    child.once('exit', (code, sig) => {
      opts.signal?.removeEventListener('abort', stop);
      if (result?.ok && code === 0) return resolve();
      // A killed child leaves the raw snapshot of a .sqlite build behind (dump-worker.ts): hundreds of MB.
      rmSync(rawSnapshotOf(out), { force: true });
      reject(
        new Error(
          result?.error ?? `dump builder exited with ${code ?? sig}${failure ? ` (${failure.message})` : ''}`,
        ),
      );
    });
    child.send({ file, out, job });
  });
}

/** The database file behind `db`, or null for an in-memory database (no worker can open it). */
export async function databaseFile(db: Db): Promise<string | null> {
  if (db.kind !== 'sqlite') return null;
  const main = (await db.all<{ name: string; file: string }>('PRAGMA database_list')).find(
    (d) => d.name === 'main',
  );
  return main?.file || null;
}
