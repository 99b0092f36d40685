// Vector tiles checked by brute force against a model computed in plain JS from the raw tables:
// every tile of one z7 tile's area is decoded with @mapbox/vector-tile at a site zoom (every
// published site in exactly one tile, nothing unpublished) and at a cluster zoom (cluster counts
// sum to the sites of each tile); filters give the sets /v1/sites gives; GDAL reads a saved tile.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { type Atlas, buildAtlas, type Json, loadTruth, model } from './atlas-fixture.js';

// The area: z8 tile (132, 86), 5.625-7.031 E, 49.838-50.736 N; the points fall in a slightly larger
// box, so some sites lie outside the area and must appear in none of its tiles.
const AREA = { z: 8, x: 132, y: 86 };
const BOX = '5.4,49.7,7.2,50.9';
const NOW = '2025-06-01T12:00:00Z';
const FRESH = '2025-06-01T11:50:00Z';
const STALE = '2025-06-01T10:00:00Z';

// Independent tile arithmetic (the standard slippy-map formulas): the tile a point falls in.
function tileOf(lat: number, lon: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const my = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
  return { x: clamp(Math.floor(((lon + 180) / 360) * n)), y: clamp(Math.floor(my * n)) };
}

/** The tiles of zoom z inside the area. */
function tilesOfArea(z: number): { z: number; x: number; y: number }[] {
  const k = 2 ** (z - AREA.z);
  const out = [];
  for (let dx = 0; dx < k; dx++)
    for (let dy = 0; dy < k; dy++) out.push({ z, x: AREA.x * k + dx, y: AREA.y * k + dy });
  return out;
}

const inArea = (s: { lat: number; lon: number }) => {
  const t = tileOf(s.lat, s.lon, AREA.z);
  return t.x === AREA.x && t.y === AREA.y;
};

let atlas: Atlas;
let app: ReturnType<typeof createApp>;
let m: ReturnType<typeof model>;

async function tile(t: { z: number; x: number; y: number }, query = ''): Promise<VectorTile> {
  const res = await app.request(`/v1/tiles/${t.z}/${t.x}/${t.y}.mvt${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  return new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
}

type Decoded = { props: Record<string, Json>; lon: number; lat: number; tile: string };

async function layerOfArea(z: number, layer: string, query = ''): Promise<Decoded[]> {
  const out: Decoded[] = [];
  for (const t of tilesOfArea(z)) {
    const vt = await tile(t, query);
    const l = vt.layers[layer];
    for (let i = 0; i < (l?.length ?? 0); i++) {
      const f = l!.feature(i);
      const [lon, lat] = (f.toGeoJSON(t.x, t.y, t.z).geometry as { coordinates: number[] }).coordinates;
      out.push({ props: f.properties, lon: lon!, lat: lat!, tile: `${t.x}/${t.y}` });
    }
  }
  return out;
}

/** /v1/sites over the whole box with a filter, in one page. */
async function sitesOf(filter: string): Promise<Json[]> {
  const res = await app.request(`/v1/sites?bbox=${BOX}&limit=10000&${filter}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expect(body.next).toBeNull();
  return body.features;
}

beforeAll(async () => {
  atlas = await buildAtlas({
    locations: 1_500,
    seed: 1414,
    box: { minLon: 5.4, minLat: 49.7, maxLon: 7.2, maxLat: 50.9 },
  });
  // Some statuses confirmed 10 minutes ago (fresh against the 15-minute threshold), the rest stale.
  await atlas.db.batch([
    {
      sql: 'UPDATE evses SET status_updated_at = CASE WHEN rowid % 3 = 0 THEN ? ELSE ? END',
      params: [STALE, FRESH],
    },
  ]);
  // Written behind the writers' back: refresh the read model (it holds the status times) as they do.
  const sources = await atlas.db.all<{ id: string }>('SELECT DISTINCT source_id AS id FROM locations');
  for (const s of sources) await atlas.db.batch(refreshSiteFeaturesStmts({ sourceId: s.id }));
  app = createApp({ getDb: () => atlas.db, clock: () => new Date(NOW), http: { rateLimit: false } });
  m = model(await loadTruth(atlas.db));
}, 120_000);
afterAll(async () => {
  await atlas?.close();
});

describe('tiles at a site zoom (11) over a z8 area, decoded with @mapbox/vector-tile', () => {
  let sites: Decoded[];
  beforeAll(async () => {
    sites = await layerOfArea(11, 'sites');
  }, 120_000);

  it('hold every published site of the area exactly once, and nothing else', () => {
    const expected = m.sites.filter(inArea).map((s) => s.id);
    expect(expected.length).toBeGreaterThan(300);
    const ids = sites.map((s) => s.props.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected].sort());
  });

  it('never hold an unpublished or removed location, nor a location of a closed source', async () => {
    const published = new Set(m.published.map((l) => l.pk));
    const unpublished = (await loadTruth(atlas.db)).locations.filter((l) => !published.has(l.pk));
    expect(unpublished.length).toBeGreaterThan(50);
    const ids = new Set(sites.map((s) => s.props.id as string));
    for (const l of unpublished) expect(ids.has(l.pk)).toBe(false);
  });

  it('put each site in its own tile at its position, with the counts of its EVSEs', () => {
    const byId = new Map(m.sites.map((s) => [s.id, s]));
    for (const s of sites) {
      const site = byId.get(s.props.id)!;
      const t = tileOf(site.lat, site.lon, 11);
      expect(s.tile).toBe(`${t.x}/${t.y}`);
      // One tile unit at z11 is ~5 m: the decoded point is within two units.
      expect(Math.abs(s.lon - site.lon)).toBeLessThan(1e-4);
      expect(Math.abs(s.lat - site.lat)).toBeLessThan(1e-4);
      const evses = site.members.flatMap((l) => m.evsesOf.get(l.pk) ?? []);
      expect(s.props.evse_count).toBe(evses.length);
      const fresh = evses.filter((e) => (e.status_updated_at as string) >= '2025-06-01T11:45:00Z');
      const available = fresh.filter((e) => e.status === 'AVAILABLE').length;
      expect(s.props.available).toBe(available);
      const busy = fresh.some((e) => ['CHARGING', 'BLOCKED', 'RESERVED'].includes(e.status as string));
      expect(s.props.status).toBe(available > 0 ? 'available' : busy ? 'occupied' : s.props.status);
      if (available === 0 && !busy) expect(['out_of_order', 'unknown']).toContain(s.props.status);
    }
  });

  it('carry the properties /v1/sites gives for the same site', async () => {
    const byId = new Map<string, Json>((await sitesOf('')).map((f: Json) => [f.id, f.properties]));
    for (const s of sites.slice(0, 100)) {
      const p = byId.get(s.props.id);
      expect(p).toBeDefined();
      expect(s.props.name).toBe(p.name);
      expect(s.props.operator).toBe(p.operator);
      expect(s.props.max_power_kw ?? null).toBe(p.max_power_kw);
      expect(s.props.evse_count).toBe(p.evse_count);
    }
  });

  it('mark as free exactly the sites /v1/sites?free=true gives', async () => {
    const free = new Set((await sitesOf('free=true')).map((f: Json) => f.id));
    const marked = sites.filter((s) => s.props.free === true).length;
    expect(marked).toBeGreaterThan(0);
    expect(marked).toBeLessThan(sites.length);
    for (const s of sites) expect(s.props.free, s.props.id).toBe(free.has(s.props.id));
  });
});

describe('tiles at a cluster zoom (10) over the same area', () => {
  it('have clusters whose counts sum to the sites (and EVSEs) inside each tile', async () => {
    let total = 0;
    for (const t of tilesOfArea(10)) {
      const vt = await tile(t);
      expect(vt.layers.sites).toBeUndefined();
      const l = vt.layers.clusters;
      const inside = m.sites.filter((s) => {
        const p = tileOf(s.lat, s.lon, 10);
        return p.x === t.x && p.y === t.y;
      });
      const evses = inside.reduce(
        (n, s) => n + s.members.reduce((k, loc) => k + (m.evsesOf.get(loc.pk)?.length ?? 0), 0),
        0,
      );
      let count = 0;
      let evseSum = 0;
      for (let i = 0; i < (l?.length ?? 0); i++) {
        const f = l!.feature(i);
        count += f.properties.point_count as number;
        evseSum += f.properties.evse_count as number;
        expect(f.properties.expansion_zoom as number).toBeGreaterThan(10);
      }
      expect(count).toBe(inside.length);
      expect(evseSum).toBe(evses);
      total += count;
    }
    expect(total).toBe(m.sites.filter(inArea).length);
  });
});

describe('filters', () => {
  const FILTERS = [
    'connector=CHADEMO',
    'min_power_kw=50&max_power_kw=150',
    'status=available',
    'free=true',
    'operator=ionity',
    'country=NL,BEL',
    'source=open-b',
  ];

  it.each(FILTERS)(
    '%s: the sites of the tiles are the sites /v1/sites gives',
    async (filter) => {
      const expected = (await sitesOf(filter)).filter((f: Json) => {
        const [lon, lat] = f.geometry.coordinates;
        return inArea({ lat, lon });
      });
      expect(expected.length).toBeGreaterThan(0);
      const sites = await layerOfArea(11, 'sites', `?${filter}`);
      expect(sites.map((s) => s.props.id).sort()).toEqual(expected.map((f: Json) => f.id).sort());
      // And at a cluster zoom the counts add up to the same number.
      const clusters = await layerOfArea(10, 'clusters', `?${filter}`);
      expect(clusters.reduce((n, c) => n + (c.props.point_count as number), 0)).toBe(expected.length);
    },
    60_000,
  );
});

describe('GDAL', () => {
  it('ogrinfo (MVT driver) reads a saved tile with the same layers and counts', async () => {
    const site = m.sites.find(inArea)!;
    const t = { z: 11, ...tileOf(site.lat, site.lon, 11) };
    const res = await app.request(`/v1/tiles/${t.z}/${t.x}/${t.y}.mvt`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const decoded = new VectorTile(new PbfReader(bytes));
    const n = decoded.layers.sites?.length ?? 0;
    expect(n).toBeGreaterThan(0);
    // GDAL's MVT driver takes z/x/y from the path of a .pbf/.mvt file in a {z}/{x}/{y} tree.
    const dir = join(atlas.dir, 'tiles', String(t.z), String(t.x));
    execFileSync('mkdir', ['-p', dir]);
    const file = join(dir, `${t.y}.pbf`);
    writeFileSync(file, bytes);
    const out = execFileSync('ogrinfo', ['-ro', '-so', '-al', file], { encoding: 'utf8' });
    expect(out).toMatch(/Layer name: sites/);
    expect(out).toMatch(new RegExp(`Feature Count: ${n}\\b`));
    const all = execFileSync('ogrinfo', ['-ro', '-al', '-q', file], { encoding: 'utf8' });
    for (let i = 0; i < n; i++) {
      expect(all).toContain(String(decoded.layers.sites!.feature(i).properties.id));
    }
  });
});
