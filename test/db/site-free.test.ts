// The read model's `free` (whether a published member has a live connector with a no-cost tariff)
// must stay equal to what the `free` filter computes from the base tables, through location writes
// (the refresh) and through tariff writes, which no site refresh follows (triggers on tariffs,
// src/db/site-free-triggers.ts): a push DELETE, a tariff that becomes free, one that comes back,
// and a tariff arriving after the connectors that reference it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sitePoints } from '../../src/db/queries/sites.js';
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
       AND EXISTS (SELECT 1 FROM connector_tariffs ct WHERE ct.tariff_id = t.tariff_id) ORDER BY pk LIMIT 1`,
  );
  expect(t).toBeDefined();
  return t!;
}

it('holds the free filter answer once the atlas is built', async () => {
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
    `SELECT DISTINCT l.pk FROM connector_tariffs ct JOIN locations l ON l.pk = ct.location_pk
     WHERE ct.tariff_id = ? AND l.source_id = ? AND l.country_code = ? AND l.party_id = ?`,
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
    `SELECT t.pk FROM tariffs t JOIN connector_tariffs ct ON ct.tariff_id = t.tariff_id
     JOIN locations l ON l.pk = ct.location_pk AND l.source_id = t.source_id
       AND l.country_code = t.country_code AND l.party_id = t.party_id
     JOIN connectors c ON c.pk = ct.connector_pk JOIN evses e ON e.pk = c.evse_pk AND e.removed_at IS NULL
     JOIN site_features f ON f.id IN (l.pk, l.site_id) AND f.free = 0
     WHERE t.is_free = 0 AND t.removed_at IS NULL ORDER BY t.pk LIMIT 1`,
  );
  expect(t).toBeDefined();
  await atlas.db.batch([{ sql: 'UPDATE tariffs SET is_free = 1 WHERE pk = ?', params: [t!.pk] }]);
  expect(await expectFreeCurrent()).toBeGreaterThan(before);
});
