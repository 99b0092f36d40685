// The clean-up of what a location's new version no longer lists (absentCleanUpStmts in
// write-location.ts) runs once for all the locations of a sync page, in statements that each cover
// every location of the page; a push writes its location as a list of one. The page's result must
// be the one the locations written one at a time give.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { writeLocationStmts } from '../../src/db/write-location.js';
import { applyLocationPage } from '../../src/ingest/apply-page.js';
import { startRun, zeroCounters } from '../../src/ingest/run-record.js';
import { upsertSources } from '../../src/ingest/source-state.js';
import type { Location } from '../../src/model/types.js';
import { ocpiSourceConfig } from '../helpers/source-config.js';
import { makeLocation, seededRandom } from '../helpers/synthetic-atlas.js';
import { testDir } from '../helpers/test-dir.js';

const SOURCE = 'cpo';
const T1 = '2026-12-01T10:00:00Z';
const T2 = '2026-12-01T11:00:00Z';

async function pulled(file: string, first: Location[]): Promise<Db> {
  const db = openSqlite(file);
  await upsertSources(
    db,
    [ocpiSourceConfig({ id: SOURCE, versions_url: 'http://127.0.0.1:9/versions', token: 't' })],
    T1,
  );
  await pageAt(db, first, T1);
  return db;
}

async function pageAt(db: Db, locs: Location[], now: string): Promise<void> {
  const runId = await startRun(db, SOURCE, 'full', now, null);
  const ctx = { db, sourceId: SOURCE, runId, now, counters: zeroCounters(), seen: new Map() };
  await applyLocationPage(
    locs.map((value) => ({ ok: true as const, value })),
    ctx,
  );
}

/** The next version of location i: EVSEs dropped, a connector dropped, tariffs changed, or as it was. */
function nextVersion(loc: Location, i: number): Location {
  const evses = loc.evses.map((e) => ({ ...e, connectors: e.connectors.map((c) => ({ ...c })) }));
  switch (i % 5) {
    case 0:
      return { ...loc, evses: evses.slice(1), lastUpdated: T2 };
    case 1:
      evses[0]!.connectors = evses[0]!.connectors.slice(0, 1).map((c) => ({ ...c, tariffIds: ['T-NEW'] }));
      return { ...loc, evses, lastUpdated: T2 };
    case 2:
      return { ...loc, evses: [], lastUpdated: T2 };
    case 3:
      for (const e of evses) for (const c of e.connectors) c.tariffIds = [];
      return { ...loc, evses, name: `${loc.name} (renamed)`, lastUpdated: T2 };
    default:
      return loc;
  }
}

/** What the clean-up decides, as a user of the data sees it. */
async function stored(db: Db) {
  return {
    evses: await db.all(
      'SELECT pk, location_pk, removed_at IS NOT NULL AS removed, max_power_w FROM evses ORDER BY pk',
    ),
    connectors: await db.all('SELECT pk, evse_pk, tariff_ids FROM connectors ORDER BY pk'),
    links: await db.all('SELECT location_pk, tariff_id FROM location_tariffs ORDER BY 1, 2'),
    locations: await db.all('SELECT pk, max_power_w FROM locations ORDER BY pk'),
  };
}

describe('the clean-up of what new versions of locations no longer list', () => {
  it('leaves for a page of held locations what writing each alone leaves', async () => {
    const dir = testDir('atlas-clean-up-');
    const rnd = seededRandom(16);
    const first = Array.from({ length: 40 }, (_, i) => makeLocation(rnd, i, { seed: 16, locations: 40 }));
    const next = first.map(nextVersion);

    const page = await pulled(join(dir, 'page.db'), first);
    await pageAt(page, next, T2);

    const each = await pulled(join(dir, 'each.db'), first);
    for (const loc of next)
      await each.batch(
        writeLocationStmts(loc, { sourceId: SOURCE, now: T2, via: 'pull', runId: null, contentHash: 'x' }),
      );

    const got = await stored(page);
    expect(got).toEqual(await stored(each));
    // The versions did drop EVSEs, connectors and tariff links, for several locations of the page.
    const removed = got.evses.filter((e) => (e as { removed: number }).removed === 1);
    expect(new Set(removed.map((e) => (e as { location_pk: string }).location_pk)).size).toBeGreaterThan(5);
    const beforeDb = await pulled(join(dir, 'before.db'), first);
    const before = await stored(beforeDb);
    expect(got.connectors.length).toBeLessThan(before.connectors.length);
    expect(got.links).toContainEqual(expect.objectContaining({ tariff_id: 'T-NEW' }));
    expect(got.links.length).toBeLessThan(before.links.length);
    await Promise.all([page.close(), each.close(), beforeDb.close()]);
  });
});
