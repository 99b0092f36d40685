// The statistics queries (src/db/queries/stats.ts) against a count from scratch in plain JS, for
// every dimension and filter, after each kind of write: pull pages, a full pull's removals, dedupe,
// a source's licence change, and the OCPI pushes the receiver takes (Location PUT/PATCH, EVSE PUT,
// status PATCH to REMOVED, connector PUT/PATCH).
import { describe, expect, it } from 'vitest';
import type { LocationFilter } from '../../src/db/queries/locations.js';
import { operatorStats, type StatsDimension, type StatsRow, statsBy } from '../../src/db/queries/stats.js';
import type { Db } from '../../src/db/types.js';
import { dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { ModelFilter } from '../api/atlas-fixture.js';
import { buildAtlas } from '../api/atlas-fixture.js';
import { connector, evse, location, offset, openTestDb } from '../dedupe/builders.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { statsFromScratch, withSortedCountries } from '../helpers/stats-reference.js';
import {
  applyPushSteps,
  pushesOfEveryKind,
  putTwoEvseLocation,
  startAtlas,
} from '../ocpi/receiver/push-harness.js';

const DIMENSIONS: StatsDimension[] = ['total', 'country', 'operator', 'connector', 'power_class'];

/** Each filter as the query takes it and as the brute-force model takes it. */
const FILTERS: [LocationFilter, ModelFilter][] = [
  [{}, {}],
  [{ countries: [{ alpha3: 'DEU', alpha2: 'DE' }] }, { countries: ['DEU'] }],
  [
    {
      countries: [
        { alpha3: 'NLD', alpha2: 'NL' },
        { alpha3: 'FRA', alpha2: 'FR' },
      ],
    },
    { countries: ['NLD', 'FRA'] },
  ],
  [{ operator: 'enbw' }, { operator: 'enbw' }],
  [{ operator: 'Ionity' }, { operator: 'Ionity' }],
  [{ sources: ['swlb', 'open-a', 'cpo-nl'] }, { sources: ['swlb', 'open-a', 'cpo-nl'] }],
  [{ licenses: ['cc0-1.0', 'odbl-1.0'] }, { licenses: ['cc0-1.0', 'odbl-1.0'] }],
];

const canonical = (rows: object[]) => rows.map((r) => JSON.stringify(r)).sort();

/** Rows in the order the API lists them: by count (connectors per type, else EVSEs), then key. */
function expectListed(rows: StatsRow[], dim: StatsDimension) {
  const count = (r: StatsRow) => (dim === 'connector' ? r.connectors : r.evses);
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    expect(count(a) > count(b) || (count(a) === count(b) && (a.key ?? '') <= (b.key ?? ''))).toBe(true);
  }
}

/** Every dimension and filter, and every operator page, equal the count from scratch. */
async function expectStatsCurrent(db: Db): Promise<number> {
  const want = await statsFromScratch(db);
  let rows = 0;
  for (const [filter, modelFilter] of FILTERS) {
    for (const dim of DIMENSIONS) {
      const got = await statsBy(db, dim, filter);
      expect(canonical(got), `${dim} ${JSON.stringify(filter)}`).toEqual(
        canonical(want.statsBy(dim, modelFilter)),
      );
      expectListed(got, dim);
      rows += got.length;
    }
    const pages: Awaited<ReturnType<typeof operatorStats>> = [];
    for (let page = await operatorStats(db, filter, undefined, 2); page.length > 0; ) {
      pages.push(...page);
      page = await operatorStats(db, filter, page.at(-1)!.key!, 2);
    }
    expect(withSortedCountries(pages), `operators ${JSON.stringify(filter)}`).toEqual(
      want.operators(modelFilter),
    );
  }
  return rows;
}

const BASE = { lat: 48.8923, lon: 9.1833 };

/** Locations in two countries, with several EVSEs, connector types and powers (one without power, one without EVSEs). */
function richSites(n: number) {
  return Array.from({ length: n }, (_, i) =>
    location(`S${i}`, {
      ...offset(BASE.lat, BASE.lon, 0, i * 700),
      countryCode: i % 3 ? 'DE' : 'NL',
      country: i % 4 === 1 ? null : i % 3 ? 'DEU' : 'NLD',
      operator: i % 5 === 4 ? null : { name: i % 2 ? 'SWLB Mobilität GmbH' : 'EnBW', website: null },
      evses:
        i === 6
          ? []
          : [
              evse(`S${i}-1`, `DE*SLB*E${1000 + i}`, 'AVAILABLE'),
              {
                ...evse(`S${i}-2`, null, 'CHARGING'),
                connectors: [connector('CHADEMO', i === 2 ? null! : 50_150)],
              },
              {
                ...evse(`S${i}-3`, null, 'OUTOFORDER'),
                connectors: [
                  connector('IEC_62196_T2_COMBO', 150_000 * (1 + (i % 3)), 'DC'),
                  { ...connector(), id: '2' },
                ],
              },
            ],
    }),
  );
}

describe('the statistics after pulls, removals, dedupe and licence changes', () => {
  it('equal a count from scratch for every dimension and filter after each kind of change', async () => {
    const t = await openTestDb();
    try {
      const sites = richSites(9);
      await t.write('swlb', 'ocpi', sites);
      expect(await expectStatsCurrent(t.db)).toBeGreaterThan(50);

      // A register record next to site 3 (dedupe groups them into one site) and a far one.
      const twin = location('R1', {
        ...offset(sites[3]!.lat, sites[3]!.lon, 6, 0),
        partyId: 'BNA',
        address: sites[3]!.address,
        operator: { name: 'Ionity', website: null },
        evses: [evse('R1-1', 'DE*SLB*E1003')],
      });
      await t.write('bnetza', 'bnetza-json', [
        twin,
        location('R2', { ...offset(BASE.lat, BASE.lon, 5000, 0) }),
      ]);
      await expectStatsCurrent(t.db);
      await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
      const grouped = await t.db.get<{ n: number }>(
        'SELECT count(*) AS n FROM locations WHERE site_id IS NOT NULL',
      );
      expect(grouped!.n).toBeGreaterThan(0);
      await expectStatsCurrent(t.db);

      // A pull page that drops an EVSE, changes a power and a country, and leaves the ninth site out.
      const changed = sites.map((s, i) =>
        i === 2
          ? { ...s, evses: s.evses.slice(1), lastUpdated: '2026-02-02T00:00:00Z' }
          : i === 5
            ? {
                ...s,
                country: 'NLD',
                evses: [{ ...s.evses[0]!, connectors: [connector('IEC_62196_T2', 11_000)] }],
              }
            : s,
      );
      await t.write('swlb', 'ocpi', changed.slice(0, 8));
      await expectStatsCurrent(t.db);
      expect(await t.removeUnlisted('swlb', 8, '2026-02-03T00:00:00Z')).toBe(1);
      await expectStatsCurrent(t.db);

      // The register's licence is withdrawn, then restored as another licence.
      const register = ocpiSourceConfig({ id: 'bnetza', versions_url: 'http://127.0.0.1:9/', token: 'x' });
      await upsertSources(t.db, [{ ...register, license: 'proprietary' }], '2026-02-06T00:00:00Z');
      await expectStatsCurrent(t.db);
      await upsertSources(t.db, [{ ...register, license: 'ODbL-1.0' }], '2026-02-07T00:00:00Z');
      await expectStatsCurrent(t.db);
    } finally {
      await t.close();
    }
  });

  it('equal a count from scratch on the synthetic atlas (sites, removals, unlicensed sources)', async () => {
    const atlas = await buildAtlas({ locations: 300, seed: 11 });
    try {
      expect(await expectStatsCurrent(atlas.db)).toBeGreaterThan(100);
    } finally {
      await atlas.close();
    }
  });
});

describe('the statistics after OCPI pushes', () => {
  it('equal a count from scratch after each PUT and PATCH the receiver applies', async () => {
    const atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
    try {
      const at = (m: number) => `2025-03-01T12:${String(m).padStart(2, '0')}:00Z`;
      expect((await putTwoEvseLocation(atlas, 'A', 52.09, 5.1, at(1))).body.status_code).toBe(1000);
      expect((await putTwoEvseLocation(atlas, 'B', 52.2, 5.1, at(1))).body.status_code).toBe(1000);
      await expectStatsCurrent(atlas.db);
      atlas.clock.set('2025-03-01T12:08:00Z');
      const steps = pushesOfEveryKind(at);
      await applyPushSteps(atlas, steps, () => expectStatsCurrent(atlas.db));
      const [a] = await statsBy(atlas.db, 'operator', { operator: 'Renamed' });
      expect(a).toMatchObject({ locations: 1, evses: 3, connectors: 4 });
    } finally {
      await atlas.close();
    }
  });
});
