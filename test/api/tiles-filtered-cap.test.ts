// Filtered cluster tiles are folded per request, so their work is bounded: a filtered tile over
// more than the cap of published sites (FILTERED_TILE_MAX_SITES, lowered here through the app's
// deps so a small atlas passes it) is a 400 `tile_too_large` while the same tile unfiltered (the
// precomputed cells) is served, a smaller one is served, and tiles.json with a filter starts at
// FILTERED_MIN_ZOOM so the map page never asks for the large ones.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { FILTERED_MIN_ZOOM } from '../../src/api/tiles/build-tile.js';
import { type Atlas, buildAtlas } from './atlas-fixture.js';

let atlas: Atlas;
let app: ReturnType<typeof createApp>;
let published: number;
/** The cap of this test: below the atlas' sites, above those of the z8 tile read below. */
const CAP = 150;
const get = (path: string) => app.request(path);

async function clusterSites(res: Response): Promise<number> {
  const l = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer()))).layers.clusters;
  let n = 0;
  for (let i = 0; i < (l?.length ?? 0); i++) n += l!.feature(i).properties.point_count as number;
  return n;
}

/** The tile of zoom z holding the most published sites, as z/x/y (slippy-map formulas). */
async function fullestTile(z: number): Promise<string> {
  const rows = await atlas.db.all<{ lat: number; lon: number }>('SELECT lat, lon FROM site_features');
  const n = 2 ** z;
  const counts = new Map<string, number>();
  for (const { lat, lon } of rows) {
    const r = (lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    const key = `${z}/${Math.floor(((lon + 180) / 360) * n)}/${y}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

beforeAll(async () => {
  // 2 x 1.5 degrees: a few sites in most tiles at FILTERED_MIN_ZOOM.
  atlas = await buildAtlas({
    locations: 400,
    seed: 14,
    box: { minLon: 5, minLat: 49.5, maxLon: 7, maxLat: 51 },
  });
  app = createApp({ getDb: () => atlas.db, http: { rateLimit: false }, filteredTileMaxSites: CAP });
  published = (await atlas.db.get<{ n: number }>('SELECT count(*) AS n FROM site_features'))!.n;
});
afterAll(async () => {
  await atlas?.close();
});

describe('filtered cluster tiles', () => {
  it('answer a 400 tile_too_large for a tile over the cap, and serve it unfiltered', async () => {
    expect(published).toBeGreaterThan(CAP);
    const res = await get('/v1/tiles/0/0/0.mvt?min_power_kw=50');
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('tile_too_large');
    expect(body.error.message).toContain(String(published));
    const whole = await get('/v1/tiles/0/0/0.mvt');
    expect(whole.status).toBe(200);
    expect(await clusterSites(whole)).toBe(published);
  });

  it('serve a filtered tile within the cap, with fewer sites than unfiltered', async () => {
    const path = `/v1/tiles/${await fullestTile(FILTERED_MIN_ZOOM)}.mvt`;
    const all = await clusterSites(await get(path));
    expect(all).toBeGreaterThan(0);
    expect(all).toBeLessThanOrEqual(CAP);
    const res = await get(`${path}?min_power_kw=350`);
    expect(res.status).toBe(200);
    const filtered = await clusterSites(res);
    expect(filtered).toBeGreaterThan(0);
    expect(filtered).toBeLessThan(all);
  });

  it('are offered by tiles.json from FILTERED_MIN_ZOOM on; unfiltered tiles from zoom 0', async () => {
    const withFilter = (await (await get('/v1/tiles.json?status=available')).json()) as {
      minzoom: number;
      tiles: string[];
      vector_layers: { id: string; minzoom: number }[];
    };
    expect(withFilter.minzoom).toBe(FILTERED_MIN_ZOOM);
    expect(withFilter.tiles[0]).toMatch(/\?status=available$/);
    expect(withFilter.vector_layers.find((l) => l.id === 'clusters')!.minzoom).toBe(FILTERED_MIN_ZOOM);
    const plain = (await (await get('/v1/tiles.json')).json()) as { minzoom: number };
    expect(plain.minzoom).toBe(0);
  });
});
