// The extent of /ogc/collections (src/db/queries/ogc-items.ts publishedExtent) against a scan of
// every published row (test/helpers/published-extent-reference.ts) after each kind of write: pull
// pages, dedupe, a page that moves records, a full pull's removals, a source's licence change, and
// OCPI pushes; and that none of its statements reads every location or site.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { probeStatements } from '../../src/db/queries/cell-box.js';
import { LOCATION_IN_CELLS, publishedExtent, SITE_IN_CELLS } from '../../src/db/queries/ogc-items.js';
import { cellOf } from '../../src/db/spatial-key.js';
import type { Db } from '../../src/db/types.js';
import { dedupeSites } from '../../src/dedupe/run-dedupe.js';
import type { Location } from '../../src/model/types.js';
import { buildAtlas } from '../api/atlas-fixture.js';
import { evse, location, offset, openTestDb, type TestDb } from '../dedupe/builders.js';
import { extentFromScratch } from '../helpers/published-extent-reference.js';
import { applyPushSteps, putTwoEvseLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

async function expectExtentCurrent(db: Db) {
  for (const withSites of [true, false])
    expect(await publishedExtent(db, withSites), `withSites ${withSites}`).toEqual(
      await extentFromScratch(db, withSites),
    );
  return (await publishedExtent(db, false)).bbox;
}

const BASE = { lat: 48.8923, lon: 9.1833 };

function spread(n: number): Location[] {
  return Array.from({ length: n }, (_, i) =>
    location(`S${i}`, {
      ...offset(BASE.lat, BASE.lon, (i % 3) * 9_000, i * 7_000),
      name: `Site ${i}`,
      lastUpdated: `2026-01-0${1 + (i % 5)}T00:00:00Z`,
      evses: [evse(`S${i}-1`, `DE*SLB*E${1000 + i}`, 'AVAILABLE')],
    }),
  );
}

describe('the collections extent after writes', () => {
  let t: TestDb;
  afterEach(async () => {
    await t.close();
  });

  it('equals a scan of every published row after each kind of change', async () => {
    t = await openTestDb();
    expect(await publishedExtent(t.db, true)).toEqual({ bbox: null, interval: [null, null] });
    const list = spread(8);
    await t.write('swlb', 'ocpi', list);
    const first = await expectExtentCurrent(t.db);

    // A record of another source 6 m west of the westmost site (dedupe groups them), and a far one.
    await t.write('bnetza', 'bnetza-json', [
      location('R1', {
        ...offset(list[0]!.lat, list[0]!.lon, 0, -6),
        partyId: 'BNA',
        name: 'Site 0',
        address: list[0]!.address,
        lastUpdated: '2025-12-01T00:00:00Z',
        evses: [evse('R1-1', 'DE*SLB*E1000')],
      }),
      location('R2', { ...offset(BASE.lat, BASE.lon, 90_000, 40_000), lastUpdated: '2026-03-01T00:00:00Z' }),
    ]);
    expect(await expectExtentCurrent(t.db)).not.toEqual(first);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    await expectExtentCurrent(t.db);
    // A site placed where none of its published members is (dedupe takes the position of its first
    // lender, which need not be published): the sites collection's box reaches it, the other not.
    const site = await t.db.get<{ id: string; lat: number; lon: number }>(
      "SELECT s.id, s.lat, s.lon FROM sites s JOIN locations l ON l.site_id = s.id WHERE l.ocpi_id = 'R1'",
    );
    const west = { lat: site!.lat + 0.5, lon: site!.lon - 1 };
    await t.db.batch([
      {
        sql: 'UPDATE sites SET lat = ?, lon = ?, cell = ? WHERE id = ?',
        params: [west.lat, west.lon, cellOf(west.lat, west.lon), site!.id],
      },
    ]);
    await expectExtentCurrent(t.db);
    expect((await publishedExtent(t.db, true)).bbox![0]).toBeLessThan(
      (await publishedExtent(t.db, false)).bbox![0],
    );

    // A page that moves the eastmost site far east and the northmost south, listing 7 of the 8.
    const moved = list.map((s, i) =>
      i === 7
        ? { ...s, ...offset(BASE.lat, BASE.lon, 0, 200_000), lastUpdated: '2026-02-02T00:00:00Z' }
        : i === 2
          ? { ...s, ...offset(BASE.lat, BASE.lon, -30_000, 0), lastUpdated: '2026-02-02T00:00:00Z' }
          : s,
    );
    await t.write('swlb', 'ocpi', moved.slice(1));
    await expectExtentCurrent(t.db);

    // The full pull listed 7 of 8: the westmost, S0, is removed; its site keeps R1.
    expect(await t.removeUnlisted('swlb', 7, '2026-02-03T00:00:00Z')).toBe(1);
    await expectExtentCurrent(t.db);

    // The far record's source loses its licence: R1 and R2 are no longer served.
    await t.db.batch([{ sql: "UPDATE sources SET license = NULL WHERE id = 'bnetza'", params: [] }]);
    await expectExtentCurrent(t.db);
    // And so loses every other: nothing is served.
    await t.db.batch([{ sql: 'UPDATE sources SET license = NULL', params: [] }]);
    expect(await expectExtentCurrent(t.db)).toBeNull();
  });

  it('equals a scan of every published row on the synthetic atlas', async () => {
    const atlas = await buildAtlas({ locations: 400, seed: 7 });
    try {
      await expectExtentCurrent(atlas.db);
    } finally {
      await atlas.close();
    }
  });

  it('equals a scan of every published row after each OCPI push', async () => {
    const atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
    try {
      const at = (m: number) => `2025-03-01T12:${String(m).padStart(2, '0')}:00Z`;
      for (const [id, lat, lon] of [
        ['A', 52.09, 5.1],
        ['B', 52.0901, 5.1002],
        ['C', -33.9, 151.2],
        ['D', 64.1, -21.9],
      ] as const)
        expect((await putTwoEvseLocation(atlas, id, lat, lon, at(1))).body.status_code).toBe(1000);
      await expectExtentCurrent(atlas.db);
      await applyPushSteps(
        atlas,
        [
          [
            'PATCH',
            '/NL/TNM/A',
            { coordinates: { latitude: '70.5', longitude: '179.9' }, last_updated: at(2) },
          ],
          ['PATCH', '/NL/TNM/C/E1', { status: 'REMOVED', last_updated: at(3) }],
          ['PATCH', '/NL/TNM/C/E2', { status: 'REMOVED', last_updated: at(3) }],
          ['PATCH', '/NL/TNM/D', { publish: false, last_updated: at(4) }],
        ],
        () => expectExtentCurrent(atlas.db),
      );
    } finally {
      await atlas.close();
    }
  });
});

/** The plan lines of every statement `run` makes, on a new database (no statistics, as deployed). */
async function plansOf(run: (db: Db) => Promise<unknown>): Promise<string[]> {
  const t = await openTestDb();
  await t.write('swlb', 'ocpi', spread(3));
  const seen: string[] = [];
  const recording = new Proxy(t.db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string') seen.push(args[0]);
        return value.apply(target, args);
      };
    },
  });
  try {
    await run(recording);
    const lines: string[] = [];
    for (const sql of seen)
      for (const row of await t.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`))
        lines.push(row.detail);
    return lines;
  } finally {
    await t.close();
  }
}

describe('the collections extent reads', () => {
  it('no statement reads every location or site', async () => {
    const plans = await plansOf(async (db) => {
      await publishedExtent(db, true);
      await publishedExtent(db, false);
    });
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.filter((line) => /^SCAN [ls]\b|AUTOMATIC/.test(line))).toEqual([]);
    expect(plans).toContain('SEARCH l USING COVERING INDEX locations_tile (cell>? AND cell<?)');
  });

  it('neither /ogc/collections nor /ogc/collections/{id} reads every location or site', async () => {
    const plans = await plansOf(async (db) => {
      const app = createApp({ getDb: () => db });
      for (const path of ['/ogc/collections', '/ogc/collections/sites', '/ogc/collections/locations'])
        expect((await app.request(path)).status, path).toBe(200);
    });
    // The licences of records (a walk of every location by source) are the dumps' concern, not theirs.
    expect(plans.filter((line) => /^SCAN [ls]\b|AUTOMATIC/.test(line))).toEqual([]);
  });

  // Past ~100 quads a statement SQLite took the VALUES list for a large table and built an automatic
  // index over every published location for the probes (4-6 s a statement on 1M EVSEs).
  it('probes a wide band of quads by index range, never through an automatic index', async () => {
    const t = await openTestDb();
    try {
      const quads = Array.from({ length: 500 }, (_, i) => ({ x: i, y: 7 }));
      for (const probe of [LOCATION_IN_CELLS, SITE_IN_CELLS])
        for (const sql of probeStatements(probe, quads, 4)) {
          const plan = (await t.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)).map((r) => r.detail);
          expect(plan.filter((line) => /AUTOMATIC|^SCAN [ls]\b/.test(line))).toEqual([]);
          expect(plan.join('\n')).toMatch(
            /SEARCH [ls] .*USING .*INDEX (locations_tile|sites_cell) \(cell>\? AND cell<\?\)/,
          );
        }
    } finally {
      await t.close();
    }
  });
});
