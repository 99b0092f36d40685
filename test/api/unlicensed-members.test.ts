// A site that dedupe made of a licensed and an unlicensed source's records: the unlicensed record
// helps find the site but lends it nothing, its coordinates included. Found with the real data
// (session 17): chargecloud's Ludwigsburg feed (no licence) merged with the BNetzA register
// (CC BY 4.0), and /v1/sites, the site itself, the tiles and every dump placed such a site at
// chargecloud's coordinates; the `.sqlite` dump also carried chargecloud's name, operator and
// statuses in `sites.fields`. Real register syncs, real dedupe, the real app on loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { locationPkOf } from '../../src/db/write-location.js';
import { changedLocationPks } from '../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { createSyncRunner } from '../../src/jobs/sync-runner.js';
import { silentLogger } from '../../src/log.js';
import { readText } from '../../src/node/read-text.js';
import { createOcpiClient } from '../../src/ocpi/client/index.js';
import { type RegisterAtlas, registerSource, serveRegisterAtlas } from '../helpers/register-atlas.js';
import type { ServedApp } from '../helpers/serve.js';

const GERMANY = 87;
const poi = (id: number, lat: number, lon: number, title: string, updated: string) => ({
  ID: id,
  DataProviderID: 1,
  StatusTypeID: 50,
  DateLastStatusUpdate: updated,
  AddressInfo: {
    Title: title,
    AddressLine1: `${title} 1`,
    Town: 'Köln',
    CountryID: GERMANY,
    Latitude: lat,
    Longitude: lon,
  },
  Connections: [{ ID: id * 10, ConnectionTypeID: 25, PowerKW: 22, CurrentTypeID: 20, Quantity: 1 }],
});

// Both crowd sources of one rank: the newer record, the unlicensed one, ranks first for every field.
const OPEN = { lat: 50.9375, lon: 6.9603 };
const CLOSED = { lat: 50.9376, lon: 6.9605 };
const OPEN_POI = poi(2001, OPEN.lat, OPEN.lon, 'Licensed Place', '2024-01-02T03:04:05Z');
const CLOSED_POI = poi(3001, CLOSED.lat, CLOSED.lon, 'Unlicensed Place', '2025-06-07T08:09:10Z');
// At 0,0: quarantined, with the raw record kept for source health.
const broken = (id: number, title: string) => poi(id, 0, 0, title, '2025-01-01T00:00:00Z');
const OPEN_FILE = [OPEN_POI, broken(2002, 'Licensed Broken')];
const CLOSED_FILE = [CLOSED_POI, broken(3002, 'Unlicensed Broken')];

const LICENSED = { license: 'CC-BY-4.0', attribution: 'someone' };

const PAIR = [
  { source: 'open', id: '2001' },
  { source: 'closed', id: '3001' },
] as const;

let atlas: RegisterAtlas;
let dir: string;
let db: Db;
let server: ServedApp;
let siteId: string;

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  atlas = await serveRegisterAtlas(
    [
      { id: 'open', pois: OPEN_FILE, config: LICENSED },
      { id: 'closed', pois: CLOSED_FILE },
    ],
    [[PAIR[0], PAIR[1]]],
  );
  ({ dir, db, server } = atlas);
  const openPk = locationPkOf('open', { countryCode: 'DE', partyId: 'OCM', id: '2001' });
  const row = await db.get<{ site_id: string }>('SELECT site_id FROM locations WHERE pk = ?', [openPk]);
  siteId = row!.site_id;
  const closedPk = locationPkOf('closed', { countryCode: 'DE', partyId: 'OCM', id: '3001' });
  expect(await db.get('SELECT site_id FROM locations WHERE pk = ?', [closedPk])).toEqual({ site_id: siteId });
});

afterAll(() => atlas?.close());

describe('a site with a member from a source without a licence', () => {
  it('is placed at the licensed member, in the list and in the site itself', async () => {
    const list = JSON.parse((await get('/v1/sites?limit=100')).body.toString());
    expect(list.features.map((f: { id: string }) => f.id)).toEqual([siteId]);
    expect(list.features[0].geometry.coordinates).toEqual([OPEN.lon, OPEN.lat]);
    const detail = await get(`/v1/sites/${siteId}`);
    expect(detail.status).toBe(200);
    const site = JSON.parse(detail.body.toString());
    expect(site.geometry.coordinates).toEqual([OPEN.lon, OPEN.lat]);
    expect(site.properties.name).toBe('Licensed Place');
    expect(detail.body.toString()).not.toContain('Unlicensed');
  });

  it('is placed at the licensed member in the OGC items', async () => {
    const ogc = JSON.parse((await get('/ogc/collections/sites/items?limit=100')).body.toString());
    expect(ogc.features.map((f: { geometry: { coordinates: number[] } }) => f.geometry.coordinates)).toEqual([
      [OPEN.lon, OPEN.lat],
    ]);
  });

  it('carries nothing of the unlicensed member in the .sqlite dump', async () => {
    const res = await get('/v1/dumps/sites.sqlite.gz');
    expect(res.status).toBe(200);
    const file = join(dir, 'dump.sqlite');
    writeFileSync(file, gunzipSync(res.body));
    const copy = new Database(file, { readonly: true });
    try {
      const sites = copy.prepare('SELECT id, lat, lon, fields FROM sites').all() as {
        lat: number;
        lon: number;
        fields: string;
      }[];
      expect(sites).toHaveLength(1);
      expect([sites[0]!.lon, sites[0]!.lat]).toEqual([OPEN.lon, OPEN.lat]);
      expect(sites[0]!.fields).not.toContain('Unlicensed');
      expect(sites[0]!.fields).not.toContain('"closed"');
      const layer = copy.prepare('SELECT name, geometry FROM published_sites').all();
      expect(layer).toEqual([{ name: 'Licensed Place', geometry: `POINT(${OPEN.lon} ${OPEN.lat})` }]);
    } finally {
      copy.close();
    }
  });

  it('shows why its quarantined records were refused, but not the records themselves', async () => {
    const page = async (id: string) => {
      const res = await get(`/v1/sources/${id}/quarantine`);
      expect(res.status).toBe(200);
      return { text: res.body.toString(), body: JSON.parse(res.body.toString()) };
    };
    const closed = await page('closed');
    expect(closed.body.records).toHaveLength(1);
    expect(closed.body.records[0]).toMatchObject({ record_id: '3002', raw: null });
    expect(closed.body.records[0].reason.field).toBe('AddressInfo.Latitude');
    expect(closed.text).not.toContain('Unlicensed');
    const open = await page('open');
    expect(open.body.records[0].raw.AddressInfo.Title).toBe('Licensed Broken');
  });

  it.each(['geojson', 'csv'])('is placed at the licensed member in the %s dump', async (format) => {
    const res = await get(`/v1/dumps/sites.${format}.gz`);
    expect(res.status).toBe(200);
    const text = gunzipSync(res.body).toString('utf8');
    expect(text).toContain(String(OPEN.lon));
    expect(text).not.toContain(String(CLOSED.lon));
    expect(text).not.toContain('Unlicensed');
  });
});

// Last: it changes the sources. The dedupe after the next sync re-resolves the sites of a source
// whose licence changed, either way (a site built before this rule heals the same way).
describe('a source whose licence changes', () => {
  const sitePlace = async () => {
    const site = JSON.parse((await get(`/v1/sites/${siteId}`)).body.toString());
    return { at: site.geometry.coordinates, name: site.properties.name };
  };
  // As `atlas serve` and `atlas sync` do after their syncs, which here write nothing.
  const relicense = async (license?: string) => {
    const sources = [
      registerSource(dir, { id: 'open', pois: OPEN_FILE, config: LICENSED }),
      registerSource(dir, {
        id: 'closed',
        pois: CLOSED_FILE,
        config: license ? { ...LICENSED, license } : {},
      }),
    ];
    await upsertSources(db, sources, new Date().toISOString());
    const runner = createSyncRunner({
      db,
      client: createOcpiClient({}),
      clock: () => new Date(),
      log: silentLogger,
      readText,
      concurrency: 1,
      dedupe: { overrides: { always: [[...PAIR]], never: [] } },
    });
    await runner.regroup();
  };

  it('lends its fields once it has a licence, and stops lending them when it loses it', async () => {
    expect(await changedLocationPks(db)).toEqual([]);
    await relicense('CC0-1.0');
    expect(await sitePlace()).toEqual({ at: [CLOSED.lon, CLOSED.lat], name: 'Unlicensed Place' });
    await relicense(undefined);
    expect(await sitePlace()).toEqual({ at: [OPEN.lon, OPEN.lat], name: 'Licensed Place' });
    expect(await changedLocationPks(db)).toEqual([]);
  });
});
