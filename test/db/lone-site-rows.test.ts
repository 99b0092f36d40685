// The read-model rows a sync page builds from its records (src/db/lone-site-rows.ts: locations the
// store did not hold) against the SQL refresh over the base tables (refreshSiteFeaturesStmts): the
// refresh run afterwards must find every column as it would have written it (the upsert gives a
// row it changes a new rev, and one it moves a new rowid), and every feature must equal a build
// from scratch, through every kind of change that follows (a rewrite, dedupe joining and leaving a
// site, a tariff turning free, a licence withdrawn).
import { afterEach, describe, expect, it } from 'vitest';
import { loneSiteRow } from '../../src/db/lone-site-rows.js';
import type { Db } from '../../src/db/types.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { tariffPkOf, writeTariffStmts } from '../../src/db/write-tariff.js';
import { changedLocationPks, dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { locationKey } from '../../src/model/ids.js';
import type { Location, Tariff } from '../../src/model/types.js';
import { connector, evse, location, offset, openTestDb, type TestDb } from '../dedupe/builders.js';
import { siteFeaturesFromScratch } from '../helpers/site-features-reference.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';

const BASE = { lat: 52.5163, lon: 13.3777 };
const at = (i: number) => offset(BASE.lat, BASE.lon, 0, i * 900);
const pkOf = (l: Location) => locationKey('cpo', l.countryCode, l.partyId, l.id);

function tariff(id: string, price: number): Tariff {
  return {
    countryCode: 'DE',
    partyId: 'ABC',
    id,
    currency: 'EUR',
    type: null,
    elements: [{ priceComponents: [{ type: 'ENERGY', price, vat: null, stepSize: 1 }], restrictions: null }],
    altText: [],
    altUrl: null,
    minPrice: null,
    maxPrice: null,
    startDateTime: null,
    endDateTime: null,
    taxIncluded: null,
    lastUpdated: '2026-01-01T00:00:00Z',
    warnings: [],
  };
}

async function writeTariff(db: Db, t: Tariff): Promise<void> {
  await db.batch(
    writeTariffStmts(t, {
      sourceId: 'cpo',
      now: '2026-01-01T00:00:00Z',
      runId: 0,
      contentHash: `${t.id}-${t.elements[0]!.priceComponents[0]!.price}`,
      summary: '',
    }),
  );
}

const tariffed = (ids: string[], standard = 'IEC_62196_T2', w: number | null = 22_000) => ({
  ...connector(standard, w as number),
  tariffIds: ids,
});

/** Locations of every shape a first sync brings, each new to the store. */
function records(): Location[] {
  return [
    location('RICH', {
      ...at(0),
      name: 'Ladepark Mitte',
      address: 'Unter den Linden 1',
      city: 'Berlin',
      postalCode: '10117',
      operator: { name: 'Stromnetz Berlin', website: null },
      lastUpdated: '2026-01-05T00:00:00Z',
      evses: [
        {
          ...evse('R-1', 'DE*SNB*E1', 'AVAILABLE', '2026-01-04T00:00:00Z'),
          connectors: [tariffed(['PAID'])],
        },
        { ...evse('R-2', 'DE*SNB*E2', 'CHARGING'), connectors: [tariffed([], 'CHADEMO', 50_150)] },
        {
          ...evse('R-3', null, 'OUTOFORDER', '2026-01-03T00:00:00Z'),
          connectors: [
            tariffed(['PAID'], 'IEC_62196_T2_COMBO', 150_000),
            { ...tariffed([], 'IEC_62196_T2', null), id: '2' },
          ],
        },
        evse('R-4', null, 'AVAILABLE', '2026-01-04T00:00:00Z'),
        evse('R-5', null, 'UNKNOWN'),
        evse('R-6', null, 'BLOCKED'),
        // Removed: counted nowhere, and its free tariff does not make the site free.
        { ...evse('R-7', null, 'REMOVED'), connectors: [tariffed(['FREE'], 'CHADEMO', 400_000)] },
      ],
    }),
    location('FREE', {
      ...at(1),
      name: ' ',
      address: ' Marktplatz 1 ',
      city: 'Potsdam',
      evses: [{ ...evse('F-1', null, 'AVAILABLE'), connectors: [tariffed(['free'])] }],
    }),
    location('PLANNED', { ...at(2), evses: [evse('P-1', null, 'PLANNED'), evse('P-2', null, 'PLANNED')] }),
    location('BARE', { ...at(3), evses: [] }),
    location('NOPLUG', { ...at(4), evses: [{ ...evse('N-1', null, 'INOPERATIVE'), connectors: [] }] }),
    // Not published: no row, as the refresh writes none.
    location('HIDDEN', { ...at(5), publish: false }),
    location('NC', { ...at(6), license: 'CC-BY-NC-4.0' }),
    location('GONE', { ...at(7), evses: [evse('G-1', null, 'REMOVED')] }),
    location('ENDED', { ...at(8), lifecycle: 'removed' }),
    // Keys the store folds together, and fractional power: left to the refresh.
    location('TWICE', { ...at(9), evses: [evse('T-1', null, 'AVAILABLE'), evse('t-1', null, 'CHARGING')] }),
    location('PLUGTWICE', {
      ...at(11),
      evses: [
        {
          ...evse('PT-1', null),
          connectors: [tariffed([]), { ...tariffed([], 'CHADEMO', 50_000), id: '1' }],
        },
      ],
    }),
    location('FRACTION', {
      ...at(10),
      evses: [{ ...evse('W-1', null), connectors: [tariffed([], 'IEC_62196_T2', 7_359.5)] }],
    }),
  ];
}

/** Every stored column of the read model, its rowid and rev included. */
const storedRows = (db: Db) => db.all('SELECT rowid AS place, * FROM site_features ORDER BY id');

/** The refresh over the base tables, for every location of the source, changes no row. */
async function expectRefreshFindsNothing(db: Db): Promise<void> {
  const before = await storedRows(db);
  await db.batch(refreshSiteFeaturesStmts({ sourceId: 'cpo' }));
  expect(await storedRows(db)).toEqual(before);
}

async function expectFromScratch(db: Db): Promise<number> {
  const want = await siteFeaturesFromScratch(db);
  const rows = await db.all<{ id: string; feature: string }>('SELECT id, feature FROM site_features');
  expect(new Map(rows.map((r) => [r.id, r.feature]))).toEqual(
    new Map([...want].map(([id, f]) => [id, JSON.stringify(f)])),
  );
  return want.size;
}

describe('read-model rows built from the records of new locations', () => {
  let t: TestDb;
  afterEach(async () => {
    await t?.close();
  });

  it('are built from the record except where the store would fold keys or sum fractions', () => {
    const built = records().map((l) => [l.id, loneSiteRow(pkOf(l), 'cpo', l) != null]);
    expect(built.filter(([, b]) => !b).map(([id]) => id)).toEqual(['TWICE', 'PLUGTWICE', 'FRACTION']);
  });

  it('hold what the refresh over the tables writes, column for column', async () => {
    t = await openTestDb();
    await t.write('cpo', 'ocpi', [location('SEED', { ...at(20) })]);
    await writeTariff(t.db, tariff('FREE', 0));
    await writeTariff(t.db, tariff('PAID', 0.39));
    await t.write('cpo', 'ocpi', records());
    const rows = await t.db.all<{ id: string; free: number; evse_count: number; statuses: string }>(
      'SELECT id, free, evse_count, statuses FROM site_features',
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const row = (id: string) => byId.get(pkOf(location(id)));
    // Eight published new locations (three through the refresh) and the seed; FREE's tariff id
    // matches case-insensitively.
    expect(rows.length).toBe(9);
    expect([row('RICH')?.free, row('FREE')?.free, row('RICH')?.evse_count]).toEqual([0, 1, 6]);
    expect(JSON.parse(row('RICH')!.statuses)).toEqual([
      [0, '2026-01-04T00:00:00Z', 2],
      [1, '2026-01-05T00:00:00Z', 2],
      [2, '2026-01-03T00:00:00Z', 1],
    ]);
    await expectRefreshFindsNothing(t.db);
    expect(await expectFromScratch(t.db)).toBe(9);
  });

  it('stay current through the changes that follow: rewrites, dedupe, tariffs and licences', async () => {
    t = await openTestDb();
    await writeTariff(t.db, tariff('FREE', 0));
    const first = records();
    await t.write('cpo', 'ocpi', first);
    await expectRefreshFindsNothing(t.db);

    // A neighbour of RICH from another source, new too: dedupe groups them into one site.
    await t.write('osm', 'ocpi', [
      location('TWIN', {
        ...offset(first[0]!.lat, first[0]!.lon, 5, 0),
        name: 'Ladepark Mitte',
        address: 'Unter den Linden 1',
      }),
    ]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const grouped = await t.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM site_features WHERE kind = 'site' AND json_array_length(feature, '$.properties.location_ids') = 2",
    );
    expect(grouped!.n).toBe(1);
    await expectFromScratch(t.db);

    // One page: RICH leaves its site for a far place, loses EVSEs; a new location lands beside
    // the site's other member; HIDDEN is published now; an EVSE of FREE is removed.
    const second = first.map((l) =>
      l.id === 'RICH'
        ? { ...l, ...at(40), evses: l.evses.slice(0, 2), lastUpdated: '2026-02-02T00:00:00Z' }
        : l.id === 'HIDDEN'
          ? { ...l, publish: true }
          : l.id === 'FREE'
            ? { ...l, evses: [{ ...l.evses[0]!, status: 'REMOVED' }] }
            : l,
    );
    await t.write('cpo', 'ocpi', [
      ...second,
      location('JOINER', { ...offset(first[0]!.lat, first[0]!.lon, 8, 0), name: 'Ladepark Mitte' }),
    ]);
    await expectRefreshFindsNothing(t.db);
    await expectFromScratch(t.db);
    await dedupeSites(t.db, { now: '2026-02-03T00:00:00Z', changedNear: await changedLocationPks(t.db) });
    await expectRefreshFindsNothing(t.db);
    await expectFromScratch(t.db);

    // A paid tariff turns free; the source's licence is withdrawn, then restored.
    await writeTariff(t.db, tariff('PAID', 0));
    await expectRefreshFindsNothing(t.db);
    const cpo = ocpiSourceConfig({ id: 'cpo', versions_url: 'http://127.0.0.1:9/', token: 'x' });
    await upsertSources(t.db, [{ ...cpo, license: 'proprietary' }], '2026-02-04T00:00:00Z');
    await expectFromScratch(t.db);
    await upsertSources(t.db, [cpo], '2026-02-05T00:00:00Z');
    await expectRefreshFindsNothing(t.db);
    await expectFromScratch(t.db);
    expect(tariffPkOf('cpo', tariff('PAID', 0))).toBeTruthy();
  });
});
