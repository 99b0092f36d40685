// /v1/tiles/{z}/{x}/{y}.mvt, /v1/tiles.json and /v1/style.json. The tile path ends in `.mvt`,
// which a typed OpenAPI route cannot match (Hono reads `:y.mvt` as a parameter named "y.mvt"), so
// that one route is documented in the registry and served as `/tiles/:z/:x/:file`, validated here
// with the same zod fields as /v1/sites (test/api/route-table.test.ts pairs the two spellings).
// tiles.json and style.json are declared with createRoute like every other route.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LocationFilter } from '../../db/queries/locations.js';
import { publishedBounds, publishedSources } from '../../db/queries/tiles.js';
import { hashBytes64 } from '../../model/ids.js';
import { iso } from '../../model/iso-time.js';
import { DEFAULT_STALE_AFTER_S } from '../availability.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, jsonOk } from '../geojson-schemas.js';
import { resourceApp, validationError } from '../http/validation.js';
import { filterOf, tileQuerySchema } from '../query-params.js';
import {
  buildTile,
  FILTERED_MIN_ZOOM,
  FILTERED_TILE_MAX_SITES,
  SITE_MIN_ZOOM,
  unfiltered,
} from './build-tile.js';
import { MAX_ZOOM, type TileId } from './tile-grid.js';
import { mapStyle, tileJson } from './tilejson.js';

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';

const whole = () =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number')
    .transform(Number);

export const tileParams = z
  .object({
    z: whole().pipe(z.number().max(MAX_ZOOM, `must be from 0 to ${MAX_ZOOM}`)),
    x: whole(),
    y: whole(),
  })
  .superRefine((t, ctx) => {
    const n = 2 ** t.z;
    for (const k of ['x', 'y'] as const) {
      if (t[k] >= n)
        ctx.addIssue({ code: 'custom', path: [k], message: `must be below 2^z = ${n} at z ${t.z}` });
    }
  })
  .openapi({ description: 'z 0..22, x and y 0..2^z-1' });

const WHOLE = /^\d{1,10}$/;

/**
 * A tile address that `tileParams` accepts, read without zod (a map asks for dozens of tiles a
 * view, and zod's parse was ~15 us of a ~300 us tile answer); null for anything else, which zod
 * then refuses with its usual message.
 */
function plainTile(z: string, x: string, y: string): TileId | null {
  if (!WHOLE.test(z) || !WHOLE.test(x) || !WHOLE.test(y)) return null;
  const t = { z: Number(z), x: Number(x), y: Number(y) };
  const n = 2 ** t.z;
  return t.z <= MAX_ZOOM && t.x < n && t.y < n ? t : null;
}

function parseTile(c: Context): TileId {
  const file = c.req.param('file') ?? '';
  if (!file.endsWith('.mvt')) {
    throw new ApiError(
      400,
      'invalid_parameter',
      'y: expected {y}.mvt (Mapbox Vector Tile is the only format)',
    );
  }
  const [z, x, y] = [c.req.param('z') ?? '', c.req.param('x') ?? '', file.slice(0, -4)];
  const plain = plainTile(z, x, y);
  if (plain) return plain;
  const parsed = tileParams.safeParse({ z, x, y });
  if (!parsed.success) throw validationError(parsed.error, 'path');
  return parsed.data;
}

/** The filter of a tile URL without a query (what a map asks for), parsed once. */
const NO_FILTER: LocationFilter = Object.freeze(filterOf(tileQuerySchema.parse({})));

function filterOfRequest(c: Context): LocationFilter {
  if (!c.req.url.includes('?')) return NO_FILTER;
  const parsed = tileQuerySchema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error, 'query');
  return filterOf(parsed.data);
}

/** The request's query string, kept as given once validated, for the tile URLs of tiles.json. */
const rawQuery = (c: Context) => new URL(c.req.url).search.slice(1);

const tileDoc = {
  summary: 'A Mapbox Vector Tile (2.1, Web Mercator, extent 4096) of sites or clusters',
  description:
    `Zooms 0-${SITE_MIN_ZOOM - 1}: layer \`clusters\` (sites folded into a grid per tile: point_count, evse_count, ` +
    `installed_kw, available, expansion_zoom). Zooms ${SITE_MIN_ZOOM}-${MAX_ZOOM}: layer \`sites\` (id, name, ` +
    'operator, max_power_kw, evse_count, available, status, connectors, free). A tile owns only the sites inside ' +
    'it. The filters are those of /v1/sites. A tile without sites is 200 with an empty body (a valid empty MVT). ' +
    `A filtered cluster tile is built per request and may hold at most ${FILTERED_TILE_MAX_SITES} published sites ` +
    `(else a 400 \`tile_too_large\`); tiles.json with a filter starts at zoom ${FILTERED_MIN_ZOOM}. ` +
    'Statuses older than the stale threshold are not counted as available.',
  tags: ['tiles'],
};

const tileJsonSchema = z
  .looseObject({
    tilejson: z.string(),
    tiles: z.array(z.string()),
    minzoom: z.number(),
    maxzoom: z.number(),
    bounds: z.array(z.number()),
    vector_layers: z.array(z.looseObject({ id: z.string() })),
  })
  .openapi('TileJson', { description: 'TileJSON 3.0.0' });

const styleSchema = z
  .looseObject({ version: z.number(), name: z.string() })
  .openapi('MapStyle', { description: 'a MapLibre style specification, version 8' });

export function createTilesApp(deps: Pick<AppDeps, 'staleAfterS' | 'publicUrl' | 'filteredTileMaxSites'>) {
  const staleAfterS = deps.staleAfterS ?? DEFAULT_STALE_AFTER_S;
  // The stale threshold as an ISO instant (whole seconds), formatted once per second of the clock
  // rather than per tile (the threshold is a whole number of seconds in every setting).
  let [lastSecond, lastFresh] = [Number.NaN, ''];
  const freshSince = (now: Date) => {
    if (!Number.isInteger(staleAfterS)) return iso(now.getTime() - staleAfterS * 1000);
    const second = Math.floor(now.getTime() / 1000);
    if (second !== lastSecond) [lastSecond, lastFresh] = [second, iso((second - staleAfterS) * 1000)];
    return lastFresh;
  };
  const baseOf = (c: Context) => deps.publicUrl?.replace(/\/$/, '') ?? new URL(c.req.url).origin;
  const app = resourceApp();
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/tiles/{z}/{x}/{y}.mvt',
    operationId: 'getTile',
    ...tileDoc,
    request: { params: z.object({ z: z.string(), x: z.string(), y: z.string() }), query: tileQuerySchema },
    responses: {
      200: {
        description: 'The tile',
        content: { [MVT_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...errorResponses,
    },
  });
  app.get('/tiles/:z/:x/:file', async (c) => {
    const tile = parseTile(c);
    const filter = filterOfRequest(c);
    const fresh = freshSince(c.get('now'));
    const maxFilteredSites = deps.filteredTileMaxSites ?? FILTERED_TILE_MAX_SITES;
    const bytes = await buildTile(c.get('db'), { tile, filter, fresh, maxFilteredSites });
    c.header('Content-Type', MVT_TYPE);
    // Tagged here, synchronously: the middleware's generic body hash is an async digest.
    c.header('ETag', `W/"${hashBytes64(bytes)}"`);
    // Handed to the middleware as bytes: it sends them as they are instead of reading the
    // Response's body stream back into a second Response.
    const body = bytes as Uint8Array<ArrayBuffer>;
    c.set('renderedBody', body);
    return c.body(body, 200);
  });
  return app
    .openapi(
      createRoute({
        method: 'get',
        path: '/tiles.json',
        operationId: 'getTileJson',
        summary: 'TileJSON 3.0.0 of the tiles (filters are passed on to the tile URLs)',
        tags: ['tiles'],
        request: { query: tileQuerySchema },
        responses: { ...jsonOk(tileJsonSchema, 'TileJSON'), ...errorResponses },
      }),
      async (c) => {
        const db = c.get('db');
        const [sources, bounds] = await Promise.all([publishedSources(db), publishedBounds(db)]);
        const filtered = !unfiltered(filterOf(c.req.valid('query')));
        return c.json(tileJson({ base: baseOf(c), query: rawQuery(c), sources, bounds, filtered }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/style.json',
        operationId: 'getMapStyle',
        summary: 'A MapLibre style (v8): country outlines, clusters, sites coloured by status',
        tags: ['tiles'],
        request: { query: tileQuerySchema },
        responses: { ...jsonOk(styleSchema, 'Style'), ...errorResponses },
      }),
      (c) => c.json(mapStyle(baseOf(c), rawQuery(c)), 200),
    );
}
