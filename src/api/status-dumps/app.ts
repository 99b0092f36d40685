// /v1/dumps/status: status history for load research, one UTC day per file. For each day with
// exact status data: the status intervals of every published EVSE ({date}.csv.gz, {date}.parquet)
// and the hourly occupancy rollup per grid cell ({date}.occupancy.csv.gz, .parquet). Listed in
// index.json with the licences (the sources' texts are at /v1/dumps/LICENSE.txt, as for the other
// dumps). Files are built on request and streamed; index.json reports the size a file had the last
// time it was served in full by this process (building every day to measure it would cost the work
// of every download at once).
import { createRoute, z } from '@hono/zod-openapi';
import { republishableSources } from '../../db/queries/dump-sources.js';
import type { Db } from '../../db/types.js';
import { iso } from '../../model/iso-time.js';
import { type DumpProgress, gzip } from '../dump-formats.js';
import { notFound } from '../errors.js';
import { errorResponses, jsonOk, notFoundResponse } from '../geojson-schemas.js';
import type { HttpOptions } from '../http/options.js';
import { resourceApp } from '../http/validation.js';
import { CELL_LEVEL, statusDay, statusDays } from './day.js';
import { STATUS_TABLES, type StatusTable, statusCsv, statusParquet } from './files.js';

const ENCODINGS = {
  'csv.gz': { type: 'application/gzip', inside: 'text/csv' },
  parquet: { type: 'application/vnd.apache.parquet', inside: null },
} as const;
type Encoding = keyof typeof ENCODINGS;

const TABLE_ROWS: Record<StatusTable, string> = {
  intervals:
    'one row per EVSE and interval of known status within the day (evse, evse_id, location, source, latitude, longitude, status, start, end, seconds)',
  occupancy: `one row per grid cell and hour: the figures of /v1/stats/occupancy (shares of EVSE-time, charging EVSEs, power in use) for the cells of a 2^${CELL_LEVEL} x 2^${CELL_LEVEL} lon/lat grid (cell, min_lon, min_lat, max_lon, max_lat, hour, evses, installed_kw, ...)`,
};

const FILE_RE = /^(\d{4}-\d{2}-\d{2})(\.occupancy)?\.(csv\.gz|parquet)$/;

const fileName = (date: string, table: StatusTable, enc: Encoding) =>
  `${date}${table === 'occupancy' ? '.occupancy' : ''}.${enc}`;

const noQuery = z.strictObject({});

const fileSchema = z.object({
  href: z.string(),
  table: z.enum(STATUS_TABLES),
  content_type: z.string(),
  content_type_inside: z.string().nullable().openapi({ description: 'the type inside the gzip' }),
  size: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'bytes when this server last served the file in full; null before that' }),
  size_measured_at: z.string().nullable(),
});

const statusIndexSchema = z
  .object({
    license: z.string().openapi({ description: 'URL of the licence and attribution text' }),
    sources: z.array(
      z.object({ id: z.string(), name: z.string(), license: z.string(), attribution: z.string().nullable() }),
    ),
    tables: z.record(z.string(), z.string()).openapi({ description: 'what a row of each table is' }),
    days: z.array(
      z.object({
        date: z.string(),
        complete: z
          .boolean()
          .openapi({ description: 'false for today: its files end at the time of the request' }),
        files: z.array(fileSchema),
      }),
    ),
  })
  .openapi('StatusDumpIndex');

const fileParam = z.object({
  file: z
    .string()
    .max(40)
    .openapi({
      param: { name: 'file', in: 'path' },
      example: '2025-03-01.csv.gz',
      description:
        '{YYYY-MM-DD}.csv.gz, {YYYY-MM-DD}.parquet, {YYYY-MM-DD}.occupancy.csv.gz or {YYYY-MM-DD}.occupancy.parquet',
    }),
});

/** Counts the bytes going through; `done` gets the total once the stream ended (not on cancel). */
function measured(done: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let bytes = 0;
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.length;
      controller.enqueue(chunk);
    },
    flush() {
      done(bytes);
    },
  });
}

const indexRoute = createRoute({
  method: 'get',
  path: '/index.json',
  operationId: 'listStatusDumps',
  summary: 'The days of status history, their files, sizes and licences',
  tags: ['dumps'],
  request: { query: noQuery },
  responses: { ...jsonOk(statusIndexSchema, 'Index'), ...errorResponses },
});

const fileRoute = createRoute({
  method: 'get',
  path: '/{file}',
  operationId: 'getStatusDump',
  summary: 'One day of status intervals or hourly occupancy per grid cell',
  description:
    'Status intervals of every published EVSE in the UTC day ({date}.csv.gz, {date}.parquet), or the ' +
    'hourly occupancy rollup per grid cell ({date}.occupancy.csv.gz, {date}.occupancy.parquet). Times are ' +
    'UTC. A malformed date is a 400; a day without exact status data (before the first event, rolled up, ' +
    'in the future) a 404. Today is served up to now.',
  tags: ['dumps'],
  request: { params: fileParam, query: noQuery },
  responses: {
    200: {
      description: 'The file',
      content: {
        'application/gzip': { schema: z.string().openapi({ format: 'binary' }) },
        'application/vnd.apache.parquet': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...notFoundResponse,
    ...errorResponses,
  },
});

/** Sizes are measured as files are served, so a day's size is known once it was sent whole. */
type Sizes = Map<string, { bytes: number; at: string }>;

export function createStatusDumpsApp(opts: HttpOptions = {}) {
  const sizes: Sizes = new Map();
  return resourceApp()
    .openapi(indexRoute, async (c) => c.json(await statusIndex(c.get('db'), c.get('now'), sizes), 200))
    .openapi(fileRoute, async (c) => {
      const { file } = c.req.valid('param');
      const m = FILE_RE.exec(file);
      if (!m)
        throw notFound(
          `status dump ${JSON.stringify(file)} (expected {YYYY-MM-DD}[.occupancy].csv.gz or .parquet)`,
        );
      const [, date, occupancy, enc] = m as unknown as [string, string, string | undefined, Encoding];
      const table: StatusTable = occupancy ? 'occupancy' : 'intervals';
      const db = c.get('db');
      const day = await statusDay(db, date, c.get('now').getTime());
      const body = enc === 'parquet' ? statusParquet(db, day, table) : gzip(statusCsv(db, day, table), opts);
      const name = fileName(date, table, enc);
      const at = iso(c.get('now'));
      const record: DumpProgress = (bytes) => sizes.set(name, { bytes, at });
      return c.body(body.pipeThrough(measured(record)), 200, {
        'Content-Type': ENCODINGS[enc].type,
        'Content-Disposition': `attachment; filename="status-${name}"`,
        ...(ENCODINGS[enc].inside ? { 'X-Content-Type-Inside': ENCODINGS[enc].inside } : {}),
        Link: '</v1/dumps/LICENSE.txt>; rel="license"',
        // A finished day changes only when late events arrive; today changes all the time.
        'Cache-Control': day.complete ? 'public, max-age=3600' : 'public, max-age=60',
      });
    });
}

async function statusIndex(db: Db, now: Date, sizes: Sizes) {
  const [days, sources] = await Promise.all([statusDays(db, now.getTime()), republishableSources(db)]);
  const file = (date: string, table: StatusTable, enc: Encoding) => {
    const name = fileName(date, table, enc);
    const size = sizes.get(name);
    return {
      href: `/v1/dumps/status/${name}`,
      table,
      content_type: ENCODINGS[enc].type,
      content_type_inside: ENCODINGS[enc].inside,
      size: size?.bytes ?? null,
      size_measured_at: size?.at ?? null,
    };
  };
  return {
    license: '/v1/dumps/LICENSE.txt',
    sources: sources.map((s) => ({ id: s.id, name: s.name, license: s.license, attribution: s.attribution })),
    tables: TABLE_ROWS,
    days: days.map((d) => ({
      date: d.date,
      complete: d.complete,
      files: STATUS_TABLES.flatMap((t) => [file(d.date, t, 'csv.gz'), file(d.date, t, 'parquet')]),
    })),
  };
}
