// Builds a dump file on a worker thread (dump-worker.ts) with the heap limits of dump-limits.ts, so
// a build of minutes (the PMTiles archive renders ~22,000 tiles on the 1M-EVSE database) never
// holds the event loop, and its memory is bounded whatever the collector would do on its own.
import type { DumpJob } from '../api/dump-jobs.js';
import type { Db } from '../db/types.js';
import { DUMP_HEAP_LIMITS } from './dump-limits.js';
import { startTsWorker } from './ts-worker.js';

const WORKER = new URL('./dump-worker.ts', import.meta.url).href;

type Message = { ok: boolean; error?: string } | { progress: number; total?: number };

/** Writes the dump `job` describes (the .sqlite snapshot without one) of database `file` to `out`. */
export function buildDumpFile(
  file: string,
  out: string,
  job?: DumpJob,
  onProgress?: (done: number, total?: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startTsWorker(WORKER, { file, out, job }, DUMP_HEAP_LIMITS);
    worker.on('message', (m: Message) => {
      if ('progress' in m) onProgress?.(m.progress, m.total);
      else if (m.ok) resolve();
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`dump worker exited with ${code}`));
    });
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
