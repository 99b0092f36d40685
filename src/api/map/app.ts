// GET /map: a MapLibre page over our own tiles, and its assets. Static files take any query
// (MapLibre asks for its worker with `?v=VERSION`), so they declare no query schema. maplibre-gl and the Natural Earth
// outlines (world-atlas) come from our dependencies through the host (HttpOptions.mapAsset).
import { createRoute, z } from '@hono/zod-openapi';
import type { FeatureCollection } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { notFound } from '../errors.js';
import { errorResponses, GEOJSON, geojsonOk, notFoundResponse } from '../geojson-schemas.js';
import type { HttpOptions } from '../http/options.js';
import { resourceApp } from '../http/validation.js';
import { MAP_JS } from './client-script.js';
import { MAP_CSS, MAP_HTML } from './page.js';

const TYPES: Record<string, string> = {
  'maplibre-gl.mjs': 'text/javascript; charset=utf-8',
  'maplibre-gl-worker.mjs': 'text/javascript; charset=utf-8',
  'maplibre-gl.css': 'text/css; charset=utf-8',
};

/** Country outlines as GeoJSON, converted once from world-atlas's TopoJSON. */
function countriesOf(opts: HttpOptions): () => Promise<FeatureCollection | null> {
  let geojson: Promise<FeatureCollection | null> | undefined;
  return () => {
    geojson ??= (async () => {
      const raw = await opts.mapAsset?.('countries-50m.json');
      if (raw == null) return null;
      const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
      const topology = JSON.parse(text) as Topology<{ countries: GeometryCollection }>;
      return feature(topology, topology.objects.countries) as FeatureCollection;
    })();
    return geojson;
  };
}

const countriesSchema = z
  .looseObject({ type: z.literal('FeatureCollection'), features: z.array(z.looseObject({})) })
  .openapi('CountryOutlines', { description: 'Natural Earth 1:50m country polygons' });

const textFile = (type: string, description: string) => ({
  200: { description, content: { [type]: { schema: z.string() } } },
});

const assetRoute = (path: string, operationId: string, summary: string, type: string) =>
  createRoute({
    method: 'get',
    path,
    operationId,
    summary,
    tags: ['map'],
    responses: { ...textFile(type, 'The file'), ...errorResponses },
  });

const libraryAssetRoute = createRoute({
  method: 'get',
  path: '/map/assets/{file}',
  operationId: 'getMapAsset',
  summary: "MapLibre's script, worker or style sheet, from our own dependencies",
  tags: ['map'],
  request: {
    params: z.object({
      file: z
        .string()
        .max(100)
        .openapi({ param: { name: 'file', in: 'path' }, example: 'maplibre-gl.mjs' }),
    }),
  },
  responses: {
    200: {
      description: 'The file',
      content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
    },
    ...notFoundResponse,
    ...errorResponses,
  },
});

const countriesRoute = createRoute({
  method: 'get',
  path: '/map/countries.geojson',
  operationId: 'getCountryOutlines',
  summary: 'Country outlines, the basemap of /map and /v1/style.json',
  tags: ['map'],
  responses: {
    ...geojsonOk(countriesSchema, 'A FeatureCollection of country polygons'),
    ...notFoundResponse,
    ...errorResponses,
  },
});

export function createMapApp(opts: HttpOptions = {}) {
  const countries = countriesOf(opts);
  return resourceApp()
    .openapi(
      assetRoute(
        '/map',
        'getMapPage',
        'A map of every site, coloured by live status (MapLibre)',
        'text/html',
      ),
      (c) => c.html(MAP_HTML),
    )
    .openapi(
      assetRoute('/map/assets/map.js', 'getMapScript', 'The map page script', 'text/javascript'),
      (c) => c.body(MAP_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
    )
    .openapi(
      assetRoute('/map/assets/map.css', 'getMapStyleSheet', 'The map page style sheet', 'text/css'),
      (c) => c.body(MAP_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }),
    )
    .openapi(libraryAssetRoute, async (c) => {
      const { file } = c.req.valid('param');
      const type = TYPES[file];
      const body = type && opts.mapAsset ? await opts.mapAsset(file) : null;
      if (!type || body == null) throw notFound(`map asset ${JSON.stringify(file)}`);
      return c.body(body as string, 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
    })
    .openapi(countriesRoute, async (c) => {
      const body = await countries();
      if (body == null) throw notFound('country outlines (this host serves no map assets)');
      return c.json(body, 200, { 'Content-Type': GEOJSON, 'Cache-Control': 'public, max-age=86400' });
    });
}
