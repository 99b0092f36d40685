// Worker thread: builds one dump file away from the event loop, over its own read-only connection.
// Without a job it is the publishable .sqlite snapshot (VACUUM INTO and the reduction are
// synchronous in better-sqlite3), gzip-compressed; with one, the site dump the job describes
// (dump-jobs.ts), the PMTiles archive's two minutes of tile rendering included. The thread's heap
// limits are set by dump-build.ts. Posts progress messages, then { ok } or an error message.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parentPort, workerData } from 'node:worker_threads';
import { createGzip } from 'node:zlib';
import { type DumpJob, dumpBody } from '../api/dump-jobs.js';
import { writePublishableSnapshot } from '../db/queries/dump-sqlite.js';
import { openSqlite } from '../db/sqlite.js';
import type { Db } from '../db/types.js';
import { rawSnapshotOf } from './dump-build.js';
import { DUMP_CACHE_MB } from './dump-limits.js';
import { fileSpool } from './file-spool.js';
import { gzipStream } from './http-hooks.js';

const { file, out, job } = workerData as { file: string; out: string; job?: DumpJob };

async function sqliteDump(db: Db): Promise<void> {
  const raw = rawSnapshotOf(out);
  try {
    await writePublishableSnapshot(db, raw);
    await pipeline(createReadStream(raw), createGzip(), createWriteStream(out));
  } finally {
    rmSync(raw, { force: true });
  }
}

async function siteDump(db: Db, job: DumpJob): Promise<void> {
  const body = dumpBody(db, job, {
    gzip: gzipStream,
    featureSpool: fileSpool,
    onProgress: (done, total) => parentPort?.postMessage({ progress: done, total }),
  });
  await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), createWriteStream(out));
}

try {
  const db = openSqlite(file, { readonly: true, migrate: false, cacheMb: DUMP_CACHE_MB });
  try {
    await (job ? siteDump(db, job) : sqliteDump(db));
  } finally {
    await db.close();
  }
  parentPort?.postMessage({ ok: true });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
}
