// One dump of the whole database in a fresh process, so its peak RSS is the dump's alone.
// Usage: tsx scripts/bench/api-dump-child.ts DB FORMAT  -> prints one JSON line.
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { gzip, type TextDumpFormat, textDump } from '../../src/api/dump-formats.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { gzipStream, sqliteDumpStream } from '../../src/node/http-hooks.js';
import { ownPeakRssMb } from './peak-memory.js';

const [file, format] = process.argv.slice(2) as [string, TextDumpFormat | 'sqlite'];
const db = openSqlite(file);
const out = join(tmpdir(), `atlas-bench-dump-${process.pid}.gz`);
const started = performance.now();
let sites = 0;
const body =
  format === 'sqlite'
    ? await sqliteDumpStream(db)
    : gzip(
        textDump(db, format, new Date(), (n) => {
          sites = n;
        }),
        { gzip: gzipStream },
      );
await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), createWriteStream(out));
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(out).size;
rmSync(out, { force: true });
await db.close();
console.log(JSON.stringify({ format, seconds, bytes, sites, peakRssMb: ownPeakRssMb() }));
