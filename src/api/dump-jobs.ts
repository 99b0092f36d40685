// A site dump described as plain data (format, clock), so the host can build it where it likes:
// Node builds it into a file on a worker thread with its own heap limits and connection
// (src/node/dump-build.ts), Workers stream it inside the request. Both make it with dumpBody.

import type { Db } from '../db/types.js';
import { iso } from '../model/iso-time.js';
import { fgbDump, memorySpool } from './dump-fgb.js';
import { type DumpProgress, gzip, type TextDumpFormat, textDump } from './dump-formats.js';
import { parquetDump } from './dump-parquet.js';
import { pmtilesDump } from './dump-pmtiles.js';
import type { Compressors } from './http/compression.js';
import type { FeatureSpool } from './http/options.js';

/** The FlatGeobuf header's description (also in `atlas export` files). */
export const FGB_TITLE = 'Open charging atlas: sites (see /v1/dumps/LICENSE.txt)';

export type SiteDumpFormat = TextDumpFormat | 'fgb' | 'parquet' | 'pmtiles';

export interface DumpJob {
  format: SiteDumpFormat;
  /** gzip-compressed (the HTTP text dumps always are, its binary ones never). */
  gzip: boolean;
  /** The request's clock (ISO 8601): the GeoJSON's generated_at, the PMTiles' freshness. */
  now: string;
  /** PMTiles only: statuses older than this many seconds count as unknown, as in /v1/tiles. */
  staleAfterS: number;
}

export interface DumpDeps extends Compressors {
  /** Where the FlatGeobuf and PMTiles dumps spool their parts (Node: a temp file); default memory. */
  featureSpool?: () => FeatureSpool;
  /** Sites written so far (tiles, of `total`, for PMTiles). */
  onProgress?: (done: number, total?: number) => void;
}

/** The dump's bytes as a pull stream. */
export function dumpBody(db: Db, job: DumpJob, deps: DumpDeps = {}): ReadableStream<Uint8Array> {
  const body = plainBody(db, job, deps);
  return job.gzip ? gzip(body, deps) : body;
}

function plainBody(db: Db, job: DumpJob, deps: DumpDeps): ReadableStream<Uint8Array> {
  const spool = () => (deps.featureSpool ?? memorySpool)();
  const progress: DumpProgress | undefined = deps.onProgress && ((n) => deps.onProgress?.(n));
  if (job.format === 'fgb') return fgbDump(db, spool(), FGB_TITLE, progress);
  if (job.format === 'parquet') return parquetDump(db, progress);
  if (job.format === 'pmtiles') {
    const now = Date.parse(job.now);
    return pmtilesDump(db, spool(), {
      fresh: iso(now - job.staleAfterS * 1000),
      generatedAt: job.now,
      compressors: deps,
      onProgress: deps.onProgress,
    });
  }
  return textDump(db, job.format, new Date(job.now), progress);
}
