// GDAL's OGC API - Features client (Debian's gdal-bin, installed by .ci/run) against /ogc on a real
// loopback server: it lists both collections, pages through every site, and its -spat / -where
// answers match the API's own for the same box and filter, with the filter evaluated by us.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';
import { type Atlas, buildAtlas, type Json, pageThrough } from './atlas-fixture.js';

// Async, so the server in this process keeps answering while GDAL runs.
const run = promisify(execFile);

let atlas: Atlas;
let server: ServedApp;
const requests: URL[] = [];

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 3131 });
  const app = createApp({ getDb: () => atlas.db, http: { rateLimit: false } });
  server = await serveApp({
    fetch: (req) => {
      requests.push(new URL(req.url));
      return app.fetch(req);
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await atlas?.close();
});

/** ogr2ogr the layer to GeoJSON and read it back. */
async function translate(layer: string, args: string[]): Promise<Json[]> {
  const out = join(atlas.dir, `${layer}-${requests.length}.geojson`);
  await run('ogr2ogr', ['-f', 'GeoJSON', out, `OAPIF:${server.url}/ogc`, layer, ...args], {
    env: { ...process.env, GDAL_HTTP_TIMEOUT: '60' },
  });
  return JSON.parse(readFileSync(out, 'utf8')).features;
}

describe('GDAL OAPIF client', () => {
  it('ogrinfo lists both collections', async () => {
    const { stdout } = await run('ogrinfo', ['-ro', `OAPIF:${server.url}/ogc`]);
    expect(stdout).toMatch(/1: sites \(title: Charging sites\) \(Point\)/);
    expect(stdout).toMatch(/2: locations \(title: Source locations\) \(Point\)/);
  });

  it("ogrinfo -so counts sites from the first page's numberMatched, not by paging through them", async () => {
    const v1 = (await pageThrough(`${server.url}/v1/sites?limit=10000`)).features;
    const before = requests.length;
    const { stdout } = await run('ogrinfo', ['-ro', '-so', `OAPIF:${server.url}/ogc`, 'sites']);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(v1.length);
    const pages = requests.slice(before).filter((u) => u.pathname === '/ogc/collections/sites/items');
    // One page of 10 (GDAL's default) to learn the fields; without the count, one per 10 sites.
    expect(v1.length).toBeGreaterThan(100);
    expect(pages.length).toBe(1);
  });

  it('ogr2ogr pages through sites and gets exactly the count of /v1/sites', async () => {
    const v1 = (await pageThrough(`${server.url}/v1/sites?limit=10000`)).features;
    const before = requests.length;
    const got = await translate('sites', ['-oo', 'PAGE_SIZE=40']);
    expect(got.length).toBe(v1.length);
    expect(new Set(got.map((f) => f.properties.id))).toEqual(new Set(v1.map((f: Json) => f.id)));
    const pages = requests.slice(before).filter((u) => u.pathname === '/ogc/collections/sites/items');
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(v1.length / 40));
    expect(pages.some((u) => u.searchParams.has('cursor'))).toBe(true);
  });

  it('ogr2ogr pages through locations and gets the count of /v1/locations', async () => {
    const v1 = (await pageThrough(`${server.url}/v1/locations?limit=10000`)).features;
    const got = await translate('locations', ['-oo', 'PAGE_SIZE=100']);
    expect(got.length).toBe(v1.length);
  });

  it('with -spat and -where, counts match the API for the same box and filter, filtered by the server', async () => {
    const where = "evse_count >= 2 AND country = 'DEU'";
    const box = ['-5', '40', '20', '56'];
    const before = requests.length;
    const got = await translate('sites', ['-oo', 'PAGE_SIZE=25', '-spat', ...box, '-where', where]);
    const filtered = requests
      .slice(before)
      .filter((u) => u.pathname === '/ogc/collections/sites/items' && u.searchParams.has('filter'));
    // GDAL sent both the box and the filter: the server did the filtering.
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered[0]!.searchParams.get('bbox')).toBe(box.join(','));

    const api = await ogcAll(box.join(','), where);
    const brute = (
      await pageThrough(`${server.url}/v1/sites?limit=10000&bbox=${box.join(',')}`)
    ).features.filter((f: Json) => f.properties.evse_count >= 2 && f.properties.country === 'DEU');
    expect(brute.length).toBeGreaterThan(0);
    expect(got.length).toBe(api.length);
    expect(got.length).toBe(brute.length);
    expect(new Set(got.map((f) => f.properties.id))).toEqual(new Set(brute.map((f: Json) => f.id)));
  });
});

// What GDAL 3.6 writes into its draft cql-text that CQL2 does not have: ILIKE, and date-times
// cut short by its SerializeDateTime ('2024-05-01T' for a date).
describe('GDAL -where clauses the server reads as GDAL meant them', () => {
  it.each([
    ["operator ILIKE 'enbw%'", (p: Json) => /^enbw/i.test(String(p.operator ?? ''))],
    ["last_updated >= '2024-05-01'", (p: Json) => p.last_updated >= '2024-05-01T00:00:00Z'],
    [
      "last_updated < '2024/08/01 00:00:00' AND operator ILIKE '%o%'",
      (p: Json) => p.last_updated < '2024-08-01T00:00:00Z' && /o/i.test(String(p.operator ?? '')),
    ],
  ])('%s', async (where, brute) => {
    const expected = (await pageThrough(`${server.url}/v1/sites?limit=10000`)).features.filter((f: Json) =>
      brute(f.properties),
    );
    expect(expected.length).toBeGreaterThan(0);
    const before = requests.length;
    const got = await translate('sites', ['-oo', 'PAGE_SIZE=1000', '-where', where]);
    const filtered = requests
      .slice(before)
      .filter((u) => u.pathname === '/ogc/collections/sites/items' && u.searchParams.has('filter'));
    expect(filtered.length).toBeGreaterThan(0);
    expect(new Set(got.map((f) => f.properties.id))).toEqual(new Set(expected.map((f: Json) => f.id)));
  });
});

/** Every feature of an /ogc query, following its next links (pageThrough reads the /v1 `next` member). */
async function ogcAll(bbox: string, filter: string): Promise<Json[]> {
  const out: Json[] = [];
  let url: string | undefined =
    `${server.url}/ogc/collections/sites/items?limit=1000&bbox=${bbox}&filter=${encodeURIComponent(filter)}`;
  while (url) {
    const body = (await (await fetch(url)).json()) as Json;
    out.push(...body.features);
    url = body.links.find((l: Json) => l.rel === 'next')?.href;
  }
  return out;
}

// GDAL 3.6 (Debian 12) asks for 10 features a page unless told otherwise (-oo PAGE_SIZE): at the
// API's default rate limit (burst 120, 10/s) ogr2ogr met a 429 after about 1,200 features of a real
// atlas and stopped with exit code 1 and an empty GeoPackage. The README's command is run as
// written, against a burst of 8 requests, which 10 a page could not finish.
describe("the README's GDAL command", () => {
  let limited: ServedApp;
  beforeAll(async () => {
    const app = createApp({
      getDb: () => atlas.db,
      http: { rateLimit: { capacity: 8, refillPerSecond: 0.1 } },
    });
    limited = await serveApp({ fetch: (req) => app.fetch(req) });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('reads every matching site within the rate limit', async () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const line = /^- \*\*GDAL\*\*: `(ogr2ogr [^`]+)`/m.exec(readme)?.[1];
    expect(line).toBeTruthy();
    // Words as a shell splits them (the command quotes its -where in double quotes).
    const words = [...line!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const out = join(atlas.dir, 'readme-sites.gpkg');
    const args = words
      .slice(1)
      .map((w) => w.replace('http://localhost:8080', limited.url).replace('sites.gpkg', out));
    await run('ogr2ogr', args);
    const { stdout } = await run('ogrinfo', ['-ro', '-so', out, 'sites']);
    const where = words[words.indexOf('-where') + 1];
    expect(where).toBe('evse_count >= 4');
    const expected = (await pageThrough(`${server.url}/v1/sites?limit=10000`)).features.filter(
      (f: Json) => f.properties.evse_count >= 4,
    );
    // GDAL's own requests (collections, landing page, API document, a first page) take about
    // half the burst: at 10 a page the rest could not fetch these.
    expect(expected.length).toBeGreaterThan(4 * 10);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(expected.length);
  });
});
