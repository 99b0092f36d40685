// /v1/dumps: the whole published data set for researchers, gzip-compressed and streamed.
//
// Attribution: a .gz holds one file, so there is no room for a LICENSE member inside it. Each dump
// answers with `Link: </v1/dumps/LICENSE.txt>; rel="license"`, the same text is served at
// /v1/dumps/LICENSE.txt (and written beside `atlas export` files), the GeoJSON carries top-level
// `attribution` and `licenses` members, and the .sqlite a `dump_license` table. CSV has no standard
// place for comments, so it relies on the sidecar.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { countPublishedSites, republishableSources } from '../db/queries/dump-sources.js';
import type { Db } from '../db/types.js';
import { DEFAULT_STALE_AFTER_S } from './availability.js';
import type { AppEnv } from './deps.js';
import { DUMP_FORMATS, licenseText, type TextDumpFormat } from './dump-formats.js';
import { type DumpJob, dumpBody } from './dump-jobs.js';
import { PMTILES_MAX_ZOOM } from './dump-pmtiles.js';
import { ApiError, notFound } from './errors.js';
import { errorResponses, errorSchema, jsonOk, notFoundResponse } from './geojson-schemas.js';
import type { HttpOptions } from './http/options.js';
import { type FileAnswer, fileAnswer } from './http/ranges.js';
import { resourceApp } from './http/validation.js';
import { SITE_MIN_ZOOM } from './tiles/build-tile.js';

const CONTENT_TYPES: Record<TextDumpFormat | 'sqlite', string> = {
  geojson: 'application/geo+json',
  // One feature per line, no RS separators: newline-delimited JSON, not RFC 8142 geo+json-seq.
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  sqlite: 'application/vnd.sqlite3',
};

const FILES = [...DUMP_FORMATS, 'sqlite'] as const;

/** Columnar dumps, served as they are: FlatGeobuf is read by range, Parquet compresses itself. */
export const BINARY_DUMPS = {
  fgb: { type: 'application/flatgeobuf', rows: 'one feature per site, with a packed Hilbert R-tree index' },
  parquet: {
    type: 'application/vnd.apache.parquet',
    rows: 'one row per site, GeoParquet 1.1 (WKB geometry, bbox covering column)',
  },
  pmtiles: {
    type: 'application/vnd.pmtiles',
    rows: `the map tiles of /v1/tiles as PMTiles v3, zooms 0-${PMTILES_MAX_ZOOM} (clusters to ${SITE_MIN_ZOOM - 1}, sites from ${SITE_MIN_ZOOM})`,
  },
} as const;
type BinaryDump = keyof typeof BINARY_DUMPS;

const DUMP_CACHE_CONTROL = 'public, max-age=3600';

/** Dumps take no parameters; any given is refused rather than silently ignored. */
const noQuery = z.strictObject({});

const fileParams = z.object({
  file: z
    .string()
    .max(40)
    .openapi({
      param: { name: 'file', in: 'path' },
      example: 'sites.geojson',
      description: `sites.{${FILES.join(',')}}[.gz], sites.fgb, sites.parquet or sites.pmtiles`,
    }),
});

const dumpIndexSchema = z
  .object({
    sites: z.number().int().openapi({ description: 'published sites in every dump' }),
    license: z.string().openapi({ description: 'URL of the licence and attribution text' }),
    status_history: z.string().openapi({ description: 'URL of the index of the daily status dumps' }),
    sources: z.array(
      z.object({ id: z.string(), name: z.string(), license: z.string(), attribution: z.string().nullable() }),
    ),
    files: z.array(
      z.object({
        href: z.string(),
        format: z.enum(FILES),
        content_type: z.string().openapi({ description: 'the type of the file inside the gzip' }),
        encoding: z.literal('gzip'),
        available: z.boolean(),
        rows: z.string(),
      }),
    ),
    columnar: z.array(
      z.object({
        href: z.string(),
        format: z.enum(Object.keys(BINARY_DUMPS) as [BinaryDump, ...BinaryDump[]]),
        content_type: z.string(),
        rows: z.string(),
        size: z.number().int().nullable().openapi({
          description: 'bytes of the file as built now; null until first requested (or on Workers)',
        }),
        license: z.string().openapi({ description: 'URL of the licence and attribution text' }),
      }),
    ),
  })
  .openapi('DumpIndex');

const indexRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listDumps',
  summary: 'The available dumps, their licence text and size',
  tags: ['dumps'],
  request: { query: noQuery },
  responses: { ...jsonOk(dumpIndexSchema, 'Index'), ...errorResponses },
});

const licenseRoute = createRoute({
  method: 'get',
  path: '/LICENSE.txt',
  operationId: 'getDumpLicense',
  summary: 'Licences and attributions of the sources in the dumps',
  tags: ['dumps'],
  request: { query: noQuery },
  responses: {
    200: { description: 'Plain text', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses,
  },
});

const fileRoute = createRoute({
  method: 'get',
  path: '/{file}',
  operationId: 'getDump',
  summary: 'One dump, gzip-compressed and streamed',
  description:
    'sites.geojson (FeatureCollection with attribution), sites.ndjson (one feature per line), ' +
    'sites.csv (one row per EVSE), sites.sqlite (snapshot of publishable rows, with a published_sites layer). ' +
    'The `.gz` suffix is optional: the body is always gzip (Content-Type application/gzip). ' +
    'sites.fgb (FlatGeobuf with spatial index) and sites.parquet (GeoParquet 1.1) are served uncompressed. ' +
    `sites.pmtiles: the map tiles (zooms 0-${PMTILES_MAX_ZOOM}) as one PMTiles v3 archive for map clients reading by Range; Node only. ` +
    'On Node a dump is built once into a file (rebuilt when the data changed, at most every 10 minutes) and ' +
    'served with `Accept-Ranges: bytes` and a strong `ETag` (a hash of its bytes): resume an interrupted ' +
    'download with `Range: bytes=N-` and `If-Range: <ETag>` (curl -C -). On Workers dumps are streamed ' +
    'anew for each request (`Accept-Ranges: none`).',
  tags: ['dumps'],
  request: {
    params: fileParams,
    query: noQuery,
    headers: z.object({
      range: z.string().optional().openapi({ description: 'one byte range, e.g. `bytes=1048576-`' }),
      'if-range': z
        .string()
        .optional()
        .openapi({ description: 'the ETag of the partial copy: a rebuilt file is sent whole' }),
    }),
  },
  responses: {
    200: {
      description: 'The gzip file',
      content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    206: {
      description: 'The asked byte range of the file (Content-Range)',
      content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    416: { description: 'The range starts beyond the end of the file (Content-Range: bytes */size)' },
    ...notFoundResponse,
    501: {
      description: 'No .sqlite dump on this deployment (D1)',
      content: { 'application/json': { schema: errorSchema } },
    },
    ...errorResponses,
  },
});

/** Statuses older than `staleAfterS` seconds count as unknown in the PMTiles archive, as in /v1/tiles. */
export function createDumpsApp(opts: HttpOptions = {}, staleAfterS = DEFAULT_STALE_AFTER_S) {
  return resourceApp()
    .openapi(indexRoute, async (c) => c.json(await dumpIndex(c.get('db'), opts), 200))
    .openapi(licenseRoute, async (c) => {
      const text = licenseText(await republishableSources(c.get('db')), c.get('now').toISOString());
      return c.text(text, 200);
    })
    .openapi(fileRoute, async (c) => {
      const { file } = c.req.valid('param');
      const db = c.get('db');
      const binary = /^sites\.(fgb|parquet|pmtiles)$/.exec(file)?.[1] as BinaryDump | undefined;
      if (binary === 'pmtiles' && !opts.dumpFile)
        throw new ApiError(501, 'not_implemented', 'this deployment cannot build the PMTiles archive');
      if (binary) {
        const headers = {
          'Content-Type': BINARY_DUMPS[binary].type,
          'Content-Disposition': `attachment; filename="sites.${binary}"`,
          Link: LICENSE_LINK,
          'Cache-Control': DUMP_CACHE_CONTROL,
        };
        const job: DumpJob = { format: binary, gzip: false, now: c.get('now').toISOString(), staleAfterS };
        return sendFile(c, await dumpAnswer(c.req.raw.headers, headers, opts, db, `sites.${binary}`, job));
      }
      const m = /^sites\.(geojson|ndjson|csv|sqlite)(\.gz)?$/.exec(file);
      if (!m)
        throw notFound(`dump ${JSON.stringify(file)} (one of ${FILES.map((f) => `sites.${f}`).join(', ')})`);
      const format = m[1] as (typeof FILES)[number];
      const headers = {
        'Content-Type': 'application/gzip',
        'Content-Disposition': `attachment; filename="sites.${format}.gz"`,
        'X-Content-Type-Inside': CONTENT_TYPES[format],
        Link: LICENSE_LINK,
        'Cache-Control': DUMP_CACHE_CONTROL,
      };
      if (format === 'sqlite') {
        if (!opts.sqliteDump)
          throw new ApiError(501, 'not_implemented', 'this deployment cannot make .sqlite dumps');
        return sendFile(c, fileAnswer(c.req.raw.headers, await opts.sqliteDump(db), headers));
      }
      const job: DumpJob = { format, gzip: true, now: c.get('now').toISOString(), staleAfterS };
      return sendFile(c, await dumpAnswer(c.req.raw.headers, headers, opts, db, `sites.${format}.gz`, job));
    });
}

async function dumpIndex(db: Db, opts: HttpOptions): Promise<z.input<typeof dumpIndexSchema>> {
  const sources = await republishableSources(db);
  return {
    sites: await countPublishedSites(db),
    license: '/v1/dumps/LICENSE.txt',
    status_history: '/v1/dumps/status/index.json',
    sources: sources.map((s) => ({ id: s.id, name: s.name, license: s.license, attribution: s.attribution })),
    files: FILES.map((f) => ({
      href: `/v1/dumps/sites.${f}.gz`,
      format: f,
      content_type: CONTENT_TYPES[f],
      encoding: 'gzip' as const,
      available: f !== 'sqlite' || opts.sqliteDump != null,
      rows: FILE_ROWS[f],
    })),
    columnar: (Object.keys(BINARY_DUMPS) as BinaryDump[]).map((f) => ({
      href: `/v1/dumps/sites.${f}`,
      format: f,
      content_type: BINARY_DUMPS[f].type,
      rows: BINARY_DUMPS[f].rows,
      size: opts.dumpFileSize?.(`sites.${f}`) ?? null,
      license: '/v1/dumps/LICENSE.txt',
    })),
  };
}

const FILE_ROWS: Record<(typeof FILES)[number], string> = {
  geojson: 'one feature per site',
  ndjson: 'one feature per site',
  csv: 'one per EVSE, with its site',
  sqlite: 'the database, publishable rows only',
};

const LICENSE_LINK = '</v1/dumps/LICENSE.txt>; rel="license"';

/** From a built file when the host keeps one (ranges, strong ETag), else streamed anew. */
async function dumpAnswer(
  request: Headers,
  headers: Record<string, string>,
  opts: HttpOptions,
  db: Db,
  name: string,
  job: DumpJob,
): Promise<FileAnswer> {
  if (opts.dumpFile) return fileAnswer(request, await opts.dumpFile(db, name, job), headers);
  return { status: 200, body: dumpBody(db, job, opts), headers: { ...headers, 'Accept-Ranges': 'none' } };
}

/** The answer through the context, so its status is one the route declares. */
function sendFile(c: Context<AppEnv>, a: FileAnswer) {
  if (a.status === 416) return c.body('', 416, a.headers);
  return a.status === 206 ? c.body(a.body, 206, a.headers) : c.body(a.body, 200, a.headers);
}
