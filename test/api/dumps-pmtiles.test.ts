// The PMTiles archive, read by a reader nobody here wrote (the `pmtiles` package, as MapLibre's
// pmtiles protocol uses it): over HTTP by Range from /v1/dumps/sites.pmtiles, its header and
// metadata, every tile equal byte for byte to /v1/tiles' tile, every published site in its zoom 12
// tile and the zoom 0 clusters summing to all sites; and, for archives too large for one root
// directory, leaf directories the reader follows.
import { gunzipSync, gzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { PMTiles, type Source, zxyToTileId } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PMTILES_MAX_ZOOM } from '../../src/api/dump-pmtiles.js';
import {
  archivePrefix,
  Compression,
  type Entry,
  HEADER_BYTES,
  ROOT_LIMIT,
  TileType,
  tileId,
} from '../../src/api/tiles/pmtiles-format.js';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import { type Atlas, buildAtlas, type Json, pageThrough } from './atlas-fixture.js';

// Independent tile arithmetic (the standard slippy-map formulas): the tile a point falls in.
function tileOf(lat: number, lon: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const my = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
  return { x: clamp(Math.floor(((lon + 180) / 360) * n)), y: clamp(Math.floor(my * n)) };
}

const layer = (data: ArrayBuffer, name: string) => {
  const l = new VectorTile(new PbfReader(new Uint8Array(data))).layers[name];
  return l ? Array.from({ length: l.length }, (_, i) => l.feature(i).properties) : [];
};

/** An archive held in memory, read as the package reads a file. */
class BytesSource implements Source {
  constructor(private readonly bytes: Uint8Array) {}
  getKey() {
    return 'memory';
  }
  async getBytes(offset: number, length: number) {
    // A copy: a Buffer's slice() shares (and its .buffer is) the whole underlying memory.
    return { data: new Uint8Array(this.bytes.subarray(offset, offset + length)).buffer as ArrayBuffer };
  }
}

describe('tile ids', () => {
  it('match the pmtiles package on every tile up to zoom 5 and samples up to zoom 26', () => {
    for (let z = 0; z <= 5; z++)
      for (let x = 0; x < 2 ** z; x++)
        for (let y = 0; y < 2 ** z; y++) expect(tileId(z, x, y), `${z}/${x}/${y}`).toBe(zxyToTileId(z, x, y));
    let seed = 17;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    for (let i = 0; i < 2_000; i++) {
      const z = 6 + rnd(21);
      const [x, y] = [rnd(2 ** z), rnd(2 ** z)];
      expect(tileId(z, x, y), `${z}/${x}/${y}`).toBe(zxyToTileId(z, x, y));
    }
  });
});

describe('leaf directories', () => {
  it('are written when the root would not fit, and the reader finds every tile through them', async () => {
    // ~33,000 scattered zoom 9 tiles of varying sizes: a directory that does not compress into 16 KB.
    const entries: Entry[] = [];
    const blobs: Uint8Array[] = [];
    let offset = 0;
    let seed = 5;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const tiles: [number, number, number][] = [];
    for (let x = 0; x < 512; x++) for (let y = 0; y < 512; y++) if (rnd() < 0.125) tiles.push([9, x, y]);
    const withIds = tiles.map((t) => ({ t, id: tileId(...t) })).sort((a, b) => a.id - b.id);
    for (const { t, id } of withIds) {
      const blob = gzipSync(Buffer.from(`${t.join('/')} ${'x'.repeat(Math.floor(rnd() * 300))}`));
      blobs.push(blob);
      entries.push({ tileId: id, offset, length: blob.length, runLength: 1 });
      offset += blob.length;
    }
    const { parts } = await archivePrefix({
      entries,
      metadata: { name: 'test', vector_layers: [] },
      compress: async (b) => gzipSync(b),
      compression: Compression.gzip,
      tileType: TileType.mvt,
      minZoom: 0,
      maxZoom: 9,
      bounds: [-180, -85, 180, 85],
      center: { zoom: 0, lon: 0, lat: 0 },
    });
    const archive = Buffer.concat([...parts, ...blobs]);
    const reader = new PMTiles(new BytesSource(archive));
    const header = await reader.getHeader();
    expect(header.leafDirectoryLength).toBeGreaterThan(0);
    expect(HEADER_BYTES + header.rootDirectoryLength).toBeLessThanOrEqual(ROOT_LIMIT);
    expect(header.numTileEntries).toBe(tiles.length);
    expect(await reader.getMetadata()).toEqual({ name: 'test', vector_layers: [] });
    for (const t of tiles.filter((_, i) => i % 40 === 0 || i < 50)) {
      const tile = await reader.getZxy(...t);
      expect(Buffer.from(tile!.data).toString().split(' ')[0], t.join('/')).toBe(t.join('/'));
    }
    // A tile between the archive's tiles is absent.
    const missing = [9, 0, 0] as const;
    if (!tiles.some((t) => t[1] === 0 && t[2] === 0)) expect(await reader.getZxy(...missing)).toBeUndefined();
  });
});

describe('/v1/dumps/sites.pmtiles', () => {
  let atlas: Atlas;
  let reader: PMTiles;
  let url: string;
  let sites: Json[];

  beforeAll(async () => {
    atlas = await buildAtlas({ locations: 300, seed: 23, http: nodeHttpOptions({ rateLimit: false }) });
    url = `${atlas.server.url}/v1/dumps/sites.pmtiles`;
    reader = new PMTiles(url);
    sites = (await pageThrough(`${atlas.server.url}/v1/sites?limit=1000`)).features;
  }, 60_000);

  afterAll(async () => {
    await atlas?.close();
  });

  it('is served by Range, uncompressed, with its licence, and listed in the dumps index with its size', async () => {
    const res = await fetch(url, { headers: { range: 'bytes=0-126', 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-type')).toBe('application/vnd.pmtiles');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('link')).toBe('</v1/dumps/LICENSE.txt>; rel="license"');
    const head = Buffer.from(await res.arrayBuffer());
    expect(head.subarray(0, 7).toString()).toBe('PMTiles');
    expect(head[7]).toBe(3);
    const whole = await fetch(url);
    const size = (await whole.arrayBuffer()).byteLength;
    const index = (await (await fetch(`${atlas.server.url}/v1/dumps`)).json()) as Json;
    const entry = index.columnar.find((f: Json) => f.format === 'pmtiles');
    expect(entry).toMatchObject({ href: '/v1/dumps/sites.pmtiles', size, license: '/v1/dumps/LICENSE.txt' });
  });

  it('declares MVT tiles, gzip, zooms 0-12, the bounds of the sites and both layers', async () => {
    const h = await reader.getHeader();
    expect(h).toMatchObject({
      specVersion: 3,
      tileType: 1,
      tileCompression: 2,
      internalCompression: 2,
      minZoom: 0,
      maxZoom: PMTILES_MAX_ZOOM,
      clustered: true,
    });
    for (const s of sites) {
      const [lon, lat] = s.geometry.coordinates;
      expect(lon).toBeGreaterThanOrEqual(h.minLon - 1e-7);
      expect(lon).toBeLessThanOrEqual(h.maxLon + 1e-7);
      expect(lat).toBeGreaterThanOrEqual(h.minLat - 1e-7);
      expect(lat).toBeLessThanOrEqual(h.maxLat + 1e-7);
    }
    const meta = (await reader.getMetadata()) as Json;
    expect(meta.vector_layers.map((l: Json) => [l.id, l.minzoom, l.maxzoom])).toEqual([
      ['clusters', 0, 10],
      ['sites', 11, PMTILES_MAX_ZOOM],
    ]);
    expect(meta.attribution).toContain('Open charging atlas');
  });

  it('puts every published site in its zoom 12 and zoom 11 tiles, and zoom 0 clusters count them all', async () => {
    for (const z of [11, 12]) {
      const byTile = new Map<string, string[]>();
      for (const s of sites) {
        const [lon, lat] = s.geometry.coordinates;
        const t = tileOf(lat, lon, z);
        byTile.set(`${t.x}/${t.y}`, [...(byTile.get(`${t.x}/${t.y}`) ?? []), s.id]);
      }
      for (const [key, ids] of byTile) {
        const [x, y] = key.split('/').map(Number) as [number, number];
        const tile = await reader.getZxy(z, x, y);
        expect(tile, `${z}/${key}`).toBeTruthy();
        const inTile = layer(tile!.data, 'sites').map((p) => p.id);
        for (const id of ids) expect(inTile, `${z}/${key}`).toContain(id);
      }
    }
    const z0 = await reader.getZxy(0, 0, 0);
    const total = layer(z0!.data, 'clusters').reduce((n, p) => n + Number(p.point_count), 0);
    expect(total).toBe(sites.length);
  });

  it('holds exactly the tiles of /v1/tiles at the same moment, byte for byte, and no empty ones', async () => {
    const h = await reader.getHeader();
    const archive = Buffer.from(await (await fetch(url)).arrayBuffer());
    // Every tile of the archive, by walking zooms down from the tiles that hold sites.
    const wanted = new Set<string>();
    for (const s of sites) {
      const [lon, lat] = s.geometry.coordinates;
      for (let z = 0; z <= PMTILES_MAX_ZOOM; z++) {
        const t = tileOf(lat, lon, z);
        wanted.add(`${z}/${t.x}/${t.y}`);
      }
    }
    expect(h.numTileEntries).toBe(wanted.size);
    for (const key of wanted) {
      const [z, x, y] = key.split('/').map(Number) as [number, number, number];
      const tile = await reader.getZxy(z, x, y);
      const live = new Uint8Array(
        await (await fetch(`${atlas.server.url}/v1/tiles/${key}.mvt`)).arrayBuffer(),
      );
      expect(live.length, key).toBeGreaterThan(0);
      expect(new Uint8Array(tile!.data), key).toEqual(live);
    }
    // A tile next to the sites' area is absent, as an empty tile would be.
    expect(await reader.getZxy(12, 0, 0)).toBeUndefined();
    // The tile data section is the last part of the file and gzip-compressed per tile.
    const first = archive.subarray(h.tileDataOffset, h.tileDataOffset + 2);
    expect([...first]).toEqual([0x1f, 0x8b]);
    expect(
      gunzipSync(archive.subarray(h.jsonMetadataOffset, h.jsonMetadataOffset + h.jsonMetadataLength)),
    ).toBeTruthy();
    expect(h.tileDataOffset + (h.tileDataLength ?? Number.NaN)).toBe(archive.length);
  });
});
