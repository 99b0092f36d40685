// GET /map: a MapLibre page over our own tiles, and its assets. maplibre-gl and the Natural Earth
// outlines (world-atlas) come from our dependencies through the host (HttpOptions.mapAsset).
import { Hono } from 'hono';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { AppEnv } from '../deps.js';
import { notFound } from '../errors.js';
import type { HttpOptions } from '../http/options.js';
import { MAP_JS } from './client-script.js';
import { MAP_CSS, MAP_HTML } from './page.js';

const TYPES: Record<string, string> = {
  'maplibre-gl.mjs': 'text/javascript; charset=utf-8',
  'maplibre-gl-worker.mjs': 'text/javascript; charset=utf-8',
  'maplibre-gl.css': 'text/css; charset=utf-8',
};

/** Country outlines as GeoJSON, converted once from world-atlas's TopoJSON. */
function countriesOf(opts: HttpOptions): () => Promise<string | null> {
  let geojson: Promise<string | null> | undefined;
  return () => {
    geojson ??= (async () => {
      const raw = await opts.mapAsset?.('countries-50m.json');
      if (raw == null) return null;
      const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
      const topology = JSON.parse(text) as Topology<{ countries: GeometryCollection }>;
      return JSON.stringify(feature(topology, topology.objects.countries));
    })();
    return geojson;
  };
}

export function createMapApp(opts: HttpOptions = {}) {
  const countries = countriesOf(opts);
  return new Hono<AppEnv>()
    .get('/map', (c) => c.html(MAP_HTML))
    .get('/map/assets/map.js', (c) => {
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      return c.body(MAP_JS);
    })
    .get('/map/assets/map.css', (c) => {
      c.header('Content-Type', 'text/css; charset=utf-8');
      return c.body(MAP_CSS);
    })
    .get('/map/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = TYPES[file];
      const body = type && opts.mapAsset ? await opts.mapAsset(file) : null;
      if (!type || body == null) throw notFound(`map asset ${JSON.stringify(file)}`);
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(body as string);
    })
    .get('/map/countries.geojson', async (c) => {
      const body = await countries();
      if (body == null) throw notFound('country outlines (this host serves no map assets)');
      c.header('Content-Type', 'application/geo+json; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(body);
    });
}
