// The in-memory spread index (src/db/queries/spread-index.ts) against the SQL spread scan and a
// brute-force reading of the table, on a real SQLite file: every page the index answers is the SQL
// page byte for byte (features, count, revision, cursor), for random boxes (across the antimeridian,
// empty, tiny, whole world, none) and cursors paged to the end; writes from a second connection
// that add, move or remove sites are seen by the next page; a status push changes the page's bytes
// and revision without a rebuild.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteFeaturesInBbox, siteFeaturesInBboxBySql } from '../../src/db/queries/site-features.js';
import { indexedSiteFeatures, rowidList, spreadIndexStats } from '../../src/db/queries/spread-index.js';
import { cellOf } from '../../src/db/spatial-key.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { evseStatusStmts } from '../../src/db/write-evse.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import type { Bbox } from '../../src/model/geo.js';
import { type Atlas, buildAtlas } from '../api/atlas-fixture.js';
import { locationStmts, seededRandom } from '../helpers/synthetic-atlas.js';

const LOCATIONS = 2_500;
const text = new TextDecoder();

type Query = { bbox?: Bbox; after?: string; limit: number };

/** A frame that names the cursor it was made for, around the features (as the route's does). */
const frameOf = (after: string | null) => ({
  head: `{"after":${JSON.stringify(after)},"features":[`,
  tail: ']}',
});

/** The page as both paths give it, compared field by field; the index must answer (gap 0: build when stale). */
async function expectSamePage(db: Db, q: Query) {
  const fromIndex = await indexedSiteFeatures(db, q, frameOf, 0);
  expect(fromIndex, 'the index answers').not.toBeNull();
  const bySql = await siteFeaturesInBboxBySql(db, q, frameOf);
  const sqlBody = text.decode(bySql.body);
  expect(JSON.parse(sqlBody).after).toBe(bySql.after);
  expect(text.decode(fromIndex!.body), JSON.stringify(q)).toBe(sqlBody);
  expect(fromIndex!.frame).toEqual(bySql.frame);
  expect(fromIndex!.count).toBe(bySql.count);
  expect(`${fromIndex!.count}.${fromIndex!.revs}`).toBe(bySql.revision);
  expect(fromIndex!.after).toBe(bySql.after);
  // What the route serves is the same page, whichever path answered it.
  const served = await siteFeaturesInBbox(db, q, frameOf);
  expect(text.decode(served.body)).toBe(sqlBody);
  expect(served.revision).toBe(bySql.revision);
  return bySql;
}

/** Ids of the sites in the box in id order, from every row of the table (BETWEEN on each side of 180°). */
async function bruteForce(db: Db, box?: Bbox): Promise<string[]> {
  const rows = await db.all<{ id: string; lat: number; lon: number }>(
    'SELECT id, lat, lon FROM site_features',
  );
  const inLon = (lon: number, b: Bbox) =>
    b.minLon <= b.maxLon ? lon >= b.minLon && lon <= b.maxLon : lon >= b.minLon || lon <= b.maxLon;
  return rows
    .filter((r) => !box || (r.lat >= box.minLat && r.lat <= box.maxLat && inLon(r.lon, box)))
    .map((r) => r.id)
    .sort();
}

const generationOf = async (db: Db) =>
  Number(
    (await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'site_features_gen'"))?.value ?? 0,
  );

/** The ids of a page's features, in the order served. */
const idsOf = (page: { body: Uint8Array }): string[] =>
  (JSON.parse(text.decode(page.body)) as { features: { id: string }[] }).features.map((f) => f.id);

/** Every page of the box from the start, through the index; returns the ids in the order served. */
async function pageThrough(db: Db, bbox: Bbox | undefined, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await expectSamePage(db, { bbox, after, limit });
    ids.push(...idsOf(page));
    if (page.after == null) return ids;
    after = page.after;
  }
  throw new Error('paging did not end');
}

function randomBox(rnd: () => number): Bbox {
  const kind = rnd();
  if (kind < 0.15) {
    // Across the antimeridian, where 3 % of the synthetic sites are.
    return {
      minLon: 170 + rnd() * 10,
      minLat: -25 + rnd() * 10,
      maxLon: -180 + rnd() * 10,
      maxLat: -5 - rnd() * 5,
    };
  }
  if (kind < 0.25) return { minLon: -60 - rnd(), minLat: -40, maxLon: -59, maxLat: -39 }; // empty
  const w = kind < 0.5 ? rnd() * 0.05 : rnd() * 6;
  const h = kind < 0.5 ? rnd() * 0.05 : rnd() * 4;
  const minLon = 2 + rnd() * 9;
  const minLat = 47 + rnd() * 6;
  return { minLon, minLat, maxLon: minLon + w, maxLat: minLat + h };
}

describe('the in-memory spread index', () => {
  let atlas: Atlas;
  let other: Db;

  beforeAll(async () => {
    atlas = await buildAtlas({ locations: LOCATIONS, seed: 1313 });
    // A second connection to the file, as the CLI's `atlas sync` would have.
    other = openSqlite(atlas.file);
  }, 120_000);

  afterAll(async () => {
    await other?.close();
    await atlas?.close();
  });

  it('answers random boxes and cursors exactly as the SQL spread scan does', async () => {
    const rnd = seededRandom(7);
    const ids = await bruteForce(atlas.db);
    expect(ids.length).toBeGreaterThan(1_500);
    for (let i = 0; i < 150; i++) {
      const bbox = randomBox(rnd);
      // A cursor anywhere: an id, something between ids, or a string no id sorts after.
      const r = rnd();
      const after =
        r < 0.3
          ? undefined
          : r < 0.6
            ? ids[Math.floor(rnd() * ids.length)]
            : r < 0.9
              ? rnd().toString(16).slice(2, 9)
              : '~';
      await expectSamePage(atlas.db, { bbox, after, limit: 1 + Math.floor(rnd() * 300) });
    }
    await expectSamePage(atlas.db, { limit: 10_000 });
    await expectSamePage(atlas.db, { after: ids[100], limit: 50 });
    // Edges: a box whose sides are a site's exact coordinates keeps that site (BETWEEN).
    const [edge] = await atlas.db.all<{ lat: number; lon: number }>(
      'SELECT lat, lon FROM site_features LIMIT 1',
    );
    const exact = { minLon: edge!.lon, minLat: edge!.lat, maxLon: edge!.lon, maxLat: edge!.lat };
    expect((await expectSamePage(atlas.db, { bbox: exact, limit: 10 })).count).toBe(1);
  });

  it('pages through a box to the end in id order, every site once', async () => {
    const boxes: (Bbox | undefined)[] = [
      { minLon: 4, minLat: 48, maxLon: 9, maxLat: 52 },
      { minLon: 178, minLat: -30, maxLon: -178, maxLat: 0 },
      undefined,
    ];
    for (const bbox of boxes) {
      expect(await pageThrough(atlas.db, bbox, 97)).toEqual(await bruteForce(atlas.db, bbox));
    }
  });

  it('sees sites added, moved and removed by another connection at the next page', async () => {
    const box = { minLon: 2, minLat: 47, maxLon: 12, maxLat: 54 };
    const served = async () => (await siteFeaturesInBbox(atlas.db, { bbox: box, limit: 400 }, frameOf)).body;
    const bySql = async () =>
      (await siteFeaturesInBboxBySql(atlas.db, { bbox: box, limit: 400 }, frameOf)).body;
    const joined = (body: Uint8Array) => text.decode(body);
    /** After each write: the route's own path (rebuilt or by SQL), then the index forced, then every page. */
    let generation = await generationOf(other);
    const expectCurrent = async () => {
      // The write moved the generation in its own transaction (the index's signal to rebuild).
      const moved = await generationOf(other);
      expect(moved).toBeGreaterThan(generation);
      generation = moved;
      expect(joined(await served())).toBe(joined(await bySql()));
      expect(await pageThrough(atlas.db, box, 250)).toEqual(await bruteForce(atlas.db, box));
      return pageThrough(atlas.db, undefined, 500);
    };
    await expectSamePage(atlas.db, { bbox: box, limit: 400 });
    const builds = spreadIndexStats(atlas.db).builds;
    const moveTo = async (id: string, to: { lat: number; lon: number }) => {
      await other.batch([
        {
          sql: 'UPDATE locations SET lat = ?, lon = ?, cell = ? WHERE pk = ?',
          params: [to.lat, to.lon, cellOf(to.lat, to.lon), id],
        },
        ...refreshSiteFeaturesStmts({ locationPks: [id] }),
      ]);
    };
    const lone = await other.all<{ id: string; lat: number; lon: number }>(
      "SELECT id, lat, lon FROM site_features WHERE kind = 'lone' AND lat BETWEEN 48 AND 53 ORDER BY id LIMIT 3",
    );
    const [far, near, gone] = lone as [(typeof lone)[0], (typeof lone)[0], (typeof lone)[0]];

    // Added.
    const rnd = seededRandom(99);
    const added = Array.from({ length: 30 }, (_, k) =>
      locationStmts(rnd, LOCATIONS + k, { seed: 99, locations: 30, antimeridianShare: 0.2 }),
    );
    await other.batch(added.flatMap((a) => a.stmts));
    let every = await expectCurrent();
    const stored = await other.all<{ id: string }>(
      'SELECT id FROM site_features WHERE id IN (SELECT value FROM json_each(?))',
      [JSON.stringify(added.map((a) => a.pk))],
    );
    expect(stored.length).toBeGreaterThan(20);
    for (const a of stored) expect(every).toContain(a.id);

    // Moved to another cell (the row is written again) and within its cell (updated in place).
    const to = { lat: 50.123456789, lon: 8.987654321 };
    await moveTo(far.id, to);
    await expectCurrent();
    const nudged = { lat: near.lat + 1e-7, lon: near.lon };
    expect(cellOf(nudged.lat, nudged.lon)).toBe(cellOf(near.lat, near.lon));
    await moveTo(near.id, nudged);
    await expectCurrent();
    for (const [id, p] of [
      [far.id, to],
      [near.id, nudged],
    ] as const) {
      const exact = { minLon: p.lon, minLat: p.lat, maxLon: p.lon, maxLat: p.lat };
      expect(idsOf((await indexedSiteFeatures(atlas.db, { bbox: exact, limit: 5 }, frameOf, 0))!)).toEqual([
        id,
      ]);
    }

    // Removed (no longer published).
    await other.batch([
      { sql: 'UPDATE locations SET publish = 0 WHERE pk = ?', params: [gone.id] },
      ...refreshSiteFeaturesStmts({ locationPks: [gone.id] }),
    ]);
    every = await expectCurrent();
    expect(every).not.toContain(gone.id);
    expect(spreadIndexStats(atlas.db).builds).toBeGreaterThan(builds);
  });

  it('takes a status push without a rebuild; the page bytes and revision change', async () => {
    const box = { minLon: 2, minLat: 47, maxLon: 12, maxLat: 54 };
    const before = await expectSamePage(atlas.db, { bbox: box, limit: 300 });
    const builds = spreadIndexStats(atlas.db).builds;
    const onPage = idsOf(before);
    const evse = await other.get<{ pk: string; location_pk: string; cell: number; status: string }>(
      `SELECT e.pk, e.location_pk, l.cell, e.status FROM evses e JOIN locations l ON l.pk = e.location_pk
       JOIN site_features f ON f.id = l.pk
       WHERE e.removed_at IS NULL AND e.status IN ('AVAILABLE', 'CHARGING') AND f.id IN (SELECT value FROM json_each(?))
       LIMIT 1`,
      [JSON.stringify(onPage)],
    );
    expect(evse).toBeDefined();
    const status = evse!.status === 'AVAILABLE' ? 'CHARGING' : 'AVAILABLE';
    await other.batch(
      evseStatusStmts(evse!.pk, { locationPk: evse!.location_pk }, status, '2031-01-01T00:00:00Z', {
        now: '2031-01-01T00:00:01Z',
        via: 'push',
      }),
    );
    const after = await expectSamePage(atlas.db, { bbox: box, limit: 300 });
    expect(after.revision).not.toBe(before.revision);
    expect(text.decode(after.body)).not.toBe(text.decode(before.body));
    expect(idsOf(after)).toEqual(onPage);
    expect(spreadIndexStats(atlas.db).builds).toBe(builds);
  });

  it('is not built where the generation triggers are missing: pages are read by SQL', async () => {
    await other.batch([{ sql: 'DROP TRIGGER site_features_gen_v1_update', params: [] }]);
    try {
      expect(await indexedSiteFeatures(atlas.db, { limit: 10 }, frameOf, 0)).toBeNull();
      const served = await siteFeaturesInBbox(atlas.db, { limit: 10 });
      expect(served.count).toBe(10);
    } finally {
      // Opening a connection puts the triggers back, as every Node writer does.
      await openSqlite(atlas.file).close();
    }
    expect(await indexedSiteFeatures(atlas.db, { limit: 10 }, frameOf, 0)).not.toBeNull();
  });
});

describe("a page's list of rowids", () => {
  it('is read by json_each as the list join writes, for rowids of every length and beyond what it writes by digits', () => {
    const rnd = seededRandom(5);
    const edge = [0, 1, 9, 10, 99, 1_000, 9_999, 10_000, 99_999_999, 100_000_000, 100_000_001];
    const big = [2 ** 52, 2 ** 53 - 1, 1e15 - 1, 1e15, 1e16 - 2];
    const beyond = [1e16, 2 ** 60, -1, -123_456_789, 0.5];
    const random = Array.from({ length: 2_000 }, () => Math.floor(rnd() * 2 ** Math.floor(rnd() * 53)));
    const sqlite = new Database(':memory:');
    const read = (list: string) =>
      sqlite
        .prepare('SELECT value, type FROM json_each(?)')
        .all(list)
        .map((r) => (r as { value: number | string; type: string }).value);
    // The same values json_each reads from `join`'s text, integers as integers.
    const sameAsJoin = (rowid: Float64Array, positions: Uint32Array) => {
      const list = rowidList(rowid, positions);
      expect(read(list)).toEqual(read(`[${[...positions].map((i) => rowid[i]).join(',')}]`));
      expect(JSON.parse(list)).toEqual([...positions].map((i) => rowid[i]));
      return list;
    };
    for (const values of [
      [...edge, ...big, ...random],
      [...edge, ...big, ...beyond, ...random],
    ]) {
      const rowid = Float64Array.from(values);
      sameAsJoin(rowid, Uint32Array.from(rowid.keys()));
      sameAsJoin(rowid, Uint32Array.from([5, 3, 3, rowid.length - 1]));
    }
    // What this schema's rowids are (below 2^52), in the fixed slots: no fallback to join.
    const slots = sameAsJoin(Float64Array.from([1e15, 7, 4469380598124401]), Uint32Array.from([0, 1, 2]));
    expect(slots).toBe('[   1000000000000000,                  7,   4469380598124401]   ');
    expect(JSON.parse(rowidList(new Float64Array(0), new Uint32Array(0)))).toEqual([]);
    sqlite.close();
  });
});
