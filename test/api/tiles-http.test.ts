// Vector tiles over real HTTP on loopback: a status push shows in the next tile (no stale cache),
// staleness against a controlled clock, ETag / 304, gzip, CORS, Cache-Control, empty tiles, 400s
// for bad z/x/y and filters, and tiles.json / style.json.
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

let atlas: Atlas;
// Utrecht Centraal at z15: tile (16849, 10810). The two locations are in it; a z15 tile far away
// in the Atlantic is empty.
const TILE = '/v1/tiles/15/16849/10810.mvt';
const EMPTY = '/v1/tiles/15/10000/12000.mvt';

async function sitesOf(res: Response) {
  const vt = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
  const l = vt.layers.sites;
  return Array.from({ length: l?.length ?? 0 }, (_, i) => l!.feature(i).properties);
}

beforeAll(async () => {
  atlas = await startAtlas({ now: '2025-03-01T12:00:00Z', deps: { staleAfterS: 600 } });
  const put = (id: string, lat: number, lon: number, status: string, lastUpdated: string) =>
    atlas.push('PUT', '2.2.1', `/NL/TNM/${id}`, {
      ...ocpiLocation('2.2.1', {
        id,
        lat,
        lon,
        lastUpdated,
        name: `Station ${id}`,
        evses: [{ uid: `${id}1`, status, lastUpdated }],
      }),
    });
  expect((await put('A', 52.0894, 5.1101, 'AVAILABLE', '2025-03-01T11:55:00Z')).status).toBeLessThan(300);
  expect((await put('B', 52.0899, 5.1105, 'CHARGING', '2025-03-01T11:58:00Z')).status).toBeLessThan(300);
});
afterAll(async () => {
  await atlas?.close();
});

describe('GET /v1/tiles/{z}/{x}/{y}.mvt over HTTP', () => {
  it('answers a tile with the sites, their status and counts', async () => {
    const res = await fetch(atlas.url + TILE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    const sites = await sitesOf(res);
    expect(sites.map((s) => [s.name, s.status, s.available, s.evse_count]).sort()).toEqual([
      ['Station A', 'available', 1, 1],
      ['Station B', 'occupied', 0, 1],
    ]);
    expect(sites[0]!.connectors).toMatch(/^IEC_62196_T2 11kW x1$/);
  });

  it('shows a status push in the very next request, and revalidates with ETag / 304', async () => {
    const first = await fetch(atlas.url + TILE);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    // Cached, but revalidated on every use: a browser asks again (and gets a 304) each time.
    expect(first.headers.get('cache-control')).toBe('public, no-cache');
    const again = await fetch(atlas.url + TILE, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('public, no-cache');

    const patched = await atlas.push('PATCH', '2.2.1', '/NL/TNM/A/A1', {
      status: 'OUTOFORDER',
      last_updated: '2025-03-01T11:59:00Z',
    });
    expect(patched.status).toBe(200);
    const after = await fetch(atlas.url + TILE, { headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const a = (await sitesOf(after)).find((s) => s.name === 'Station A')!;
    expect(a).toMatchObject({ status: 'out_of_order', available: 0 });
    await atlas.push('PATCH', '2.2.1', '/NL/TNM/A/A1', {
      status: 'AVAILABLE',
      last_updated: '2025-03-01T11:59:30Z',
    });
    const back = (await sitesOf(await fetch(atlas.url + TILE))).find((s) => s.name === 'Station A')!;
    expect(back).toMatchObject({ status: 'available', available: 1 });
  });

  it('stops counting a status as available once it is stale', async () => {
    atlas.clock.advance(20 * 60);
    try {
      const sites = await sitesOf(await fetch(atlas.url + TILE));
      expect(sites.map((s) => [s.name, s.status, s.available]).sort()).toEqual([
        ['Station A', 'unknown', 0],
        ['Station B', 'unknown', 0],
      ]);
    } finally {
      atlas.clock.advance(-20 * 60);
    }
  });

  it('counts a stale status again once a push confirms it, unchanged', async () => {
    atlas.clock.advance(20 * 60);
    try {
      const confirmed = await atlas.push('PATCH', '2.2.1', '/NL/TNM/A/A1', {
        status: 'AVAILABLE',
        last_updated: '2025-03-01T12:19:00Z',
      });
      expect(confirmed.status).toBe(200);
      const a = (await sitesOf(await fetch(atlas.url + TILE))).find((s) => s.name === 'Station A')!;
      expect(a).toMatchObject({ status: 'available', available: 1 });
    } finally {
      atlas.clock.advance(-20 * 60);
    }
  });

  it('is gzip-compressed on request and open to CORS', async () => {
    const plain = new Uint8Array(await (await fetch(atlas.url + TILE)).arrayBuffer());
    // Node's fetch would decompress on its own: ask through a raw request instead.
    const { request } = await import('node:http');
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>(
      (resolve, reject) => {
        const req = request(
          `${atlas.url}${TILE}`,
          { headers: { 'Accept-Encoding': 'gzip', Origin: 'https://example.org' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(new Uint8Array(gunzipSync(body))).toEqual(plain);
  });

  it('answers a tile without sites as 200 with an empty body (a valid empty MVT)', async () => {
    const res = await fetch(atlas.url + EMPTY);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(0);
    expect(Object.keys(new VectorTile(new PbfReader(bytes)).layers)).toEqual([]);
  });

  it.each([
    ['/v1/tiles/23/0/0.mvt', 'z'],
    ['/v1/tiles/2/4/0.mvt', 'x'],
    ['/v1/tiles/2/0/4.mvt', 'y'],
    ['/v1/tiles/-1/0/0.mvt', 'z'],
    ['/v1/tiles/1.5/0/0.mvt', 'z'],
    ['/v1/tiles/a/0/0.mvt', 'z'],
    ['/v1/tiles/2/0/1e1.mvt', 'y'],
    ['/v1/tiles/2/0/0.png', 'y'],
    ['/v1/tiles/2/0/0.mvt?min_power_kw=50&max_power_kw=10', 'min_power_kw'],
    ['/v1/tiles/2/0/0.mvt?connector=NOPE', 'connector'],
    ['/v1/tiles/2/0/0.mvt?free=maybe', 'free'],
    ['/v1/tiles/2/0/0.mvt?bbox=1,2,3,4', 'bbox'],
  ])('%s is a 400 naming %s', async (path, name) => {
    const res = await fetch(atlas.url + path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toMatch(/^(invalid|unknown)_parameter$/);
    expect(body.error.message.startsWith(`${name}:`)).toBe(true);
  });
});

describe('tiles.json and style.json', () => {
  it('describe the tiles as TileJSON 3.0.0 with layers, bounds and the sources’ licences', async () => {
    const res = await fetch(`${atlas.url}/v1/tiles.json?connector=IEC_62196_T2`);
    expect(res.status).toBe(200);
    const tj = (await res.json()) as Record<string, unknown> & {
      vector_layers: { id: string; minzoom: number; maxzoom: number }[];
      bounds: number[];
      tiles: string[];
    };
    expect(tj.tilejson).toBe('3.0.0');
    expect(tj.tiles).toEqual([`${atlas.url}/v1/tiles/{z}/{x}/{y}.mvt?connector=IEC_62196_T2`]);
    expect(tj.vector_layers.map((l) => l.id).sort()).toEqual(['clusters', 'sites']);
    const [clusters, sites] = ['clusters', 'sites'].map((id) => tj.vector_layers.find((l) => l.id === id)!);
    expect(clusters!.maxzoom + 1).toBe(sites!.minzoom);
    expect(tj.bounds).toEqual([5.1101, 52.0894, 5.1105, 52.0899]);
    expect(tj.attribution).toContain('CPO cpo-nl (CC0-1.0): data by cpo-nl');
    // cpo-de has published nothing: it is not named.
    expect(tj.attribution).not.toContain('cpo-de');
  });

  it('gives a MapLibre style that reads them and our own country outlines', async () => {
    const style = (await (await fetch(`${atlas.url}/v1/style.json`)).json()) as {
      version: number;
      sources: Record<string, { type: string; url?: string; data?: string }>;
      layers: { id: string; source?: string; 'source-layer'?: string }[];
    };
    expect(style.version).toBe(8);
    expect(style.sources.atlas).toMatchObject({ type: 'vector', url: `${atlas.url}/v1/tiles.json` });
    expect(style.sources.countries!.data).toBe(`${atlas.url}/map/countries.geojson`);
    expect(style.layers.filter((l) => l.source === 'atlas').map((l) => l['source-layer'])).toEqual([
      'clusters',
      'sites',
    ]);
  });

  it('validate the same filters as the tiles', async () => {
    const res = await fetch(`${atlas.url}/v1/tiles.json?status=busy`);
    expect(res.status).toBe(400);
  });
});
