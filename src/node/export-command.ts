// `atlas export --format F --out PATH`: the files /v1/dumps serves, written to disk with a progress
// bar on a TTY. Site formats (geojson, ndjson, csv, sqlite, fgb, parquet) and pmtiles (the map
// tiles as one archive, plain) write one FILE; ending
// in `.gz` it is gzip-compressed like the HTTP dump, otherwise plain, and the licence text goes
// beside it as FILE.LICENSE.txt (a .gz or .csv has no room for it). `status` writes the daily
// status dumps of /v1/dumps/status into the directory PATH (every day, or the `--date`s given),
// with LICENSE.txt. Every file is written under a temporary name and renamed when complete.
import { createReadStream, createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGzip } from 'node:zlib';
import cliProgress from 'cli-progress';
import { DEFAULT_STALE_AFTER_S } from '../api/availability.js';
import { DUMP_FORMATS, licenseText } from '../api/dump-formats.js';
import { type DumpJob, dumpBody, type SiteDumpFormat } from '../api/dump-jobs.js';
import { ApiError } from '../api/errors.js';
import { type DayRange, statusDay, statusDays } from '../api/status-dumps/day.js';
import { STATUS_TABLES, statusCsv, statusParquet } from '../api/status-dumps/files.js';
import { makeFolder } from '../db/make-folder.js';
import { countPublishedSites, republishableSources } from '../db/queries/dump-sources.js';
import { writePublishableSnapshot } from '../db/queries/dump-sqlite.js';
import type { Db } from '../db/types.js';
import { buildDumpFile, databaseFile } from './dump-build.js';
import { fileSpool } from './file-spool.js';
import { gzipStream } from './http-hooks.js';

export const EXPORT_FORMATS = [...DUMP_FORMATS, 'sqlite', 'fgb', 'parquet', 'pmtiles', 'status'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** A file; for `status` a directory. */
  out: string;
  tty: boolean;
  /** Where the summary (and the bar, on a TTY) goes. */
  log: NodeJS.WritableStream;
  now?: Date;
  /** `status` only: the days to write (default: every day with data). */
  dates?: string[];
  /** `pmtiles` only: statuses older than this many seconds count as unknown (default: the API's). */
  staleAfterS?: number;
}

type Bar = { start(total: number, value: number): void; update(value: number): void; stop(): void };

function progressBar(opts: ExportOptions, unit: string): Bar | null {
  if (!opts.tty) return null;
  return new cliProgress.SingleBar(
    {
      format: `${opts.format} | {bar} | {value}/{total} ${unit} | {eta_formatted} left`,
      hideCursor: true,
      stream: opts.log as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_classic,
  );
}

const toNode = (body: ReadableStream<Uint8Array>) =>
  Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);

/** Writes `body` to `out` (gzip-compressed when `gz`) through `out.partial`. */
async function writeStream(body: ReadableStream<Uint8Array>, out: string, gz: boolean): Promise<void> {
  const partial = `${out}.partial`;
  try {
    await (gz
      ? pipeline(toNode(body), createGzip(), createWriteStream(partial))
      : pipeline(toNode(body), createWriteStream(partial)));
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

async function writeSqlite(db: Db, out: string, gz: boolean): Promise<void> {
  const partial = `${out}.partial`;
  const plain = gz ? `${partial}.sqlite` : partial;
  try {
    await writePublishableSnapshot(db, plain);
    if (gz) await pipeline(createReadStream(plain), createGzip(), createWriteStream(partial));
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    if (gz) rmSync(plain, { force: true });
  }
}

/**
 * Writes the site dump `job` describes to `out` through `out.partial`: built on the dump worker
 * thread, with its memory limits, as the server builds it (in process for an in-memory database).
 */
async function writeDump(
  db: Db,
  job: DumpJob,
  out: string,
  onProgress: (done: number, total?: number) => void,
): Promise<void> {
  const partial = `${out}.partial`;
  try {
    const file = await databaseFile(db);
    if (file) await buildDumpFile(file, partial, job, onProgress);
    else {
      const body = dumpBody(db, job, { gzip: gzipStream, featureSpool: fileSpool, onProgress });
      await pipeline(toNode(body), createWriteStream(partial));
    }
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

/** The PMTiles archive, whose progress is in tiles (their number is known once they are listed). */
async function exportPmtiles(db: Db, opts: ExportOptions, now: Date): Promise<number> {
  const bar = progressBar(opts, 'tiles');
  let tiles = 0;
  const onProgress = (done: number, total = 0) => {
    if (tiles === 0) bar?.start(total, 0);
    tiles = total;
    bar?.update(done);
  };
  const staleAfterS = opts.staleAfterS ?? DEFAULT_STALE_AFTER_S;
  try {
    const job: DumpJob = { format: 'pmtiles', gzip: false, now: now.toISOString(), staleAfterS };
    await writeDump(db, job, opts.out, onProgress);
  } finally {
    bar?.stop();
  }
  writeFileSync(`${opts.out}.LICENSE.txt`, licenseText(await republishableSources(db), now.toISOString()));
  opts.log.write(`wrote ${opts.out} (${tiles} tiles, pmtiles) and ${opts.out}.LICENSE.txt\n`);
  return 0;
}

async function exportSites(db: Db, opts: ExportOptions, now: Date): Promise<number> {
  const gz = opts.out.endsWith('.gz');
  const total = await countPublishedSites(db);
  const bar = progressBar(opts, 'sites');
  try {
    if (opts.format === 'sqlite') {
      bar?.start(1, 0);
      await writeSqlite(db, opts.out, gz);
      bar?.update(1);
    } else {
      bar?.start(total, 0);
      // The clock the HTTP dump would have, so the exported file is the served one byte for byte.
      const job: DumpJob = {
        format: opts.format as SiteDumpFormat,
        gzip: gz,
        now: now.toISOString(),
        staleAfterS: DEFAULT_STALE_AFTER_S,
      };
      await writeDump(db, job, opts.out, (n) => bar?.update(n));
    }
  } finally {
    bar?.stop();
  }
  writeFileSync(`${opts.out}.LICENSE.txt`, licenseText(await republishableSources(db), now.toISOString()));
  opts.log.write(
    `wrote ${opts.out} (${total} sites, ${opts.format}${gz ? ', gzip' : ''}) and ${opts.out}.LICENSE.txt\n`,
  );
  return 0;
}

async function chosenDays(db: Db, dates: string[] | undefined, now: Date): Promise<DayRange[]> {
  if (!dates || dates.length === 0) return statusDays(db, now.getTime());
  const out: DayRange[] = [];
  for (const d of dates) out.push(await statusDay(db, d, now.getTime()));
  return out;
}

async function exportStatus(db: Db, opts: ExportOptions, now: Date): Promise<number> {
  let days: DayRange[];
  try {
    days = await chosenDays(db, opts.dates, now);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    opts.log.write(`export: ${err.message}\n`);
    return 2;
  }
  makeFolder(opts.out);
  const bar = progressBar(opts, 'files');
  bar?.start(days.length * STATUS_TABLES.length * 2, 0);
  let files = 0;
  try {
    for (const day of days) {
      for (const table of STATUS_TABLES) {
        const base = join(opts.out, `${day.date}${table === 'occupancy' ? '.occupancy' : ''}`);
        await writeStream(statusCsv(db, day, table), `${base}.csv.gz`, true);
        files++;
        bar?.update(files);
        await writeStream(statusParquet(db, day, table), `${base}.parquet`, false);
        files++;
        bar?.update(files);
      }
    }
  } finally {
    bar?.stop();
  }
  writeFileSync(
    join(opts.out, 'LICENSE.txt'),
    licenseText(await republishableSources(db), now.toISOString()),
  );
  const span = days.length > 0 ? ` (${days[0]!.date} to ${days[days.length - 1]!.date})` : '';
  opts.log.write(
    `wrote ${files} status files for ${days.length} days${span} and LICENSE.txt to ${opts.out}\n`,
  );
  return 0;
}

export async function exportCommand(db: Db, opts: ExportOptions): Promise<number> {
  const now = opts.now ?? new Date();
  if (opts.format === 'status') return exportStatus(db, opts, now);
  if (opts.format === 'pmtiles') return exportPmtiles(db, opts, now);
  return exportSites(db, opts, now);
}
