// /v1/locations, /v1/tariffs, /v1/stats, /v1/operators and the OpenAPI document + docs page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpOptions } from '../../src/node/http-hooks.js';
import {
  type Atlas,
  buildAtlas,
  getGeoJson,
  type Json,
  loadTruth,
  model,
  pageThrough,
  type Truth,
} from './atlas-fixture.js';

let atlas: Atlas;
let truth: Truth;
let m: ReturnType<typeof model>;
beforeAll(async () => {
  atlas = await buildAtlas({ locations: 600, seed: 21, http: nodeHttpOptions({ rateLimit: false }) });
  truth = await loadTruth(atlas.db);
  m = model(truth);
});
afterAll(() => atlas.close());
const url = (p: string) => `${atlas.server.url}${p}`;

describe('/v1/locations', () => {
  it('filters and pages source locations like a brute-force scan', async () => {
    const box = { minLon: 3, minLat: 48, maxLon: 9, maxLat: 52 };
    const { features } = await pageThrough(
      url('/v1/locations?limit=50&bbox=3,48,9,52&connector=IEC_62196_T2'),
    );
    const expected = m
      .locationsMatching({ bbox: box, connectors: ['IEC_62196_T2'] })
      .map((l) => l.pk)
      .sort();
    expect(features.map((f) => f.id).sort()).toEqual(expected);
    expect(new Set(features.map((f) => f.id)).size).toBe(features.length);
  });

  it('keeps the detail view', async () => {
    const pk = m.published[0]!.pk;
    const { res, body } = await getGeoJson(url(`/v1/locations/${pk}`));
    expect(res.status).toBe(200);
    expect(body.properties.evses.length).toBe(m.evsesOf.get(pk)?.length ?? 0);
  });
});

describe('/v1/tariffs', () => {
  it('lists published tariffs with structured elements and a summary, paged', async () => {
    const all: Json[] = [];
    let next: string | null = url('/v1/tariffs?limit=5');
    while (next) {
      const body: Json = await (await fetch(next)).json();
      all.push(...body.tariffs);
      next = body.next;
    }
    const expected = truth.tariffs.filter((t) => ['open-a', 'open-b'].includes(t.source_id as string));
    expect(all.map((t) => t.id).sort()).toEqual(expected.map((t) => t.pk).sort());
    const dc = all.find((t) => t.tariff_id === 'T-DC');
    expect(dc.summary).toBe('0.59 EUR/kWh, 0.10 EUR/min after 3 h');
    expect(dc.elements[0].price_components[0]).toEqual({
      type: 'ENERGY',
      price: 0.59,
      vat: 19,
      step_size: 1,
    });
    expect(dc.elements[1].restrictions).toEqual({ min_duration: 10_800 });
  });

  it('filters free tariffs and serves one by id', async () => {
    const body: Json = await (await fetch(url('/v1/tariffs?free=true&country=de'))).json();
    expect(body.tariffs.length).toBe(2);
    expect(body.tariffs.every((t: Json) => t.is_free && t.party.country_code === 'DE')).toBe(true);
    const one: Json = await (await fetch(url(`/v1/tariffs/${body.tariffs[0].id}`))).json();
    expect(one.summary).toBe('free');
    const denied = truth.tariffs.find((t) => t.source_id === 'denied')!;
    expect((await fetch(url(`/v1/tariffs/${denied.pk}`))).status).toBe(404);
  });
});

describe('/v1/stats and /v1/operators', () => {
  const expectedTotals = () => {
    const sites = m.sitesMatching({});
    const locs = m.published;
    const evses = locs.flatMap((l) => m.evsesOf.get(l.pk) ?? []);
    const connectors = locs.flatMap((l) => m.connOf.get(l.pk) ?? []);
    const installedW = evses.reduce((s, e) => s + ((e.max_power_w as number | null) ?? 0), 0);
    return {
      sites: sites.length,
      locations: locs.length,
      evses: evses.length,
      connectors: connectors.length,
      installedW,
    };
  };

  it('counts sites, locations, EVSEs, connectors and installed kW like a brute-force count', async () => {
    const body: Json = await (await fetch(url('/v1/stats'))).json();
    const e = expectedTotals();
    expect(body.totals).toEqual({
      sites: e.sites,
      locations: e.locations,
      evses: e.evses,
      connectors: e.connectors,
      installed_kw: Math.round(e.installedW / 100) / 10,
    });
    const sum = (rows: Json[], k: string) => rows.reduce((s, r) => s + r[k], 0);
    expect(sum(body.by_country, 'evses')).toBe(e.evses);
    expect(sum(body.by_operator, 'locations')).toBe(e.locations);
    expect(sum(body.by_connector, 'connectors')).toBe(e.connectors);
    expect(sum(body.by_power_class, 'evses')).toBe(e.evses);
    expect(body.by_country.map((r: Json) => r.country).sort()).toEqual(['BEL', 'DEU', 'FRA', 'NLD']);
    const byCountry: Json = await (await fetch(url('/v1/stats/by-country?country=FR'))).json();
    expect(byCountry.by_country.map((r: Json) => r.country)).toEqual(['FRA']);
  });

  it('leaves /v1/stats/occupancy to its own resource', async () => {
    const res = await fetch(url('/v1/stats/occupancy'));
    expect(res.status).not.toBe(404);
  });

  it('lists operators by name with counts, paged', async () => {
    const names: string[] = [];
    const countries: Record<string, string[]> = {};
    let next: string | null = url('/v1/operators?limit=2');
    while (next) {
      const body: Json = await (await fetch(next)).json();
      names.push(...body.operators.map((o: Json) => o.name));
      for (const o of body.operators) countries[o.name] = o.countries;
      next = body.next;
    }
    const expected = [...new Set(m.published.map((l) => l.operator_name as string))].sort();
    expect(names).toEqual(expected);
    // Each country once, whether its locations name it (alpha-3) or only their party's (alpha-2).
    const alpha3: Record<string, string> = { DE: 'DEU', FR: 'FRA', NL: 'NLD', BE: 'BEL' };
    const countriesOf = (name: string) =>
      [
        ...new Set(
          m.published
            .filter((l) => l.operator_name === name)
            .map((l) => (l.country as string | null) ?? alpha3[l.country_code as string]),
        ),
      ].sort();
    expect(countries).toEqual(Object.fromEntries(expected.map((n) => [n, countriesOf(n)])));
  });
});

describe('OpenAPI and docs', () => {
  it('publishes an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const doc: Json = await (await fetch(url('/openapi.json'))).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/sites',
      '/v1/sites/{id}',
      '/v1/locations',
      '/v1/tariffs',
      '/v1/tariffs/{id}',
      '/v1/stats',
      '/v1/operators',
      '/v1/dumps/{file}',
    ]) {
      expect(doc.paths[p]?.get, p).toBeTruthy();
    }
    const params = doc.paths['/v1/sites'].get.parameters.map((p: Json) => p.name);
    expect(params).toEqual(
      expect.arrayContaining([
        'bbox',
        'near',
        'point',
        'radius',
        'country',
        'operator',
        'connector',
        'min_power_kw',
        'max_power_kw',
        'status',
        'free',
        'source',
        'license',
        'updated_since',
        'limit',
        'cursor',
      ]),
    );
    expect(doc.paths['/v1/sites'].get.responses['400']).toBeTruthy();
  });

  it('serves the docs page with its assets from our own dependencies', async () => {
    const html = await (await fetch(url('/docs'))).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/docs\/assets\/[^"]+)"/g)].map((x) => x[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/https?:\/\//);
    for (const a of assets) {
      const res = await fetch(url(a));
      expect(res.status, a).toBe(200);
      expect((await res.arrayBuffer()).byteLength, a).toBeGreaterThan(100);
    }
    expect((await fetch(url('/docs/assets/package.json'))).status).toBe(404);
  });
});
