// One researchers' dump of the whole database in a fresh process, so its peak RSS (VmHWM from
// /proc/self/status, the process's own high-water mark) is the dump's alone.
// Usage: tsx scripts/bench/researchers-dump-child.ts DB fgb|parquet|pmtiles|geojson|status-intervals|status-occupancy [DATE]
// -> prints one JSON line.
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { DEFAULT_STALE_AFTER_S } from '../../src/api/availability.js';
import { fgbDump } from '../../src/api/dump-fgb.js';
import { gzip, textDump } from '../../src/api/dump-formats.js';
import { parquetDump } from '../../src/api/dump-parquet.js';
import { pmtilesDump } from '../../src/api/dump-pmtiles.js';
import { FGB_TITLE } from '../../src/api/dumps.js';
import { statusDay } from '../../src/api/status-dumps/day.js';
import { statusParquet } from '../../src/api/status-dumps/files.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { fileSpool } from '../../src/node/file-spool.js';
import { gzipStream } from '../../src/node/http-hooks.js';

const [file, format, date] = process.argv.slice(2) as [string, string, string | undefined];
const db = openSqlite(file, { readonly: true, migrate: false });
const out = join(tmpdir(), `atlas-bench-researchers-${process.pid}`);
let sites = 0;
const progress = (n: number) => {
  sites = n;
};

async function body(): Promise<ReadableStream<Uint8Array>> {
  if (format === 'fgb') return fgbDump(db, fileSpool(), FGB_TITLE, progress);
  if (format === 'parquet') return parquetDump(db, progress);
  if (format === 'pmtiles') {
    const now = new Date();
    const fresh = new Date(now.getTime() - DEFAULT_STALE_AFTER_S * 1000).toISOString();
    // `sites` counts tiles here.
    return pmtilesDump(db, fileSpool(), { fresh, generatedAt: now.toISOString(), onProgress: progress });
  }
  if (format === 'geojson') return gzip(textDump(db, 'geojson', new Date(), progress), { gzip: gzipStream });
  const table = format === 'status-occupancy' ? 'occupancy' : 'intervals';
  // The day is complete however late the bench runs: `now` is the day after it.
  const day = await statusDay(db, date!, Date.parse(`${date}T00:00:00Z`) + 2 * 86_400_000);
  return statusParquet(db, day, table);
}

const started = performance.now();
await pipeline(
  Readable.fromWeb((await body()) as unknown as NodeReadableStream<Uint8Array>),
  createWriteStream(out),
);
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(out).size;
rmSync(out, { force: true });
await db.close();
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
console.log(JSON.stringify({ format, seconds, bytes, sites, vmHwmMb: hwm / 1024 }));
