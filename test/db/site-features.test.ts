// The precomputed list view (site_features) against a build from scratch over the base tables, for
// every published site, after each kind of write: pull pages, a full pull's removals, dedupe
// regrouping (full and incremental), a source's licence change, and every OCPI push the receiver
// takes (Location PUT/PATCH, EVSE PUT, status PATCH, connector PUT/PATCH).
import { afterEach, describe, expect, it } from 'vitest';
import { createWriteQueue } from '../../src/api/ocpi/write-queue.js';
import { cellOf } from '../../src/db/spatial-key.js';
import type { Db } from '../../src/db/types.js';
import { evseStatusStmts } from '../../src/db/write-evse.js';
import {
  ensureSiteFeatures,
  FIRST_SPARE_POS,
  refreshSiteFeaturesStmts,
  SUMMARY_PATHS_SQL,
  sitePosSql,
} from '../../src/db/write-site-features.js';
import { changedLocationPks, dedupeSites } from '../../src/dedupe/run-dedupe.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import { evseKey, locationKey } from '../../src/model/ids.js';
import type { Location } from '../../src/model/types.js';
import { buildAtlas } from '../api/atlas-fixture.js';
import { connector, evse, location, offset, openTestDb, type TestDb } from '../dedupe/builders.js';
import { siteFeaturesFromScratch } from '../helpers/site-features-reference.js';
import { siteTilesFromScratch, storedSiteTiles } from '../helpers/site-tiles-reference.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { storedTileCells, tileCellsFromScratch } from '../helpers/tile-cells-reference.js';
import {
  applyPushSteps,
  pushesOfEveryKind,
  putTwoEvseLocation,
  startAtlas,
} from '../ocpi/receiver/push-harness.js';

/**
 * Where rows are stored: each at its place in the spread order (sitePosSql), or, when another row
 * holds that place, above FIRST_SPARE_POS. Returns the ids stored above it. (Compared in SQL: the
 * rowids are 52-bit.)
 */
async function expectSpreadLayout(db: Db): Promise<string[]> {
  const rows = await db.all<{ id: string; at_place: number; spare: number; place_ok: number }>(
    `SELECT f.id, f.rowid = ${sitePosSql('f')} AS at_place, f.rowid > ${FIRST_SPARE_POS} AS spare,
       ${sitePosSql('f')} < ${FIRST_SPARE_POS} AS place_ok
     FROM site_features f`,
  );
  for (const r of rows) {
    expect(r.place_ok, r.id).toBe(1);
    if (r.at_place) continue;
    expect(r.spare, `${r.id} is neither at its place nor above the places`).toBe(1);
  }
  return rows.filter((r) => !r.at_place).map((r) => r.id);
}

/** Byte for byte: the stored feature of every published site is the one a fresh build serializes. */
async function expectReadModelCurrent(db: Db): Promise<number> {
  const want = await siteFeaturesFromScratch(db);
  const rows = await db.all<{ id: string; feature: string }>('SELECT id, feature FROM site_features');
  const got = new Map(rows.map((r) => [r.id, r.feature]));
  expect(got).toEqual(new Map([...want].map(([id, f]) => [id, JSON.stringify(f)])));
  expect(await expectSpreadLayout(db)).toEqual([]);
  return want.size;
}

/**
 * Every live site with one published member has the summary the general path computes for it, each
 * stored column; returns how many there are.
 */
async function expectSinglesAsGeneral(db: Db): Promise<number> {
  const ids = await db.all<{ id: string }>('SELECT id FROM sites WHERE merged_into IS NULL');
  const params = ['[]', '[]', JSON.stringify(ids.map((r) => r.id)), null, null];
  const single = await db.all<{ id: string }>(SUMMARY_PATHS_SQL.single, params);
  const general = await db.all<{ id: string }>(SUMMARY_PATHS_SQL.general, params);
  const singles = new Set(single.map((r) => r.id));
  expect(single).toEqual(general.filter((r) => singles.has(r.id)));
  return single.length;
}

const BASE = { lat: 48.8923, lon: 9.1833 };

/** Sites with several EVSEs, statuses and connector kinds, so the summaries have something to fold. */
function richSites(n: number): Location[] {
  return Array.from({ length: n }, (_, i) =>
    location(`S${i}`, {
      ...offset(BASE.lat, BASE.lon, 0, i * 700),
      name: `Site ${i}`,
      address: `Hauptstraße ${i + 1}`,
      operator: { name: i % 2 ? 'SWLB Mobilität GmbH' : 'EnBW', website: null },
      evses: [
        evse(`S${i}-1`, `DE*SLB*E${1000 + i}`, 'AVAILABLE'),
        { ...evse(`S${i}-2`, `DE*SLB*E${2000 + i}`, 'CHARGING'), connectors: [connector('CHADEMO', 50_150)] },
        {
          ...evse(`S${i}-3`, null, i % 3 ? 'OUTOFORDER' : 'AVAILABLE'),
          connectors: [connector('IEC_62196_T2_COMBO', 150_000, 'DC'), { ...connector(), id: '2' }],
        },
      ],
    }),
  );
}

const pk = (source: string, l: Pick<Location, 'countryCode' | 'partyId' | 'id'>) =>
  locationKey(source, l.countryCode, l.partyId, l.id);

describe('the site read model after pulls, removals, dedupe and licence changes', () => {
  let t: TestDb;
  afterEach(async () => {
    await t.close();
  });

  it('equals a build from scratch for every site after each kind of change', async () => {
    t = await openTestDb();
    const sites = richSites(8);
    await t.write('swlb', 'ocpi', sites);
    expect(await expectReadModelCurrent(t.db)).toBe(8);

    // A register record next to site 3 (dedupe groups them) and a far one of its own.
    const twin = location('R1', {
      ...offset(sites[3]!.lat, sites[3]!.lon, 6, 0),
      partyId: 'BNA',
      name: 'Ladepark Hauptstraße',
      address: sites[3]!.address,
      operator: { name: 'Stadtwerke Ludwigsburg', website: null },
      evses: [evse('R1-1', 'DE*SLB*E1003')],
    });
    await t.write('bnetza', 'bnetza-json', [
      twin,
      location('R2', { ...offset(BASE.lat, BASE.lon, 5000, 0) }),
    ]);
    await expectReadModelCurrent(t.db);

    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    const grouped = await t.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM site_features WHERE kind = 'site' AND json_array_length(feature, '$.properties.location_ids') = 2",
    );
    expect(grouped!.n).toBe(1);
    expect(await expectReadModelCurrent(t.db)).toBe(9);
    expect(await expectSinglesAsGeneral(t.db)).toBe(8);

    // A pull page that changes statuses, drops an EVSE and moves site 5 next to site 4.
    const changed = sites.map((s, i) =>
      i === 2
        ? { ...s, evses: [{ ...s.evses[0]!, status: 'BLOCKED' }], lastUpdated: '2026-02-02T00:00:00Z' }
        : i === 5
          ? {
              ...s,
              ...offset(sites[4]!.lat, sites[4]!.lon, 3, 0),
              name: sites[4]!.name,
              address: sites[4]!.address,
            }
          : s,
    );
    await t.write('swlb', 'ocpi', changed.slice(0, 7));
    await expectReadModelCurrent(t.db);

    // The full pull above listed 7 of 8: the eighth is removed, with its site.
    expect(await t.removeUnlisted('swlb', 7, '2026-02-03T00:00:00Z')).toBe(1);
    expect(await expectReadModelCurrent(t.db)).toBe(8);

    // Incremental dedupe regroups site 5 with site 4; a full run afterwards changes nothing.
    await dedupeSites(t.db, { now: '2026-02-04T00:00:00Z', changedNear: await changedLocationPks(t.db) });
    await expectReadModelCurrent(t.db);
    await dedupeSites(t.db, { now: '2026-02-05T00:00:00Z' });
    await expectReadModelCurrent(t.db);

    // The register's licence is withdrawn, then restored.
    const register = ocpiSourceConfig({ id: 'bnetza', versions_url: 'http://127.0.0.1:9/', token: 'x' });
    await upsertSources(t.db, [{ ...register, license: 'proprietary' }], '2026-02-06T00:00:00Z');
    expect(await expectReadModelCurrent(t.db)).toBe(7);
    // Site 3 and the register's twin: one published member left, read as a single.
    expect(await expectSinglesAsGeneral(t.db)).toBe(7);
    await upsertSources(t.db, [register], '2026-02-07T00:00:00Z');
    expect(await expectReadModelCurrent(t.db)).toBe(8);

    // A database from before the read model (or of an older shape) is rebuilt once.
    await t.db.batch([{ sql: "DELETE FROM meta WHERE key = 'site_features_version'", params: [] }]);
    await t.db.batch([{ sql: 'DELETE FROM site_features', params: [] }]);
    expect(await ensureSiteFeatures(t.db)).toBe(true);
    expect(await ensureSiteFeatures(t.db)).toBe(false);
    expect(await expectReadModelCurrent(t.db)).toBe(8);
    expect(pk('swlb', sites[0]!)).toBeTruthy();
  });

  it('equals a build from scratch after a page larger than one refresh statement', async () => {
    // A sync page refreshes its sites 100 locations a statement: 250 take three, and a second page
    // that changes every site rewrites rows the same statements wrote before.
    t = await openTestDb();
    const sites = richSites(250);
    await t.write('swlb', 'ocpi', sites);
    expect(await expectReadModelCurrent(t.db)).toBe(250);
    const moved = sites.map((s, i) => ({
      ...s,
      ...(i % 2 ? offset(s.lat, s.lon, 40, 0) : {}),
      evses: s.evses.slice(i % 3),
      lastUpdated: '2026-02-02T00:00:00Z',
    }));
    await t.write('swlb', 'ocpi', moved);
    expect(await expectReadModelCurrent(t.db)).toBe(250);
  });

  it('keeps out what the publication rule keeps out (record licence, lifecycle, publish) and derives names', async () => {
    t = await openTestDb();
    const at = (i: number) => offset(BASE.lat, BASE.lon, 0, i * 900);
    const records = [
      location('N1', { ...at(0), name: null, address: ' Marktplatz 1 ', city: 'Ulm' }),
      location('N2', { ...at(1), name: '\u00a0 ', address: null, city: ' Ulm ' }),
      location('N3', { ...at(2), name: null, address: null, city: null }),
      location('NC', { ...at(3), license: 'CC-BY-NC-4.0' }),
      location('PL', { ...at(4), lifecycle: 'planned' }),
      location('RM', { ...at(5), lifecycle: 'removed' }),
      location('HID', { ...at(6), publish: false }),
      location('GONE', { ...at(7), evses: [evse('GONE-1', null, 'REMOVED')] }),
    ];
    await t.write('mix', 'ocpi', records);
    expect(await expectReadModelCurrent(t.db)).toBe(4);
    const props = async (id: string) => {
      const row = await t.db.get<{ feature: string }>('SELECT feature FROM site_features WHERE id = ?', [
        pk('mix', location(id)),
      ]);
      return row ? JSON.parse(row.feature).properties : undefined;
    };
    expect(await props('N1')).toMatchObject({ name: 'Marktplatz 1, Ulm', name_derived: true });
    expect(await props('N2')).toMatchObject({ name: 'Ulm', name_derived: true });
    expect(await props('N3')).toMatchObject({ name: null, name_derived: false });
    expect(await props('PL')).toMatchObject({ lifecycle: 'planned' });
    for (const hidden of ['NC', 'RM', 'HID', 'GONE']) expect(await props(hidden)).toBeUndefined();

    // Each comes back when what kept it out changes, and a named place is no longer derived.
    await t.write('mix', 'ocpi', [
      { ...records[0]!, name: 'Parkhaus Mitte' },
      { ...records[3]!, license: 'CC-BY-4.0' },
      { ...records[5]!, lifecycle: 'operational' },
      { ...records[6]!, publish: true },
      { ...records[7]!, evses: [evse('GONE-1', null, 'AVAILABLE')] },
    ]);
    expect(await expectReadModelCurrent(t.db)).toBe(8);
    expect(await props('N1')).toMatchObject({ name: 'Parkhaus Mitte', name_derived: false });

    // Grouped with an unpublishable record, a site shows only its published members.
    await t.write('other', 'ocpi', [location('TW', { ...at(4), partyId: 'XYZ', lifecycle: 'removed' })]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    expect(await expectReadModelCurrent(t.db)).toBe(8);
    expect(await expectSinglesAsGeneral(t.db)).toBe(8);
    await t.write('mix', 'ocpi', [{ ...records[4]!, lifecycle: 'removed' }]);
    expect(await expectReadModelCurrent(t.db)).toBe(7);
  });

  it('stores a site whose place is held above the places, and at its new place once it moves', async () => {
    t = await openTestDb();
    const [a, b] = richSites(2);
    const idB = pk('swlb', b!);
    // B's place is held by another row (as when two sites share a cell and five id digits).
    await t.db.batch([
      {
        sql: `INSERT INTO site_features (rowid, id, kind, lat, lon, cell, evse_count, available_count,
                connector_count, sources, last_updated, feature)
              SELECT ${sitePosSql('s')}, 'holder', 'lone', 0, 0, 0, 0, 0, 0, '[]', '', '{}'
              FROM (SELECT ? AS id, ? AS cell) s`,
        params: [idB, cellOf(b!.lat, b!.lon)],
      },
    ]);
    await t.write('swlb', 'ocpi', [a!, b!]);
    const spare = await t.db.get<{ spare: number }>(
      `SELECT rowid > ${FIRST_SPARE_POS} AS spare FROM site_features WHERE id = ?`,
      [idB],
    );
    expect(spare?.spare).toBe(1);
    await t.db.batch([{ sql: "DELETE FROM site_features WHERE id = 'holder'", params: [] }]);
    // Freed, the place stays empty until B moves: an unmoved row keeps its rowid.
    expect(await expectSpreadLayout(t.db)).toEqual([idB]);

    // B moves (another cell): it is stored again, at its new place.
    await t.write('swlb', 'ocpi', [{ ...b!, ...offset(b!.lat, b!.lon, 2000, 0) }]);
    expect(await expectReadModelCurrent(t.db)).toBe(2);
  });

  it("takes a location's lone row over for its new site in place: no row comes or goes but the twin's", async () => {
    t = await openTestDb();
    const sites = richSites(6);
    await t.write('swlb', 'ocpi', sites);
    // A register record 6 m from site 3: dedupe groups the two, and the site stands where site 3 does.
    await t.write('bnetza', 'bnetza-json', [
      location('R1', {
        ...offset(sites[3]!.lat, sites[3]!.lon, 6, 0),
        partyId: 'BNA',
        name: sites[3]!.name,
        address: sites[3]!.address,
        evses: [evse('R1-1', 'DE*SLB*E1003')],
      }),
    ]);
    // The rows the first dedupe deletes and inserts (each moves the cluster cells and the sites layer).
    // Not TEMP: the dedupe's batch sets temp_store, which drops the connection's temp schema.
    await t.db.batch(
      [
        'CREATE TABLE churn (what TEXT NOT NULL)',
        "CREATE TRIGGER churn_insert AFTER INSERT ON site_features BEGIN INSERT INTO churn VALUES ('insert'); END",
        "CREATE TRIGGER churn_delete AFTER DELETE ON site_features BEGIN INSERT INTO churn VALUES ('delete'); END",
      ].map((sql) => ({ sql, params: [] })),
    );
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z', changedNear: await changedLocationPks(t.db) });
    const churn = await t.db.all<{ what: string; n: number }>(
      'SELECT what, count(*) AS n FROM churn GROUP BY what',
    );
    expect(churn).toEqual([{ what: 'delete', n: 1 }]);
    expect(await t.db.get("SELECT count(*) AS n FROM site_features WHERE kind = 'lone'")).toEqual({ n: 0 });
    expect(await expectReadModelCurrent(t.db)).toBe(6);
    expect(await storedTileCells(t.db)).toEqual(await tileCellsFromScratch(t.db));
    expect(await storedSiteTiles(t.db)).toEqual(await siteTilesFromScratch(t.db));
  });

  it('equals a build from scratch on the synthetic atlas (sites with and without rows, removals)', async () => {
    const atlas = await buildAtlas({ locations: 400, seed: 7 });
    try {
      expect(await expectReadModelCurrent(atlas.db)).toBeGreaterThan(200);
      expect(await expectSinglesAsGeneral(atlas.db)).toBeGreaterThan(5);
    } finally {
      await atlas.close();
    }
  });
});

describe('the site read model after OCPI pushes', () => {
  it('equals a build from scratch after each PUT and PATCH the receiver applies', async () => {
    const atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
    try {
      const v = '2.2.1' as const;
      const at = (m: number) => `2025-03-01T12:${String(m).padStart(2, '0')}:00Z`;
      expect((await putTwoEvseLocation(atlas, 'A', 52.09, 5.1, at(1))).body.status_code).toBe(1000);
      expect((await putTwoEvseLocation(atlas, 'B', 52.2, 5.1, at(1))).body.status_code).toBe(1000);
      expect(await expectReadModelCurrent(atlas.db)).toBe(2);

      // Within the receiver's 5 minutes of clock skew for every step below.
      atlas.clock.set('2025-03-01T12:08:00Z');
      const steps = pushesOfEveryKind(at);
      await applyPushSteps(atlas, steps, () => expectReadModelCurrent(atlas.db));
      // Concurrent pushes commit together (the write queue merges their refreshes into one).
      const burst = await Promise.all(
        (
          [
            ['/NL/TNM/A/E2', 'AVAILABLE'],
            ['/NL/TNM/A/E3', 'CHARGING'],
            ['/NL/TNM/B/E1', 'OUTOFORDER'],
          ] as const
        ).map(([path, status]) => atlas.push('PATCH', v, path, { status, last_updated: at(7) })),
      );
      expect(burst.map((r) => r.body.status_code)).toEqual([1000, 1000, 1000]);
      await expectReadModelCurrent(atlas.db);
      atlas.clock.set('2025-03-01T12:09:00Z');
      await atlas.push('PATCH', v, '/NL/TNM/A/E2', { status: 'CHARGING', last_updated: at(8) });
      await atlas.push('PATCH', v, '/NL/TNM/A/E3', { status: 'AVAILABLE', last_updated: at(8) });
      const a = await atlas.db.get<{ feature: string }>('SELECT feature FROM site_features WHERE id = ?', [
        locationKey('cpo-nl', 'NL', 'TNM', 'A'),
      ]);
      const props = JSON.parse(a!.feature).properties;
      expect(props.name).toBe('Renamed');
      expect(props.status).toEqual({ AVAILABLE: 1, CHARGING: 2 });
    } finally {
      await atlas.close();
    }
  });
});

describe('the status refresh of a group commit', () => {
  let grouped: TestDb;
  let alone: TestDb;
  afterEach(async () => {
    await grouped.close();
    await alone.close();
  });

  /** Dedupe sites of one location, one of site 3 and a register record beside it; two lone sites. */
  async function seed(t: TestDb) {
    const sites = richSites(10);
    await t.write('swlb', 'ocpi', sites.slice(0, 8));
    const twin = location('R1', {
      ...offset(sites[3]!.lat, sites[3]!.lon, 6, 0),
      partyId: 'BNA',
      name: 'Ladepark Hauptstraße',
      address: sites[3]!.address,
      evses: [evse('R1-1', 'DE*SLB*E1003')],
    });
    await t.write('bnetza', 'bnetza-json', [twin]);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    await t.write('swlb', 'ocpi', sites.slice(8));
    return sites;
  }

  /** Every stored column of the read model; a rev is shown as whether it moved since `before`. */
  async function rows(db: Db, before: Map<string, unknown>) {
    const all = await db.all<Record<string, unknown>>('SELECT rowid, * FROM site_features ORDER BY id');
    return all.map(({ rev, ...row }) => ({ ...row, revMoved: before.get(row.id as string) !== rev }));
  }
  const revs = async (db: Db) =>
    new Map(
      (await db.all<{ id: string; rev: unknown }>('SELECT id, rev FROM site_features')).map((r) => [
        r.id,
        r.rev,
      ]),
    );

  it('leaves every row as the full refresh of each push alone does, removals and returns among them', async () => {
    [grouped, alone] = await Promise.all([openTestDb(), openTestDb()]);
    const sites = await seed(grouped);
    await seed(alone);
    expect(
      await grouped.db.all(
        `SELECT kind, json_array_length(feature, '$.properties.location_ids') AS members, count(*) AS n
         FROM site_features GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    ).toEqual([
      { kind: 'lone', members: 1, n: 2 },
      { kind: 'site', members: 1, n: 7 },
      { kind: 'site', members: 2, n: 1 },
    ]);
    const queue = createWriteQueue();
    const at = (m: number) => `2026-03-01T10:${String(m).padStart(2, '0')}:00Z`;
    const place = async (i: number, e: number) => {
      const locationPk = pk('swlb', sites[i]!);
      return { epk: evseKey(locationPk, `S${i}-${e}`), place: { locationPk } };
    };
    type Push = [site: number, evse: number, status: string, minute: number];
    // Each group: status changes in the two-member site (3), in sites of one member and in lone
    // sites (8, 9), a confirmation, a stale one, and EVSEs removed or brought back beside status
    // changes of the same site.
    const groups: Push[][] = [
      [
        [3, 1, 'CHARGING', 1],
        [3, 2, 'AVAILABLE', 1],
        [0, 1, 'BLOCKED', 1],
        [1, 2, 'CHARGING', 1],
        [2, 3, 'OUTOFORDER', 1],
      ],
      [
        [3, 1, 'CHARGING', 2],
        [3, 3, 'REMOVED', 2],
        [0, 2, 'REMOVED', 2],
        [0, 1, 'AVAILABLE', 2],
        [1, 2, 'AVAILABLE', 0],
      ],
      [
        [3, 3, 'AVAILABLE', 3],
        [0, 3, 'CHARGING', 3],
        [4, 1, 'CHARGING', 3],
      ],
      [
        [0, 2, 'CHARGING', 4],
        [5, 1, 'REMOVED', 4],
        [6, 2, 'AVAILABLE', 4],
        [8, 1, 'CHARGING', 4],
        [9, 2, 'REMOVED', 4],
      ],
      [
        [8, 1, 'CHARGING', 5],
        [8, 2, 'AVAILABLE', 5],
        [9, 2, 'CHARGING', 5],
        [9, 3, 'AVAILABLE', 5],
      ],
      // A status confirmed as of before its location's last_updated: only the tiles' statuses
      // change, which leaves the row's rev (the list pages' ETags) as it was.
      [[8, 3, 'OUTOFORDER', 4]],
    ];
    for (const [n, group] of groups.entries()) {
      const lists = await Promise.all(
        group.map(async ([i, e, status, minute]) => {
          const p = await place(i, e);
          return evseStatusStmts(p.epk, p.place, status, at(minute), { now: at(10), via: 'push' });
        }),
      );
      const before = [await revs(grouped.db), await revs(alone.db)] as const;
      await Promise.all(lists.map((stmts) => queue.write(grouped.db, stmts)));
      for (const stmts of lists) await alone.db.batch(stmts);
      expect({ n, rows: await rows(grouped.db, before[0]) }).toEqual({
        n,
        rows: await rows(alone.db, before[1]),
      });
      await expectReadModelCurrent(grouped.db);
    }
  });

  it("brings a site's max power back to its live EVSEs' when a status push recomputes its location's", async () => {
    [grouped, alone] = await Promise.all([openTestDb(), openTestDb()]);
    const sites = await seed(grouped);
    // As a database written before removed EVSEs stopped counting holds it: a location's power
    // above what its live EVSEs give, and its site's read model saying the same.
    const lone = pk('swlb', sites[8]!);
    const member = pk('swlb', sites[3]!);
    await grouped.db.batch([
      { sql: 'UPDATE locations SET max_power_w = 350000 WHERE pk IN (?, ?)', params: [lone, member] },
      ...refreshSiteFeaturesStmts({ locationPks: [lone, member] }),
    ]);
    const power = () =>
      grouped.db.all<{ kind: string; kw: number }>(
        `SELECT kind, json_extract(feature, '$.properties.max_power_kw') AS kw FROM site_features
         WHERE max_power_w = 350000 OR json_extract(feature, '$.properties.max_power_kw') = 350 ORDER BY kind`,
      );
    expect(await power()).toEqual([
      { kind: 'lone', kw: 350 },
      { kind: 'site', kw: 350 },
    ]);
    // Status changes that keep every EVSE live: the group takes the status refresh.
    const queue = createWriteQueue();
    const at = '2026-03-01T10:01:00Z';
    await Promise.all(
      [
        [lone, 'S8-1'],
        [member, 'S3-1'],
      ].map(async ([locationPk, uid]) => {
        const stmts = evseStatusStmts(
          evseKey(locationPk!, uid!),
          { locationPk: locationPk! },
          'CHARGING',
          at,
          {
            now: at,
            via: 'push',
          },
        );
        return queue.write(grouped.db, stmts);
      }),
    );
    expect(await power()).toEqual([]);
    await expectReadModelCurrent(grouped.db);
  });
});
