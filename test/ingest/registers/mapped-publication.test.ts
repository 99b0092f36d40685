// Records of a mapped register take the same road as every other source's: the write path, the
// publication predicate (a record's own NonCommercial licence or a removed life cycle keeps it out
// of every answer while the rest is served) and dedupe (the Köln file read by mapping lands on the
// same sites as the same file read by the dedicated importer). Real SQLite, the real app on loopback.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { openSqlite } from '../../../src/db/sqlite.js';
import type { Db } from '../../../src/db/types.js';
import { locationPkOf } from '../../../src/db/write-location.js';
import { dedupeSites } from '../../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../../src/ingest/source-state.js';
import { parseSourcesFile, type RegisterSourceConfig } from '../../../src/ingest/sources-file.js';
import { syncRegisterSource } from '../../../src/ingest/sync-register.js';
import { silentLogger } from '../../../src/log.js';
import { nodeHttpOptions } from '../../../src/node/http-hooks.js';
import { readText } from '../../../src/node/read-text.js';
import { documentedMappedSources } from '../../helpers/documented-sources.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { sharedData } from './shared-data.js';

const CITY_CSV = [
  'Nr;Name;Lat;Lon;Lizenz;Status;Stecker;kW',
  '1;Open Markt;51,10;7,10;;In Betrieb;Typ 2;22',
  '2;Nc Bahnhof;51,20;7,20;CC BY-NC 4.0;In Betrieb;Typ 2;22',
  '3;Gone Rathaus;51,30;7,30;;Stillgelegt;Typ 2;22',
  '4;Planned Hafen;51,40;7,40;;In Planung;Typ 2;22',
].join('\n');

const CITY = {
  id: 'stadt',
  name: 'Stadt Beispiel',
  type: 'mapped',
  license: 'CC-BY-4.0',
  mapping: {
    format: { type: 'csv', separator: ';' },
    decimal_mark: ',',
    country_code: 'DE',
    party_id: 'STA',
    fields: {
      id: 'Nr',
      name: 'Name',
      latitude: 'Lat',
      longitude: 'Lon',
      license: 'Lizenz',
      lifecycle: { from: 'Status', map: { 'In Betrieb': 'operational', 'In Planung': 'planned' } },
    },
    evses: {
      connectors: {
        standard: { from: 'Stecker', map: { 'Typ 2': 'IEC_62196_T2' } },
        max_power: { from: 'kW', unit: 'kW' },
      },
    },
  },
};

let dir: string;
let db: Db;
let server: ServedApp;
const pk = (id: string) => locationPkOf('stadt', { countryCode: 'DE', partyId: 'STA', id });

async function sync(source: RegisterSourceConfig) {
  const result = await syncRegisterSource(source, {
    db,
    clock: () => new Date(),
    log: silentLogger,
    readText,
  });
  expect(result.status, result.error ?? '').toBe('ok');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-mapped-pub-'));
  writeFileSync(join(dir, 'stadt.csv'), CITY_CSV);
  db = openSqlite(join(dir, 'atlas.db'));
  const koeln = sharedData('de-bnetza-koeln-csv', 'Ladesaeulenregister.csv');
  const [city] = parseSourcesFile(JSON.stringify([{ ...CITY, url: join(dir, 'stadt.csv') }]), 's.json');
  const mappedKoeln = { ...documentedMappedSources().get('bnetza-koeln-mapped')!, url: koeln };
  const dedicated = parseSourcesFile(
    JSON.stringify([{ id: 'bnetza', name: 'BNetzA', type: 'bnetza-csv', url: koeln, license: 'CC-BY-4.0' }]),
    's.json',
  )[0] as RegisterSourceConfig;
  const sources = [city as RegisterSourceConfig, mappedKoeln, dedicated];
  await upsertSources(db, sources, new Date().toISOString());
  for (const source of sources) await sync(source);
  await dedupeSites(db);
  server = await serveApp(createApp({ getDb: () => db, http: nodeHttpOptions({ rateLimit: false }) }));
});

afterAll(async () => {
  await server?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, text: await res.text() };
}

describe('a mapped register through the write path, publication and dedupe', () => {
  it('stores every record with its own licence and life cycle', async () => {
    const rows = await db.all<{ ocpi_id: string; license: string | null; lifecycle: string }>(
      "SELECT ocpi_id, license, lifecycle FROM locations WHERE source_id = 'stadt' ORDER BY ocpi_id",
    );
    expect(rows).toEqual([
      { ocpi_id: '1', license: null, lifecycle: 'operational' },
      { ocpi_id: '2', license: 'CC BY-NC 4.0', lifecycle: 'operational' },
      { ocpi_id: '3', license: null, lifecycle: 'removed' },
      { ocpi_id: '4', license: null, lifecycle: 'planned' },
    ]);
  });

  it('serves the open and the planned record, never the NonCommercial or the removed one', async () => {
    const list = JSON.parse((await get('/v1/locations?limit=1000&bbox=7,51,7.5,51.5')).text);
    expect(list.features.map((f: { id: string }) => f.id).sort()).toEqual([pk('1'), pk('4')].sort());
    for (const id of ['2', '3']) expect((await get(`/v1/locations/${pk(id)}`)).status).toBe(404);
    const sites = (await get('/v1/sites?limit=1000&bbox=7,51,7.5,51.5')).text;
    expect(sites).toContain('Open Markt');
    expect(sites).not.toContain('Nc Bahnhof');
    expect(sites).not.toContain('Gone Rathaus');
    const res = await fetch(`${server.url}/v1/dumps/sites.ndjson.gz`);
    expect(res.status).toBe(200);
    const dump = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8');
    expect(dump).toContain('Open Markt');
    for (const name of ['Nc Bahnhof', 'Gone Rathaus']) expect(dump).not.toContain(name);
  });

  it('puts each Köln row read by mapping on the site of the same row read by the bnetza-csv importer', async () => {
    const pairs = await db.all<{ same: number }>(
      `SELECT m.site_id IS NOT NULL AND m.site_id = d.site_id AS same FROM locations m
       JOIN locations d ON d.source_id = 'bnetza' AND d.ocpi_id = m.ocpi_id
       WHERE m.source_id = 'bnetza-koeln-mapped'`,
    );
    expect(pairs).toHaveLength(292);
    expect(pairs.filter((p) => p.same !== 1)).toHaveLength(0);
  });
});
