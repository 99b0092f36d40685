// A deployment's database never has planner statistics (nothing in src/ runs ANALYZE; the bench
// databases are ANALYZEd when built). Without them SQLite took two equality-looking terms for
// selective: the publication test's `source_id IN (republishable sources)` (locations_source_seen)
// and a live site's `merged_into IS NULL` (sites_merged_into), and walked every published record or
// live site through them in place of the spread, tile or id order; and an area's EVSEs were read
// by walking all of evses in pk order. On a copy of the 1M-EVSE bench database with sqlite_stat1
// emptied, /v1/sites?status=available&limit=100 took 0.9 s against 2 ms with statistics.
// These are the public read paths' own statements, recorded from real requests on a new database
// (which has no statistics), and the plans SQLite makes for them there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';

let db: Db;

beforeAll(() => {
  db = openSqlite(':memory:');
});
afterAll(async () => {
  await db.close();
});

const BOX = 'bbox=6,50,8,51.5';
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
  `/v1/stats/occupancy?${BOX}`,
  '/v1/stats',
  '/v1/operators',
  `/ogc/collections/sites/items?${BOX}&limit=1000`,
  '/ogc/collections/sites/items?limit=100',
  `/ogc/collections/locations/items?${BOX}&limit=100`,
];

/** Every statement the app runs for the reads, with its parameters, through a Db that passes them on. */
async function statementsOfReads(): Promise<Map<string, unknown[]>> {
  const seen = new Map<string, unknown[]>();
  const recording = new Proxy(db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string' && !seen.has(args[0]))
          seen.set(args[0], (args[1] as unknown[]) ?? []);
        return value.apply(target, args);
      };
    },
  });
  const app = createApp({ getDb: () => recording });
  for (const path of READS) expect((await app.request(path)).status, path).toBe(200);
  return seen;
}

describe('read paths on a database without statistics', () => {
  it('no read walks the source or merged-into index, or all of evses', async () => {
    const statements = [...(await statementsOfReads())].filter(([sql]) => /^\s*(SELECT|WITH)\b/i.test(sql));
    expect(statements.length).toBeGreaterThan(20);
    const offending: string[] = [];
    for (const [sql, params] of statements) {
      const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
      for (const { detail } of plan)
        if (/INDEX (locations_source_seen|sites_merged_into)\b|^SCAN e\b/.test(detail))
          offending.push(`${detail}\n  in ${sql}`);
    }
    expect(offending).toEqual([]);
  });
});
