// A deployment's database never has planner statistics (nothing in src/ runs ANALYZE; the bench
// databases are ANALYZEd when built). Without them SQLite took two equality-looking terms for
// selective: the publication test's `source_id IN (republishable sources)` (locations_source_seen)
// and a live site's `merged_into IS NULL` (sites_merged_into), and walked every published record or
// live site through them in place of the spread, tile or id order; and an area's EVSEs were read
// by walking all of evses in pk order. On a copy of the 1M-EVSE bench database with sqlite_stat1
// emptied, /v1/sites?status=available&limit=100 took 0.9 s against 2 ms with statistics.
// These are the public read paths' own statements, recorded from real requests on a new database
// (which has no statistics), and the plans SQLite makes for them there; the statistics and the
// occupancy population are also planned with the bench database's statistics, which must not
// change their plans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { encodeCursor } from '../../src/api/query-params.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';

/** A new database: no statistics, as a deployment's. */
let db: Db;
/** The same schema with the 1M-EVSE bench database's statistics. */
let analyzed: Db;

/**
 * sqlite_stat1 of the 1M-EVSE bench database (synthetic-1000000-g7-rm6.db) for the tables the
 * statistics and the occupancy population read. Its sqlite_stat4 (range samples) is left out.
 */
const BENCH_STAT1 = [
  ['connectors', 'connectors_evse_id', '1499601 2 1'],
  ['connectors', 'connectors_location', '1499601 4 2 1 1'],
  ['connectors', 'sqlite_autoindex_connectors_1', '1499601 1'],
  ['evses', 'evses_evse_id_norm', '1000001 1'],
  ['evses', 'evses_fresh_available', '366887 2 2'],
  ['evses', 'evses_location', '1000001 3 2 2 1 1 1 1'],
  ['evses', 'sqlite_autoindex_evses_1', '1000001 1'],
  ['locations', 'locations_cell', '400070 1'],
  ['locations', 'locations_natural_key', '400070 100018 25005 25005 1'],
  ['locations', 'locations_site', '400070 200'],
  ['locations', 'locations_source_seen', '400070 100018 100018'],
  ['locations', 'locations_spread', '376385 23525 1 1 1 1 1 1'],
  ['locations', 'locations_tile', '376385 1 1 1 1 1 1 1 1 1 1'],
  ['locations', 'sqlite_autoindex_locations_1', '400070 1'],
  ['sites', 'sites_cell', '1000 1'],
  ['sites', 'sites_spread', '1000 63 1 1 1 1'],
  ['sites', 'sqlite_autoindex_sites_1', '1000 1'],
  ['sources', 'sqlite_autoindex_sources_1', '4 1'],
];

beforeAll(async () => {
  db = openSqlite(':memory:');
  analyzed = openSqlite(':memory:');
  // ANALYZE makes sqlite_stat1; `ANALYZE sqlite_schema` has the planner load the rows put in it.
  await analyzed.batch([
    { sql: 'ANALYZE', params: [] },
    { sql: 'DELETE FROM sqlite_stat1', params: [] },
    ...BENCH_STAT1.map((row) => ({
      sql: 'INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)',
      params: row,
    })),
    { sql: 'ANALYZE sqlite_schema', params: [] },
  ]);
});
afterAll(async () => {
  await db.close();
  await analyzed.close();
});

const BOX = 'bbox=6,50,8,51.5';
const OCCUPANCY = `/v1/stats/occupancy?${BOX}`;
const OCCUPANCY_ANTIMERIDIAN = '/v1/stats/occupancy?bbox=179,-20,-179,-15';
/** Every statistics query: each dimension, unfiltered and with each filter, and the operators. */
const STATS = [
  '/v1/stats',
  '/v1/stats?country=DE&operator=Allego&source=demo&license=CC0-1.0',
  ...['country', 'operator', 'connector', 'power-class'].map((by) => `/v1/stats/by-${by}?country=NL`),
  '/v1/operators',
  `/v1/operators?country=DE&source=demo&license=CC0-1.0&limit=10&cursor=${encodeCursor({ k: 'Allego' })}`,
];
const READS = [
  `/v1/sites?${BOX}&limit=1000`,
  '/v1/sites?point=7,50.5&radius=10000',
  `/v1/sites?${BOX}&country=DE`,
  '/v1/sites?operator=Allego&limit=100',
  `/v1/sites?${BOX}&min_power_kw=150`,
  '/v1/sites?free=true&limit=100',
  '/v1/sites?status=available&limit=100',
  `/v1/locations?${BOX}&limit=1000`,
  '/v1/locations?limit=100',
  '/v1/tiles/10/531/345.mvt',
  '/v1/availability?bbox=7,50,7.3,50.3',
  OCCUPANCY,
  OCCUPANCY_ANTIMERIDIAN,
  ...STATS,
  `/ogc/collections/sites/items?${BOX}&limit=1000`,
  '/ogc/collections/sites/items?limit=100',
  `/ogc/collections/locations/items?${BOX}&limit=100`,
];

interface Recorded {
  params: unknown[];
  /** The first read that ran it. */
  path: string;
}

/** Every query the app runs for the reads, with its parameters, through a Db that passes them on. */
async function statementsOfReads(): Promise<[string, Recorded][]> {
  const seen = new Map<string, Recorded>();
  let path = '';
  const recording = new Proxy(db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string' && !seen.has(args[0]))
          seen.set(args[0], { params: (args[1] as unknown[]) ?? [], path });
        return value.apply(target, args);
      };
    },
  });
  const app = createApp({ getDb: () => recording });
  for (path of READS) expect((await app.request(path)).status, path).toBe(200);
  return [...seen].filter(([sql]) => /^\s*(SELECT|WITH)\b/i.test(sql));
}

/** The plan as indented lines, a child two spaces in from its parent. */
async function planOf(on: Db, sql: string, params: unknown[]): Promise<string[]> {
  const rows = await on.all<{ id: number; parent: number; detail: string }>(
    `EXPLAIN QUERY PLAN ${sql}`,
    params,
  );
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map(({ id, parent, detail }) => {
    const d = (depth.get(parent) ?? -1) + 1;
    depth.set(id, d);
    return `${'  '.repeat(d)}${detail}`;
  });
}

/** The lines of the subtree under the first line matching `head` (the head itself left out). */
function subtree(plan: string[], head: RegExp): string[] {
  const at = plan.findIndex((line) => head.test(line.trim()));
  if (at < 0) return [];
  const indent = (line: string) => line.length - line.trimStart().length;
  const end = plan.findIndex((line, i) => i > at && indent(line) <= indent(plan[at]!));
  return plan.slice(at + 1, end < 0 ? undefined : end).map((line) => line.trim());
}

let statements: [string, Recorded][];
const statementsOf = (paths: string[]) => statements.filter(([, r]) => paths.includes(r.path));

beforeAll(async () => {
  statements = await statementsOfReads();
});

describe('read paths on a database without statistics', () => {
  it('no read walks the source or merged-into index, or all of evses', async () => {
    expect(statements.length).toBeGreaterThan(20);
    const offending: string[] = [];
    for (const [sql, { params }] of statements) {
      for (const line of await planOf(db, sql, params))
        if (/INDEX (locations_source_seen|sites_merged_into)\b|^SCAN e\b/.test(line.trim()))
          offending.push(`${line.trim()}\n  in ${sql}`);
    }
    expect(offending).toEqual([]);
  });

  it('the statistics and the occupancy population plan as they do with the bench database statistics', async () => {
    const checked = statementsOf([...STATS, OCCUPANCY, OCCUPANCY_ANTIMERIDIAN]);
    expect(checked.length).toBeGreaterThanOrEqual(STATS.length + 2);
    for (const [sql, { params, path }] of checked)
      expect(await planOf(db, sql, params), `${path}: ${sql}`).toEqual(await planOf(analyzed, sql, params));
  });

  // src/db/queries/stats.ts, publishedInPkOrder: the per-location lookups walk evses_location and
  // connectors_location in key order only if the locations come in pk order, from a sorter over a
  // scan of the table; the pk index's own order reads every row at random (1M-EVSE copy: /v1/stats
  // 10.0 s of CPU that way against 7.0 s from the sorter). The CTE must stay a co-routine: flattened
  // into the aggregate, its ORDER BY would be dropped.
  it('the statistics read published locations in pk order from a sorter, then EVSEs and connectors by location', async () => {
    const stats = statementsOf(STATS);
    expect(stats.length).toBeGreaterThanOrEqual(STATS.length);
    for (const [sql, { params, path }] of stats) {
      for (const on of [db, analyzed]) {
        const plan = await planOf(on, sql, params);
        const where = `${path}:\n${plan.join('\n')}`;
        expect(subtree(plan, /^CO-ROUTINE pl$/), where).toEqual(
          expect.arrayContaining(['SCAN l', 'USE TEMP B-TREE FOR ORDER BY']),
        );
        expect(
          plan.map((line) => line.trim()),
          where,
        ).toContain('SCAN pl');
        const lookups = plan.map((line) => line.trim()).filter((line) => /^(SEARCH|SCAN) [ec]\b/.test(line));
        expect(lookups.length, where).toBeGreaterThan(0);
        for (const line of lookups)
          expect(line, where).toMatch(
            /^SEARCH (e USING COVERING INDEX evses_location \(location_pk=\?\)|c USING COVERING INDEX connectors_location \(location_pk=\? AND evse_pk=\?\))$/,
          );
      }
    }
  });

  it("the occupancy population reads the box's locations range by range from locations_tile", async () => {
    const occupancy = statementsOf([OCCUPANCY, OCCUPANCY_ANTIMERIDIAN]);
    const population = occupancy.filter(([sql]) =>
      /\bFROM locations l\b|\blocations l INDEXED BY\b/.test(sql),
    );
    expect(population.length).toBe(2);
    for (const [sql, { params, path }] of population) {
      const lines = (await planOf(db, sql, params)).map((line) => line.trim());
      const where = `${path}:\n${lines.join('\n')}`;
      // Covering: known_since is the EVSE's own first_seen_at, so no location's row is read (in
      // session 18 each location's row was read for its first_seen_at: 126 -> 181 ms on 24k EVSEs).
      expect(lines, where).toContain('SEARCH l USING COVERING INDEX locations_tile (cell>? AND cell<?)');
      expect(
        lines.filter((line) => /^SCAN l\b/.test(line)),
        where,
      ).toEqual([]);
    }
  });
});
