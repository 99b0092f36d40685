// The read model's `free` (whether a published member has a live connector with a no-cost tariff)
// must stay equal to what the `free` filter computes from the base tables, through location writes
// (the refresh) and through tariff writes, which no site refresh follows (triggers on tariffs,
// src/db/site-free-triggers.ts): a push DELETE, a tariff that becomes free, one that comes back,
// and a tariff arriving after the connectors that reference it. Its index from a tariff to the
// locations (location_tariffs) must stay the union of what each location's stored connectors list,
// through location, EVSE and connector writes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sitePoints } from '../../src/db/queries/sites.js';
import { storedEvse, storedLocation } from '../../src/db/queries/stored-objects.js';
import { writeConnectorStmts, writeEvseStmts } from '../../src/db/write-evse.js';
import { writeLocationStmts } from '../../src/db/write-location.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { deleteTariffStmt } from '../../src/db/write-tariff.js';
import { type Atlas, buildAtlas } from '../api/atlas-fixture.js';

let atlas: Atlas;
beforeAll(async () => {
  atlas = await buildAtlas({ locations: 400, seed: 1616 });
}, 60_000);
afterAll(async () => {
  await atlas?.close();
});

/** location_tariffs as built from scratch from the connectors' own lists (tariff ids compare without case). */
async function expectLinksCurrent(): Promise<void> {
  const links = await atlas.db.all(
    'SELECT location_pk, upper(tariff_id) AS t FROM location_tariffs ORDER BY 1, 2',
  );
  const want = await atlas.db.all(
    `SELECT DISTINCT c.location_pk, upper(j.value) AS t FROM connectors c, json_each(c.tariff_ids) j ORDER BY 1, 2`,
  );
  expect(links).toEqual(want);
  expect(links.length).toBeGreaterThan(0);
}

/** The stored flags equal the free filter's answer; returns how many sites are free. */
async function expectFreeCurrent(): Promise<number> {
  const want = (await sitePoints(atlas.db, { filter: { free: true } })).map((s) => s.id).sort();
  const rows = await atlas.db.all<{ id: string }>('SELECT id FROM site_features WHERE free = 1 ORDER BY id');
  expect(rows.map((r) => r.id)).toEqual(want);
  return want.length;
}

type TariffRow = { pk: string; source_id: string; country_code: string; party_id: string; tariff_id: string };

/** The first free tariff that some connector references. */
async function referencedFreeTariff(): Promise<TariffRow> {
  const t = await atlas.db.get<TariffRow>(
    `SELECT pk, source_id, country_code, party_id, tariff_id FROM tariffs t
     WHERE t.is_free = 1 AND t.removed_at IS NULL
       AND EXISTS (SELECT 1 FROM location_tariffs lt WHERE lt.tariff_id = t.tariff_id) ORDER BY pk LIMIT 1`,
  );
  expect(t).toBeDefined();
  return t!;
}

it('holds the free filter answer once the atlas is built', async () => {
  await expectLinksCurrent();
  const n = await expectFreeCurrent();
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThan((await atlas.db.get<{ n: number }>('SELECT count(*) AS n FROM site_features'))!.n);
});

it('follows a free tariff deleted by a push, and its return', async () => {
  const before = await expectFreeCurrent();
  const t = await referencedFreeTariff();
  const id = { countryCode: t.country_code, partyId: t.party_id, id: t.tariff_id };
  await atlas.db.batch([deleteTariffStmt(t.source_id, id, '2026-12-06T12:00:00Z')]);
  expect(await expectFreeCurrent()).toBeLessThan(before);
  // An upsert of the same tariff clears removed_at.
  await atlas.db.batch([{ sql: 'UPDATE tariffs SET removed_at = NULL WHERE pk = ?', params: [t.pk] }]);
  expect(await expectFreeCurrent()).toBe(before);
});

it('follows a free tariff that arrives after the connectors referencing it', async () => {
  // The tariff whose deletion above took sites out: without it they are not free.
  const before = await expectFreeCurrent();
  const t = await referencedFreeTariff();
  const row = await atlas.db.get<Record<string, unknown>>('SELECT * FROM tariffs WHERE pk = ?', [t.pk]);
  const pks = await atlas.db.all<{ pk: string }>(
    `SELECT DISTINCT l.pk FROM location_tariffs lt JOIN locations l ON l.pk = lt.location_pk
     WHERE lt.tariff_id = ? AND l.source_id = ? AND l.country_code = ? AND l.party_id = ?`,
    [t.tariff_id, t.source_id, t.country_code, t.party_id],
  );
  // As if it had never arrived: gone, and the sites refreshed by a location write.
  await atlas.db.batch([
    { sql: 'DELETE FROM tariffs WHERE pk = ?', params: [t.pk] },
    ...refreshSiteFeaturesStmts({ locationPks: pks.map((p) => p.pk) }),
  ]);
  expect(await expectFreeCurrent()).toBeLessThan(before);
  const cols = Object.keys(row!);
  await atlas.db.batch([
    {
      sql: `INSERT INTO tariffs (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      params: Object.values(row!),
    },
  ]);
  expect(await expectFreeCurrent()).toBe(before);
});

it('follows a tariff that becomes free', async () => {
  const before = await expectFreeCurrent();
  // Referenced by a live connector of a site that is not free yet.
  const t = await atlas.db.get<{ pk: string }>(
    `SELECT t.pk FROM tariffs t JOIN connectors c ON EXISTS (SELECT 1 FROM json_each(c.tariff_ids) j
       WHERE t.tariff_id = j.value)
     JOIN locations l ON l.pk = c.location_pk AND l.source_id = t.source_id
       AND l.country_code = t.country_code AND l.party_id = t.party_id
     JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL
     JOIN site_features f ON f.id IN (l.pk, l.site_id) AND f.free = 0
     WHERE t.is_free = 0 AND t.removed_at IS NULL ORDER BY t.pk LIMIT 1`,
  );
  expect(t).toBeDefined();
  await atlas.db.batch([{ sql: 'UPDATE tariffs SET is_free = 1 WHERE pk = ?', params: [t!.pk] }]);
  expect(await expectFreeCurrent()).toBeGreaterThan(before);
});

it('follows EVSE, connector and location writes that change which tariffs a location references', async () => {
  // A published lone site that is not free, with a live EVSE that has a connector.
  const row = await atlas.db.get<{ pk: string; source_id: string; evse_pk: string }>(
    `SELECT l.pk, l.source_id, e.pk AS evse_pk FROM site_features f JOIN locations l ON l.pk = f.id
     JOIN evses e ON e.location_pk = l.pk AND e.removed_at IS NULL
     WHERE f.kind = 'lone' AND f.free = 0 AND l.source_id = 'open-a'
       AND EXISTS (SELECT 1 FROM connectors c WHERE c.evse_pk = e.pk) ORDER BY l.pk LIMIT 1`,
  );
  expect(row).toBeDefined();
  const place = { locationPk: row!.pk };
  const ctx = { now: '2026-12-07T12:00:00Z', via: 'push' as const };
  const evse = (await storedEvse(atlas.db, row!.evse_pk))!.evse;
  const free = (await atlas.db.get<{ tariff_id: string }>(
    "SELECT tariff_id FROM tariffs WHERE source_id = 'open-a' AND is_free = 1 AND removed_at IS NULL LIMIT 1",
  ))!.tariff_id;
  const isFree = async () =>
    (await atlas.db.get<{ free: number }>('SELECT free FROM site_features WHERE id = ?', [row!.pk]))!.free;

  // An EVSE PUT whose connectors now list the free tariff (in another case).
  const withFree = {
    ...evse,
    connectors: evse.connectors.map((c) => ({ ...c, tariffIds: [free.toLowerCase()] })),
  };
  await atlas.db.batch(writeEvseStmts(row!.evse_pk, withFree, place, ctx));
  await expectLinksCurrent();
  expect(await isFree()).toBe(1);
  await expectFreeCurrent();

  // A connector PATCH taking it away again on each connector of that EVSE.
  for (const c of withFree.connectors) {
    await atlas.db.batch(writeConnectorStmts({ ...c, tariffIds: [] }, row!.evse_pk, place, ctx));
  }
  await expectLinksCurrent();
  expect(await isFree()).toBe(0);
  await expectFreeCurrent();

  // A pull of the whole location that lists it on every connector, then one that lists none.
  const loc = (await storedLocation(atlas.db, row!.pk))!.location;
  const relist = (ids: string[]) => ({
    ...loc,
    evses: loc.evses.map((e) => ({ ...e, connectors: e.connectors.map((c) => ({ ...c, tariffIds: ids })) })),
  });
  const write = {
    sourceId: row!.source_id,
    now: ctx.now,
    via: 'pull' as const,
    runId: null,
    contentHash: 'x',
  };
  await atlas.db.batch(writeLocationStmts(relist([free, free.toUpperCase()]), write));
  await expectLinksCurrent();
  expect(await isFree()).toBe(1);
  await atlas.db.batch(writeLocationStmts(relist([]), write));
  await expectLinksCurrent();
  expect(await isFree()).toBe(0);
  await expectFreeCurrent();
});
