// Publication per record: an Open Charge Map POI whose data provider is NonCommercial stays out of
// every public answer and dump while the source's other POIs are served; a decommissioned POI is
// kept and flagged but never published; LICENSE.txt names every licence the dump carries. Real
// sync of a register file, real dedupe, the real app on loopback, gzip dumps read back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import Database from 'better-sqlite3';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { locationPkOf } from '../../src/db/write-location.js';
import { type RegisterAtlas, serveRegisterAtlas } from '../helpers/register-atlas.js';
import type { ServedApp } from '../helpers/serve.js';

const GERMANY = 87;
const connection = (id: number) => ({
  ID: id,
  ConnectionTypeID: 25,
  PowerKW: 22,
  CurrentTypeID: 20,
  Quantity: 1,
});
const poi = (id: number, fields: Record<string, unknown>, lat: number, lon: number, title: string) => ({
  ID: id,
  StatusTypeID: 50,
  DateLastStatusUpdate: '2024-01-02T03:04:05Z',
  AddressInfo: {
    Title: title,
    AddressLine1: `${title} 1`,
    Town: 'Köln',
    CountryID: GERMANY,
    Latitude: lat,
    Longitude: lon,
  },
  Connections: [connection(id * 10)],
  ...fields,
});

// 26 = Oplaadpalen.nl (CC BY-NC-SA 3.0) in OCM's reference data; 29 = Bundesnetzagentur (CC BY 4.0).
const POIS = [
  poi(1001, { DataProviderID: 1 }, 50.9375, 6.9603, 'Open Crowd Site'),
  poi(1002, { DataProviderID: 26, DataProvidersReference: 'op-77' }, 50.95, 6.97, 'Nc Only Site'),
  // At the crowd site's very place, from the NonCommercial provider: merged, but lends nothing.
  poi(1003, { DataProviderID: 26 }, 50.9375, 6.9603, 'Nc Twin Name'),
  poi(1004, { DataProviderID: 29, DataProvidersReference: '555' }, 50.96, 6.98, 'Register Import'),
  poi(1005, { DataProviderID: 1, StatusTypeID: 200 }, 50.97, 6.99, 'Decommissioned Site'),
  poi(1006, { DataProviderID: 1, StatusTypeID: 150 }, 50.98, 7.0, 'Planned Site'),
  // Verbose form: the licence stated on the POI itself.
  poi(
    1007,
    { DataProvider: { ID: 99, License: 'CC BY-NC 4.0', IsOpenDataLicensed: true } },
    50.99,
    7.01,
    'Verbose Nc Site',
  ),
];

const pkOf = (id: number) => locationPkOf('ocm', { countryCode: 'DE', partyId: 'OCM', id: String(id) });
const NC_IDS = [1002, 1003, 1007];

let atlas: RegisterAtlas;
let dir: string;
let db: Db;
let server: ServedApp;

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, text: await res.text() };
}

/** "z/x/y" of the z14 tile holding a point (sites are a layer of their own from z11). */
function tileKey(lat: number, lon: number, z = 14): string {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return `${z}/${Math.floor(((lon + 180) / 360) * n)}/${y}`;
}

async function dump(format: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/dumps/sites.${format}.gz`);
  expect(res.status, format).toBe(200);
  const bytes = gunzipSync(Buffer.from(await res.arrayBuffer()));
  if (format !== 'sqlite') return bytes.toString('utf8');
  const file = join(dir, 'dump.sqlite');
  writeFileSync(file, bytes);
  const copy = new Database(file, { readonly: true });
  try {
    const rows = copy.prepare('SELECT * FROM locations').all();
    const sites = copy.prepare('SELECT * FROM sites').all();
    const licences = copy.prepare('SELECT * FROM dump_license').all();
    return JSON.stringify({ rows, sites, licences });
  } finally {
    copy.close();
  }
}

beforeAll(async () => {
  const config = {
    name: 'Open Charge Map',
    license: 'CC-BY-SA-4.0',
    attribution: 'Open Charge Map contributors',
  };
  atlas = await serveRegisterAtlas(
    [{ id: 'ocm', pois: POIS, config }],
    [
      [
        { source: 'ocm', id: '1001' },
        { source: 'ocm', id: '1003' },
      ],
    ],
  );
  ({ dir, db, server } = atlas);
});

afterAll(() => atlas?.close());

describe('licences per record', () => {
  it('stores each POI with its provider licence and keeps the NonCommercial ones', async () => {
    const rows = await db.all<{ ocpi_id: string; license: string | null }>(
      'SELECT ocpi_id, license FROM locations ORDER BY ocpi_id',
    );
    expect(rows.map((r) => r.ocpi_id)).toEqual(POIS.map((p) => String(p.ID)));
    const byId = new Map(rows.map((r) => [r.ocpi_id, r.license]));
    expect(byId.get('1002')).toContain('by-nc-sa');
    expect(byId.get('1007')).toBe('CC BY-NC 4.0');
    expect(byId.get('1004')).toContain('CC-BY 4.0');
  });

  it('serves the source’s other POIs but no NonCommercial one, in lists, single items and stats', async () => {
    const sites = JSON.parse((await get('/v1/sites?limit=1000')).text);
    const locations = JSON.parse((await get('/v1/locations?limit=1000')).text);
    const servedLocations = locations.features.map((f: { id: string }) => f.id).sort();
    expect(servedLocations).toEqual([pkOf(1001), pkOf(1004), pkOf(1006)].sort());
    expect(sites.features).toHaveLength(3);
    for (const id of NC_IDS) {
      expect((await get(`/v1/locations/${pkOf(id)}`)).status).toBe(404);
      expect((await get(`/v1/sites/${pkOf(id)}`)).status).toBe(404);
    }
    const stats = JSON.parse((await get('/v1/stats')).text);
    expect(JSON.stringify(stats)).toMatch(/"sites":3\b/);
  });

  it('a merged site carries no field of the NonCommercial member, and provenance does not list it', async () => {
    const list = (await get('/v1/sites?limit=1000')).text;
    expect(list).not.toContain('Nc Twin Name');
    const merged = JSON.parse(list).features.find((f: { properties: { location_ids: string[] } }) =>
      f.properties.location_ids.includes(pkOf(1001)),
    );
    const detail = await get(`/v1/sites/${merged.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain('Nc Twin');
    expect(detail.text).not.toContain(pkOf(1003));
    const body = JSON.parse(detail.text);
    expect(body.properties.name).toBe('Open Crowd Site');
    expect(body.properties.provenance.fields.members.map((m: { record: string }) => m.record)).toEqual([
      '1001',
    ]);
  });

  it('leaves NonCommercial and decommissioned records out of the map tiles and the OGC items', async () => {
    const names: string[] = [];
    for (const key of new Set(POIS.map((p) => tileKey(p.AddressInfo.Latitude, p.AddressInfo.Longitude)))) {
      const res = await fetch(`${server.url}/v1/tiles/${key}.mvt`);
      expect(res.status).toBe(200);
      const layer = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer()))).layers.sites;
      for (let i = 0; i < (layer?.length ?? 0); i++) names.push(String(layer!.feature(i).properties.name));
    }
    expect(names.sort()).toEqual(['Open Crowd Site', 'Planned Site', 'Register Import']);
    const ogc = await get('/ogc/collections/sites/items?limit=1000');
    expect(ogc.status).toBe(200);
    expect(ogc.text).toContain('Register Import');
    for (const name of ['Nc Only Site', 'Nc Twin Name', 'Verbose Nc Site', 'Decommissioned Site'])
      expect(ogc.text, name).not.toContain(name);
  });

  it.each(['geojson', 'ndjson', 'csv', 'sqlite'])(
    'leaves NonCommercial records out of the %s dump',
    async (format) => {
      const text = await dump(format);
      expect(text).toContain('Open Crowd Site');
      expect(text).toContain('Register Import');
      for (const name of ['Nc Only Site', 'Nc Twin Name', 'Verbose Nc Site', 'Decommissioned Site'])
        expect(text, `${format}: ${name}`).not.toContain(name);
      for (const id of [...NC_IDS, 1005]) expect(text).not.toContain(pkOf(id));
    },
  );

  it('LICENSE.txt lists the source licence and every licence a published record states, and no NC one', async () => {
    const { status, text } = await get('/v1/dumps/LICENSE.txt');
    expect(status).toBe(200);
    expect(text).toContain('CC-BY-SA-4.0');
    expect(text).toContain('Provided by Bundesnetzagentur.de under the CC-BY 4.0 license');
    expect(text).toContain('Creative Commons Attribution-ShareAlike 4.0 International');
    expect(text).not.toContain('by-nc-sa/3.0');
    expect(text).not.toContain('CC BY-NC 4.0');
  });
});

describe('lifecycle', () => {
  it('keeps a decommissioned POI, flagged removed, and publishes it nowhere', async () => {
    const row = await db.get<{ lifecycle: string; removed_at: string | null; site_id: string | null }>(
      'SELECT lifecycle, removed_at, site_id FROM locations WHERE ocpi_id = ?',
      ['1005'],
    );
    expect(row).toEqual({ lifecycle: 'removed', removed_at: null, site_id: null });
    expect((await get(`/v1/locations/${pkOf(1005)}`)).status).toBe(404);
    expect((await get('/v1/sites?limit=1000')).text).not.toContain('Decommissioned');
  });

  it('shows each site’s lifecycle and filters on it; removed is refused as a filter value', async () => {
    const planned = JSON.parse((await get('/v1/sites?lifecycle=planned')).text);
    expect(planned.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual([
      'Planned Site',
    ]);
    expect(planned.features[0].properties.lifecycle).toBe('planned');
    const operational = JSON.parse((await get('/v1/locations?lifecycle=operational')).text);
    expect(operational.features.map((f: { id: string }) => f.id).sort()).toEqual(
      [pkOf(1001), pkOf(1004)].sort(),
    );
    const refused = await get('/v1/sites?lifecycle=removed');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toContain('removed');
  });
});
