// The precomputed cluster cells (tile_cells, kept by triggers on site_features) against a build
// from scratch in plain JS (test/helpers/tile-cells-reference.ts) after each kind of write: pull
// pages, a full pull's removals, dedupe, a status push, EVSE and location pushes, a removal; and
// a cluster tile served from them against the same reference.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { ensureTileCells, TILE_CELLS_VERSION } from '../../src/db/tile-cells.js';
import type { Db } from '../../src/db/types.js';
import { dedupeSites } from '../../src/dedupe/run-dedupe.js';
import type { Location } from '../../src/model/types.js';
import { buildAtlas } from '../api/atlas-fixture.js';
import { connector, evse, location, offset, openTestDb, type TestDb } from '../dedupe/builders.js';
import { siteTilesFromScratch, storedSiteTiles } from '../helpers/site-tiles-reference.js';
import { storedTileCells, tileCellsFromScratch } from '../helpers/tile-cells-reference.js';
import {
  applyPushSteps,
  type PushStep,
  putTwoEvseLocation,
  startAtlas,
} from '../ocpi/receiver/push-harness.js';

/** The stored cells and site_tiles equal the references; returns the number of sites they hold. */
async function expectCellsCurrent(db: Db): Promise<number> {
  const want = await tileCellsFromScratch(db);
  expect(await storedTileCells(db)).toEqual(want);
  expect(await storedSiteTiles(db)).toEqual(await siteTilesFromScratch(db));
  return want.filter((c) => c.zoom === 0).reduce((n, c) => n + c.sites, 0);
}

const BASE = { lat: 48.8923, lon: 9.1833 };

/** Sites 700 m apart (several share a zoom-10 cell), each with EVSEs of different power. */
function sites(n: number): Location[] {
  return Array.from({ length: n }, (_, i) =>
    location(`S${i}`, {
      ...offset(BASE.lat, BASE.lon, 0, i * 700),
      name: `Site ${i}`,
      evses: [
        evse(`S${i}-1`, `DE*SLB*E${1000 + i}`, 'AVAILABLE'),
        { ...evse(`S${i}-2`, null, 'CHARGING'), connectors: [connector('CHADEMO', 50_000 + i)] },
      ],
    }),
  );
}

describe('tile cells after pulls, removals and dedupe', () => {
  let t: TestDb;
  afterEach(async () => {
    await t.close();
  });

  it('equal a build from scratch after each kind of change', async () => {
    t = await openTestDb();
    const list = sites(8);
    await t.write('swlb', 'ocpi', list);
    expect(await expectCellsCurrent(t.db)).toBe(8);

    // A record of another source next to site 3 (dedupe groups them), and a far one.
    await t.write('bnetza', 'bnetza-json', [
      location('R1', {
        ...offset(list[3]!.lat, list[3]!.lon, 6, 0),
        partyId: 'BNA',
        name: 'Site 3',
        address: list[3]!.address,
        evses: [evse('R1-1', 'DE*SLB*E1003')],
      }),
      location('R2', { ...offset(BASE.lat, BASE.lon, 90_000, 40_000) }),
    ]);
    expect(await expectCellsCurrent(t.db)).toBe(10);
    await dedupeSites(t.db, { now: '2026-02-01T00:00:00Z' });
    expect(await expectCellsCurrent(t.db)).toBe(9);

    // A page that drops an EVSE of site 2 and moves site 5 far away, listing 7 of the 8.
    const changed = list.map((s, i) =>
      i === 2
        ? { ...s, evses: [s.evses[0]!], lastUpdated: '2026-02-02T00:00:00Z' }
        : i === 5
          ? { ...s, ...offset(BASE.lat, BASE.lon, -50_000, 0), lastUpdated: '2026-02-02T00:00:00Z' }
          : s,
    );
    await t.write('swlb', 'ocpi', changed.slice(0, 7));
    await expectCellsCurrent(t.db);

    // A new far record (no dedupe site yet, so placed where it is), then a page that moves it
    // 30 km on: the cells it alone held empty and go.
    const far = (north: number, lastUpdated: string) =>
      location('R3', { ...offset(BASE.lat, BASE.lon, north, -60_000), lastUpdated });
    await t.write('bnetza', 'bnetza-json', [far(90_000, '2026-02-02T00:00:00Z')]);
    expect(await expectCellsCurrent(t.db)).toBe(10);
    await t.write('bnetza', 'bnetza-json', [far(120_000, '2026-02-02T01:00:00Z')]);
    expect(await expectCellsCurrent(t.db)).toBe(10);

    // The full pull listed 7 of 8: the eighth is removed.
    expect(await t.removeUnlisted('swlb', 7, '2026-02-03T00:00:00Z')).toBe(1);
    expect(await expectCellsCurrent(t.db)).toBe(9);

    // Lost triggers (a table rebuilt by a migration) or a new version: set up again, same cells.
    await t.db.batch([{ sql: `DROP TRIGGER tile_cells_v${TILE_CELLS_VERSION}_insert`, params: [] }]);
    expect(await ensureTileCells(t.db)).toBe(true);
    expect(await ensureTileCells(t.db)).toBe(false);
    expect(await expectCellsCurrent(t.db)).toBe(9);
  });

  it('equal a build from scratch on the synthetic atlas', async () => {
    const atlas = await buildAtlas({ locations: 400, seed: 7 });
    try {
      expect(await expectCellsCurrent(atlas.db)).toBeGreaterThan(200);
    } finally {
      await atlas.close();
    }
  });
});

describe('tile cells after OCPI pushes', () => {
  it('equal a build from scratch after each PUT and PATCH, and serve the cluster tiles', async () => {
    const atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
    try {
      const at = (m: number) => `2025-03-01T12:${String(m).padStart(2, '0')}:00Z`;
      for (const [id, lat, lon] of [
        ['A', 52.09, 5.1],
        ['B', 52.0901, 5.1002],
        ['C', 52.2, 5.3],
        ['D', 51.5, 4.4],
      ] as const) {
        expect((await putTwoEvseLocation(atlas, id, lat, lon, at(1))).body.status_code).toBe(1000);
      }
      expect(await expectCellsCurrent(atlas.db)).toBe(4);

      atlas.clock.set('2025-03-01T12:08:00Z');
      const steps: PushStep[] = [
        // A status push changes no cell (availability is read per request).
        ['PATCH', '/NL/TNM/A/E1', { status: 'CHARGING', last_updated: at(2) }],
        // The same status confirmed later: no cell moves, the site's stored status time does.
        ['PATCH', '/NL/TNM/A/E1', { status: 'CHARGING', last_updated: at(3) }],
        ['PATCH', '/NL/TNM/B/E2', { status: 'REMOVED', last_updated: at(3) }],
        [
          'PATCH',
          '/NL/TNM/C',
          { coordinates: { latitude: '52.0903', longitude: '5.1004' }, last_updated: at(4) },
        ],
        ['PATCH', '/NL/TNM/D/E1', { status: 'REMOVED', last_updated: at(5) }],
        ['PATCH', '/NL/TNM/D/E2', { status: 'REMOVED', last_updated: at(5) }],
      ];
      await applyPushSteps(atlas, steps, () => expectCellsCurrent(atlas.db));

      // The z10 tile over Utrecht: A, B and C, in one cell (they are 40 m apart).
      const app = createApp({
        getDb: () => atlas.db,
        clock: () => new Date(at(9)),
        http: { rateLimit: false },
      });
      const res = await app.request('/v1/tiles/10/526/337.mvt');
      const layer = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer()))).layers.clusters!;
      expect(layer.length).toBe(1);
      const p = layer.feature(0).properties;
      expect([p.point_count, p.evse_count, p.installed_kw, p.expansion_zoom]).toEqual([3, 5, 77, 11]);
      // Fresh AVAILABLE statuses only: B's E1 and C's E1 (A's E1 was pushed CHARGING).
      expect(p.available).toBe(2);

      // A site tile reads site_tiles; before the setup (a Worker before its first scheduled run),
      // the read model: the same bytes.
      const z16 = '/v1/tiles/16/33696/21620.mvt';
      const stored = new Uint8Array(await (await app.request(z16)).arrayBuffer());
      const sites = new VectorTile(new PbfReader(stored)).layers.sites!;
      const ids = Array.from({ length: sites.length }, (_, i) => sites.feature(i).properties.id);
      const near = await atlas.db.all<{ id: string }>(
        'SELECT id FROM site_features WHERE lat BETWEEN 52.08 AND 52.1 ORDER BY id',
      );
      expect(ids).toEqual(near.map((r) => r.id));
      expect(ids).toHaveLength(3);
      await atlas.db.batch([{ sql: "DELETE FROM meta WHERE key = 'tile_cells_version'", params: [] }]);
      expect(new Uint8Array(await (await app.request(z16)).arrayBuffer())).toEqual(stored);
    } finally {
      await atlas.close();
    }
  });
});
