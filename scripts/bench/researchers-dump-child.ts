// One researchers' dump of the whole database in a fresh process, so its peak RSS (VmHWM from
// /proc/self/status, the process's own high-water mark, worker threads included) is the dump's
// alone. Site dumps are built as the server and `atlas export` build them: on the dump worker
// thread (src/node/dump-build.ts, its heap limits and connection). Status days stream in process,
// as /v1/dumps/status serves them, over a connection with the dump's page cache.
// Usage: tsx scripts/bench/researchers-dump-child.ts DB fgb|parquet|pmtiles|geojson|status-intervals|status-occupancy [DATE]
// -> prints one JSON line.
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { DEFAULT_STALE_AFTER_S } from '../../src/api/availability.js';
import type { SiteDumpFormat } from '../../src/api/dump-jobs.js';
import { statusDay } from '../../src/api/status-dumps/day.js';
import { statusParquet } from '../../src/api/status-dumps/files.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { buildDumpFile } from '../../src/node/dump-build.js';
import { DUMP_CACHE_MB } from '../../src/node/dump-limits.js';

const [file, format, date] = process.argv.slice(2) as [string, string, string | undefined];
const out = join(tmpdir(), `atlas-bench-researchers-${process.pid}`);
let sites = 0;

async function siteDump(): Promise<void> {
  const job = {
    format: format as SiteDumpFormat,
    gzip: format === 'geojson',
    now: new Date().toISOString(),
    staleAfterS: DEFAULT_STALE_AFTER_S,
  };
  // `sites` counts tiles for PMTiles.
  await buildDumpFile(file, out, job, (done, total) => {
    sites = total ?? done;
  });
}

async function statusDump(): Promise<void> {
  const db = openSqlite(file, { readonly: true, migrate: false, cacheMb: DUMP_CACHE_MB });
  const table = format === 'status-occupancy' ? 'occupancy' : 'intervals';
  // The day is complete however late the bench runs: `now` is the day after it.
  const day = await statusDay(db, date!, Date.parse(`${date}T00:00:00Z`) + 2 * 86_400_000);
  const body = statusParquet(db, day, table);
  await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), createWriteStream(out));
  await db.close();
}

const started = performance.now();
await (format.startsWith('status') ? statusDump() : siteDump());
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(out).size;
rmSync(out, { force: true });
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
console.log(JSON.stringify({ format, seconds, bytes, sites, vmHwmMb: hwm / 1024 }));
