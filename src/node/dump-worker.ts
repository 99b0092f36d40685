// Worker thread: builds the publishable .sqlite snapshot of `file` and gzips it into `out`, away
// from the event loop (VACUUM INTO and the reduction take seconds on a large database and are
// synchronous in better-sqlite3). Posts 'done' or an error message.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { createGzip } from 'node:zlib';
import { writePublishableSnapshot } from '../db/queries/dump-sqlite.js';
import { openSqlite } from '../db/sqlite.js';

const { file, out } = workerData as { file: string; out: string };
const raw = `${out}.sqlite`;
try {
  const db = openSqlite(file, { readonly: true, migrate: false });
  try {
    await writePublishableSnapshot(db, raw);
  } finally {
    await db.close();
  }
  await pipeline(createReadStream(raw), createGzip(), createWriteStream(out));
  parentPort?.postMessage({ ok: true });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
} finally {
  rmSync(raw, { force: true });
}
