// OGC API - Features Part 1 over real HTTP: the landing page, conformance, the API definition,
// collections with extent and licences, queryables, items with bbox / limit / datetime / property
// filters and next + prev paging, single features, the HTML encoding, and the errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ogcApiDocument } from '../../src/api/ogc/api-document.js';
import { CONFORMANCE } from '../../src/api/ogc/app.js';
import { type Atlas, buildAtlas, type Json, pageThrough } from './atlas-fixture.js';

let atlas: Atlas;
let sites: Json[];

async function get(path: string, accept?: string): Promise<{ res: Response; body: Json }> {
  const res = await fetch(`${atlas.server.url}${path}`, accept ? { headers: { accept } } : {});
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { res, body: type.includes('json') ? JSON.parse(text) : text };
}

const link = (doc: Json, rel: string, type?: string) =>
  (doc.links as Json[]).find((l) => l.rel === rel && (type == null || l.type === type));

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 300, seed: 4242 });
  sites = (await pageThrough(`${atlas.server.url}/v1/sites?limit=10000`)).features;
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

/** The URL of a path of the OGC API definition, its parameters filled in. */
const urlOf = (path: string) => {
  const concrete = path.replace('{collectionId}', 'sites').replace('{featureId}', String(sites[0].id));
  return `${atlas.server.url}/ogc${concrete === '/' ? '' : concrete}`;
};

describe('/ogc landing page, conformance and API definition', () => {
  it('links to itself, its HTML, the API definition, the conformance and the collections', async () => {
    const { res, body } = await get('/ogc');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(link(body, 'self', 'application/json').href).toBe(`${atlas.server.url}/ogc?f=json`);
    expect(link(body, 'alternate', 'text/html')).toBeTruthy();
    expect(link(body, 'service-desc').type).toBe('application/vnd.oai.openapi+json;version=3.0');
    for (const rel of ['service-desc', 'conformance', 'data']) {
      const r = await fetch(link(body, rel).href);
      expect(r.status, rel).toBe(200);
    }
  });

  it("documents the OGC API itself as HTML: service-doc is the definition's Swagger UI page", async () => {
    const { body } = await get('/ogc');
    const doc = link(body, 'service-doc');
    expect(doc.href).toBe(`${atlas.server.url}/ogc/api?f=html`);
    for (const [path, accept] of [['/ogc/api?f=html'], ['/ogc/api', 'text/html,*/*;q=0.8']] as const) {
      const page = await get(path, accept);
      expect(page.res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.body).toContain('<script src="/docs/assets/init-ogc.js"></script>');
    }
    const init = await get('/docs/assets/init-ogc.js');
    expect(init.res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(init.body).toContain("url: '/ogc/api'");
    // What the page's script asks for (Swagger UI sends Accept: application/json) is the definition.
    const definition = await get('/ogc/api', 'application/json,*/*');
    expect(definition.body.paths['/collections/sites/items']).toBeTruthy();
  });

  it('declares Core, GeoJSON, HTML, OpenAPI, filtering and the CQL2 classes implemented', async () => {
    const { body } = await get('/ogc/conformance');
    expect(body.conformsTo).toEqual(CONFORMANCE);
    expect(body.conformsTo).toContain('http://www.opengis.net/spec/cql2/1.0/conf/cql2-text');
  });

  it('serves its OpenAPI 3.0 definition with the items limit bounded and every path answering', async () => {
    const { res, body } = await get('/ogc/api');
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.oai\.openapi\+json;version=3\.0/);
    expect(body.openapi).toBe('3.0.3');
    const items = body.paths['/collections/{collectionId}/items'].get.parameters;
    expect(items.find((p: Json) => p.name === 'limit').schema.maximum).toBe(10_000);
    for (const path of Object.keys(body.paths)) expect((await fetch(urlOf(path))).status, path).toBe(200);
  });

  it('lists the f parameter on every path that answers f=html with HTML', async () => {
    const { body } = await get('/ogc/api');
    for (const [path, item] of Object.entries(body.paths as Record<string, Json>)) {
      const res = await fetch(`${urlOf(path)}?f=html`);
      if (!res.headers.get('content-type')?.startsWith('text/html')) continue;
      expect(
        (item.get.parameters ?? []).map((p: Json) => p.name),
        path,
      ).toContain('f');
    }
  });

  it('accepts every query parameter its definition lists for items', async () => {
    const doc = ogcApiDocument(`${atlas.server.url}/ogc`);
    const paths = doc.paths as Record<string, Json>;
    const params = paths['/collections/sites/items'].get.parameters as Json[];
    const sample: Record<string, string> = {
      f: 'json',
      bbox: '-180,-90,180,90',
      'bbox-crs': 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
      'filter-crs': 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
      limit: '5',
      datetime: '../2030-01-01T00:00:00Z',
      filter: 'evse_count >= 0',
      'filter-lang': 'cql2-text',
    };
    for (const p of params) {
      if (p.name === 'cursor') continue;
      const value =
        sample[p.name] ??
        (p.schema.type === 'integer' || p.schema.type === 'number'
          ? '1'
          : p.schema.format === 'date-time'
            ? '2024-01-01T00:00:00Z'
            : 'x');
      const { res, body } = await get(`/ogc/collections/sites/items?${p.name}=${encodeURIComponent(value)}`);
      expect(res.status, `${p.name}: ${JSON.stringify(body)}`).toBe(200);
    }
  });
});

describe('/ogc/collections', () => {
  it('lists sites and locations with extent, CRS, attribution, licence and item links', async () => {
    const { body } = await get('/ogc/collections');
    expect(body.collections.map((c: Json) => c.id)).toEqual(['sites', 'locations']);
    const col = body.collections[0];
    const [w, s, e, n] = col.extent.spatial.bbox[0];
    for (const f of sites) {
      const [x, y] = f.geometry.coordinates;
      expect(x >= w && x <= e && y >= s && y <= n).toBe(true);
    }
    // Open at both ends: exact ends would cost a scan or an index every write keeps (docs/ogc.md).
    expect(col.extent.temporal.interval).toEqual([[null, null]]);
    expect(col.crs).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
    expect(col.attribution).toContain('Open A contributors');
    expect(link(col, 'license', 'text/plain').href).toBe(`${atlas.server.url}/v1/dumps/LICENSE.txt`);
    expect(link(col, 'items', 'application/geo+json')).toBeTruthy();
    expect(link(col, 'items', 'text/html')).toBeTruthy();
    // The unlicensed source of the fixture is never credited, as it is never served.
    expect(JSON.stringify(col)).not.toMatch(/closed/i);
  });

  it('describes the queryables as a JSON Schema, and 404s an unknown collection', async () => {
    const { res, body } = await get('/ogc/collections/sites/queryables');
    expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(body.type).toBe('object');
    expect(body.properties.evse_count.type).toBe('integer');
    expect(body.properties.last_updated).toMatchObject({ type: 'string', format: 'date-time' });
    expect(body.properties.geometry.format).toBe('geometry-point');
    const missing = await get('/ogc/collections/nope');
    expect(missing.res.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});

/** Walks next links from the first page, then prev links back; returns the pages' ids. */
async function walk(first: string): Promise<{ forward: string[][]; backward: string[][] }> {
  const forward: string[][] = [];
  let url: string | undefined = `${atlas.server.url}${first}`;
  let last: Json;
  do {
    last = (await get(url!.slice(atlas.server.url.length))).body;
    forward.push(last.features.map((f: Json) => String(f.id)));
    url = link(last, 'next')?.href;
  } while (url);
  const backward: string[][] = [forward.at(-1)!];
  url = link(last, 'prev')?.href;
  while (url) {
    const page = (await get(url.slice(atlas.server.url.length))).body;
    backward.unshift(page.features.map((f: Json) => String(f.id)));
    url = link(page, 'prev')?.href;
  }
  return { forward, backward };
}

describe('/ogc/collections/{id}/items', () => {
  it('pages through every site once with next links, and back with prev links', async () => {
    const { forward, backward } = await walk('/ogc/collections/sites/items?limit=17');
    const ids = forward.flat();
    expect(ids.length).toBe(sites.length);
    expect(new Set(ids)).toEqual(new Set(sites.map((f) => String(f.id))));
    expect(forward.length).toBe(Math.ceil(sites.length / 17));
    expect(backward).toEqual(forward);
  });

  it('pages a filtered and boxed query both ways too', async () => {
    const { forward, backward } = await walk(
      `/ogc/collections/sites/items?limit=5&bbox=-10,35,30,60&filter=${encodeURIComponent('evse_count >= 2')}`,
    );
    const expected = sites.filter((f) => {
      const [x, y] = f.geometry.coordinates;
      return f.properties.evse_count >= 2 && x >= -10 && x <= 30 && y >= 35 && y <= 60;
    });
    expect(forward.flat().sort()).toEqual(expected.map((f) => String(f.id)).sort());
    expect(forward.length).toBeGreaterThan(2);
    expect(backward).toEqual(forward);
  });

  it('gives numberMatched on every unfiltered sites page, and on the last page of any walk by links', async () => {
    let url: string | undefined = '/ogc/collections/sites/items?limit=40';
    while (url) {
      const { body } = await get(url);
      expect(body.numberMatched).toBe(sites.length);
      url = link(body, 'next')?.href.slice(atlas.server.url.length);
    }

    const filtered = `/ogc/collections/locations/items?limit=7&filter=${encodeURIComponent('evse_count >= 2')}`;
    const pages: Json[] = [(await get(filtered)).body];
    while (link(pages.at(-1), 'next')) {
      pages.push((await get(link(pages.at(-1), 'next').href.slice(atlas.server.url.length))).body);
    }
    const total = pages.reduce((n, p) => n + p.numberReturned, 0);
    expect(pages.length).toBeGreaterThan(3);
    // Not known until the walk ends, where it is what was returned along it.
    expect(pages.slice(0, -1).map((p) => p.numberMatched)).toEqual(pages.slice(0, -1).map(() => undefined));
    expect(pages.at(-1).numberMatched).toBe(total);
    // Back three pages by prev links, forward again by next: the last page counts the same.
    let page = pages.at(-1);
    for (let i = 0; i < 3; i++)
      page = (await get(link(page, 'prev').href.slice(atlas.server.url.length))).body;
    while (link(page, 'next'))
      page = (await get(link(page, 'next').href.slice(atlas.server.url.length))).body;
    expect(page.numberMatched).toBe(total);
    // A first page that is the last one.
    const whole = (await get(filtered.replace('limit=7', 'limit=1000'))).body;
    expect(whole.numberMatched).toBe(total);
    expect(whole.numberReturned).toBe(total);
  });

  it('answers GeoJSON with numberReturned, timeStamp and self, alternate and collection links', async () => {
    const { res, body } = await get('/ogc/collections/locations/items?limit=3');
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(body.type).toBe('FeatureCollection');
    expect(body.numberReturned).toBe(3);
    expect(body.timeStamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(link(body, 'self', 'application/geo+json')).toBeTruthy();
    expect(link(body, 'alternate', 'text/html')).toBeTruthy();
    expect(link(body, 'collection')).toBeTruthy();
    expect(link(body, 'prev')).toBeUndefined();
  });

  it('matches /v1/sites for the same bbox, and filters datetime and queryable parameters', async () => {
    const box = '-5,40,15,56';
    const v1 = (await pageThrough(`${atlas.server.url}/v1/sites?limit=10000&bbox=${box}`)).features;
    const { forward } = await walk(`/ogc/collections/sites/items?limit=1000&bbox=${box}`);
    expect(forward.flat().sort()).toEqual(v1.map((f: Json) => String(f.id)).sort());

    const interval = '2024-03-01T00:00:00Z/2024-06-30T23:59:59Z';
    const dated = (await walk(`/ogc/collections/sites/items?limit=1000&datetime=${interval}`)).forward.flat();
    const expected = sites.filter(
      (f) =>
        f.properties.last_updated >= '2024-03-01T00:00:00Z' &&
        f.properties.last_updated <= '2024-06-30T23:59:59Z',
    );
    expect(dated.sort()).toEqual(expected.map((f) => String(f.id)).sort());

    const byProps = (
      await walk('/ogc/collections/sites/items?limit=1000&country=DEU&evse_count=2')
    ).forward.flat();
    const want = sites.filter((f) => f.properties.country === 'DEU' && f.properties.evse_count === 2);
    expect(want.length).toBeGreaterThan(0);
    expect(byProps.sort()).toEqual(want.map((f) => String(f.id)).sort());
  });

  it('serves a limit above the maximum as the maximum, and refuses bad parameters', async () => {
    const big = await get('/ogc/collections/sites/items?limit=50000');
    expect(big.res.status).toBe(200);
    expect(big.body.numberReturned).toBe(sites.length);
    for (const [q, code] of [
      ['limit=0', 'invalid_parameter'],
      ['bbox=1,2,3', 'invalid_parameter'],
      ['datetime=yesterday', 'invalid_parameter'],
      ['evse_count=many', 'invalid_parameter'],
      ['colour=red', 'unknown_parameter'],
      ['cursor=nonsense!', 'invalid_parameter'],
      ['f=xml', 'invalid_parameter'],
    ]) {
      const { res, body } = await get(`/ogc/collections/sites/items?${q}`);
      expect(res.status, q).toBe(400);
      expect(body.error.code, q).toBe(code);
    }
  });

  it('serves one feature with its links, and 404s an unknown one', async () => {
    const id = String(sites[3].id);
    const { res, body } = await get(`/ogc/collections/sites/items/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(body.id).toBe(id);
    expect(body.properties).toEqual(sites[3].properties);
    expect(link(body, 'collection').href).toBe(`${atlas.server.url}/ogc/collections/sites`);
    expect((await get('/ogc/collections/sites/items/ffffffffffffffff')).res.status).toBe(404);
  });
});

describe('HTML encoding', () => {
  it('answers browsers with HTML pages: landing page, collections, items table, one feature', async () => {
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const path of ['/ogc', '/ogc/collections', '/ogc/collections/sites', '/ogc/conformance']) {
      const { res, body } = await get(path, browser);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(body).toMatch(/^<!doctype html>/);
    }
    const items = await get('/ogc/collections/sites/items?f=html&limit=4');
    expect(items.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(items.body.match(/<tr><td><a href=/g)).toHaveLength(4);
    expect(items.body).toContain('rel="next"');
    const one = await get(`/ogc/collections/sites/items/${sites[0].id}?f=html`);
    expect(one.body).toContain(String(sites[0].properties.name));
  });

  it('escapes the data it shows', async () => {
    const { body } = await get('/ogc/collections/sites/items?f=html&limit=50');
    expect(body).not.toMatch(/<script/i);
  });
});
