import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../src/model/geo.js';
import {
  type Atlas,
  buildAtlas,
  getGeoJson,
  type Json,
  loadTruth,
  type ModelFilter,
  model,
  pageThrough,
} from './atlas-fixture.js';

let atlas: Atlas;
let m: ReturnType<typeof model>;
const BOX = { minLon: 4, minLat: 48, maxLon: 10, maxLat: 53 };
const bboxParam = (b: typeof BOX) => `${b.minLon},${b.minLat},${b.maxLon},${b.maxLat}`;

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 1_500, seed: 7 });
  m = model(await loadTruth(atlas.db));
});
afterAll(() => atlas.close());

const ids = (features: { id: string }[]) => features.map((f) => f.id).sort();

describe('/v1/sites', () => {
  const cases: [string, string, ModelFilter][] = [
    ['everything', '', {}],
    ['bbox', `bbox=${bboxParam(BOX)}`, { bbox: BOX }],
    [
      'bbox across the antimeridian',
      'bbox=179.5,-25,-179.5,-5',
      { bbox: { minLon: 179.5, minLat: -25, maxLon: -179.5, maxLat: -5 } },
    ],
    ['country alpha-2 and alpha-3', 'country=DE,nld', { countries: ['DE', 'NLD'] }],
    ['operator, case-insensitive', 'operator=ionity', { operator: 'Ionity' }],
    ['connector', 'connector=iec_62196_t2_combo,CHADEMO', { connectors: ['IEC_62196_T2_COMBO', 'CHADEMO'] }],
    ['power range', 'min_power_kw=22&max_power_kw=150', { minKw: 22, maxKw: 150 }],
    [
      'connector with power',
      'connector=IEC_62196_T2&min_power_kw=11',
      { connectors: ['IEC_62196_T2'], minKw: 11 },
    ],
    ['available now', 'status=available', { available: true }],
    ['free', 'free=true', { free: true }],
    ['not free', 'free=false', { free: false }],
    ['source', 'source=open-b', { sources: ['open-b'] }],
    ['licence', 'license=cc-by-4.0', { licenses: ['CC-BY-4.0'] }],
    ['updated since', 'updated_since=2024-07-01', { updatedSince: '2024-07-01T00:00:00Z' }],
    [
      'bbox with filters',
      `bbox=${bboxParam(BOX)}&country=FR&status=available&min_power_kw=50`,
      { bbox: BOX, countries: ['FR'], available: true, minKw: 50 },
    ],
  ];

  it.each(cases)('answers %s like a brute-force scan', async (_name, query, filter) => {
    const { features } = await pageThrough(`${atlas.server.url}/v1/sites?limit=10000&${query}`);
    const expected = m
      .sitesMatching(filter)
      .map((s) => s.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(features)).toEqual(expected);
  });

  it('never serves unpublished, removed or unlicensed locations', async () => {
    const { features } = await pageThrough(`${atlas.server.url}/v1/sites?limit=10000`);
    const sources = new Set(features.flatMap((f) => f.properties.sources));
    expect([...sources].sort()).toEqual(['open-a', 'open-b']);
    const publishedPks = new Set(m.published.map((l) => l.pk));
    for (const f of features)
      for (const pk of f.properties.location_ids) expect(publishedPks.has(pk)).toBe(true);
  });

  it('groups locations that share a site_id into one site, positioned by its sites row', async () => {
    const grouped = m.sites.filter((s) => s.members.length > 1);
    expect(grouped.length).toBeGreaterThan(3);
    const { features } = await pageThrough(`${atlas.server.url}/v1/sites?limit=10000`);
    const byId = new Map(features.map((f) => [f.id, f]));
    for (const s of grouped) {
      const f = byId.get(s.id);
      expect(f.properties.location_ids).toEqual(s.members.map((l) => l.pk));
      expect(f.geometry.coordinates).toEqual([Math.round(s.lon * 1e7) / 1e7, Math.round(s.lat * 1e7) / 1e7]);
      const evses = s.members.reduce((n, l) => n + (m.evsesOf.get(l.pk)?.length ?? 0), 0);
      expect(f.properties.evse_count).toBe(evses);
    }
  });

  it('pages through everything once: no duplicates, no gaps, in a stable order', async () => {
    for (const query of ['', `&bbox=${bboxParam(BOX)}`, '&status=available']) {
      const { features, pages } = await pageThrough(`${atlas.server.url}/v1/sites?limit=97${query}`);
      const all = ids(features);
      expect(new Set(all).size).toBe(all.length);
      expect(pages).toBeGreaterThan(3);
      const whole = await pageThrough(`${atlas.server.url}/v1/sites?limit=10000${query}`);
      expect(all).toEqual(ids(whole.features));
      expect(features.map((f) => f.id)).toEqual(whole.features.map((f: { id: string }) => f.id));
    }
  });

  it('spreads a limited bbox answer over every quadrant of the box', async () => {
    const inBox = m.sitesMatching({ bbox: BOX }).length;
    const { body } = await getGeoJson(`${atlas.server.url}/v1/sites?bbox=${bboxParam(BOX)}&limit=40`);
    expect(inBox).toBeGreaterThan(300);
    expect(body.features).toHaveLength(40);
    expect(body.next).toMatch(/cursor=/);
    const midLon = (BOX.minLon + BOX.maxLon) / 2;
    const midLat = (BOX.minLat + BOX.maxLat) / 2;
    const quadrants = new Set(
      body.features.map((f: { geometry: { coordinates: [number, number] } }) => {
        const [lon, lat] = f.geometry.coordinates;
        return `${lon < midLon ? 'W' : 'E'}${lat < midLat ? 'S' : 'N'}`;
      }),
    );
    expect([...quadrants].sort()).toEqual(['EN', 'ES', 'WN', 'WS']);
  });

  it('sorts a near query by distance, within the radius, with the distance in properties', async () => {
    const near = { lat: 50.5, lon: 7 };
    const radius = 100_000;
    const expected = m
      .sitesMatching({})
      .map((s) => ({ id: s.id, d: distanceM(near.lat, near.lon, s.lat, s.lon) }))
      .filter((s) => s.d <= radius)
      .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1));
    expect(expected.length).toBeGreaterThan(20);
    const { features } = await pageThrough(
      `${atlas.server.url}/v1/sites?near=50.5,7&radius=${radius}&limit=7`,
    );
    expect(features.map((f) => f.id)).toEqual(expected.map((e) => e.id));
    for (const [i, f] of features.entries()) expect(f.properties.distance_m).toBeCloseTo(expected[i]!.d, 0);
  });

  it('combines near with filters', async () => {
    const near = { lat: 50.5, lon: 7 };
    const expected = m
      .sitesMatching({ connectors: ['CHADEMO'] })
      .filter((s) => distanceM(near.lat, near.lon, s.lat, s.lon) <= 100_000)
      .map((s) => s.id)
      .sort();
    const { features } = await pageThrough(
      `${atlas.server.url}/v1/sites?near=50.5,7&radius=100000&connector=CHADEMO`,
    );
    expect(ids(features)).toEqual(expected);
  });

  it('takes point=lon,lat (the order of bbox and GeoJSON) as the same query as near=lat,lon', async () => {
    const byNear = await pageThrough(`${atlas.server.url}/v1/sites?near=50.5,7&radius=100000&limit=9`);
    const byPoint = await pageThrough(`${atlas.server.url}/v1/sites?point=7,50.5&radius=100000&limit=9`);
    expect(byPoint.features.length).toBeGreaterThan(20);
    expect(byPoint.features.map((f) => [f.id, f.properties.distance_m])).toEqual(
      byNear.features.map((f) => [f.id, f.properties.distance_m]),
    );
  });

  it('answers a latitude beyond 90 in near= with a 400 that says the order', async () => {
    const res = await fetch(`${atlas.server.url}/v1/sites?near=7,50.5`);
    expect(res.status).toBe(200);
    const swapped = await fetch(`${atlas.server.url}/v1/sites?near=120.5,50`);
    expect(swapped.status).toBe(400);
    const { error } = (await swapped.json()) as { error: { code: string; message: string } };
    expect(error.message).toMatch(/^near: .*near is lat,lon \(latitude first\).*point=120\.5,50/);
    const both = await fetch(`${atlas.server.url}/v1/sites?near=50.5,7&point=7,50.5`);
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: { message: string } }).error.message).toMatch(/point/);
  });
});

describe('/v1/sites/{id}', () => {
  it('returns a lone location as a site with EVSEs, connectors, tariffs, sources and provenance', async () => {
    const lone = m.sites.find(
      (s) => s.members.length === 1 && s.id === s.members[0]!.pk && (m.evsesOf.get(s.id)?.length ?? 0) > 1,
    )!;
    const { res, body } = await getGeoJson(`${atlas.server.url}/v1/sites/${lone.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/geo\+json/);
    const p = body.properties;
    expect(p.locations).toHaveLength(1);
    expect(p.locations[0].evses).toHaveLength(m.evsesOf.get(lone.id)!.length);
    expect(p.locations[0].evses[0].connectors.length).toBeGreaterThan(0);
    expect(p.locations[0].opening_times).toEqual({
      twentyfourseven: true,
      regular_hours: [],
      exceptional_openings: [],
      exceptional_closings: [],
    });
    // `sources` is a list of ids, as in the list view; the objects are under provenance.
    expect(p.sources).toEqual([lone.members[0]!.source_id]);
    expect(p.provenance.sources.map((s: { id: string }) => s.id)).toEqual(p.sources);
    expect(p.provenance.sources[0].license).toBeTruthy();
    expect(p.provenance.resolved_by).toBe('single-record');
    expect(p.provenance.fields.name.record).toBe(lone.id);
    const tariffIds = new Set(
      p.locations[0].evses.flatMap((e: Json) =>
        e.connectors.flatMap((c: Json) => c.tariff_ids.map((t: string) => t.toUpperCase())),
      ),
    );
    expect(new Set(p.tariffs.map((t: { tariff_id: string }) => t.tariff_id.toUpperCase()))).toEqual(
      tariffIds,
    );
    for (const t of p.tariffs) expect(t.summary).toEqual(expect.any(String));
  });

  it('returns a dedupe site with provenance from the sites table', async () => {
    const site = m.sites.find((s) => s.members.length > 1)!;
    const { body } = await getGeoJson(`${atlas.server.url}/v1/sites/${site.id}`);
    expect(body.properties.locations.map((l: { id: string }) => l.id)).toEqual(site.members.map((l) => l.pk));
    expect(body.properties.provenance.resolved_by).toBe('dedupe');
    expect(body.properties.name).toMatch(/^Site \d+$/);
    expect(body.properties.provenance.fields.name.value).toBe(body.properties.name);
  });

  it('serves the locations of a site_id without a sites row each on its own', async () => {
    const truth = await loadTruth(atlas.db);
    const rows = new Set(truth.sites.map((s) => s.id));
    const orphan = m.published.find((l) => l.site_id != null && !rows.has(l.site_id as string))!;
    expect(orphan).toBeTruthy();
    const { res, body } = await getGeoJson(`${atlas.server.url}/v1/sites/${orphan.pk}`);
    expect(res.status).toBe(200);
    expect(body.properties.location_ids).toEqual([orphan.pk]);
  });

  it('redirects a location id that belongs to a site, and 404s an unknown or unpublished id', async () => {
    const grouped = m.sites.find((s) => s.members.length > 1)!;
    const member = grouped.members[1]!;
    const res = await fetch(`${atlas.server.url}/v1/sites/${member.pk}`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/v1/sites/${grouped.id}`);
    const missing = await fetch(`${atlas.server.url}/v1/sites/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('nope') },
    });
    const hidden = (await loadTruth(atlas.db)).locations.find((l) => l.publish === 0 && l.site_id == null)!;
    expect((await fetch(`${atlas.server.url}/v1/sites/${hidden.pk}`)).status).toBe(404);
  });
});
