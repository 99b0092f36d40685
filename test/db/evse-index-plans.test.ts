// The EVSEs of a location are found through one index, `evses_location` (it replaced three, to make
// a sync write fewer B-trees): every reader that looks EVSEs up by location must still search it,
// never scan the table. Checked on the plans SQLite makes for the readers' own statements. Also
// here, the read-model refresh's other lookup by key: a site by its id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evsesOf } from '../../src/db/queries/locations.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { writeLocationStmts } from '../../src/db/write-location.js';
import { refreshSiteFeaturesStmts } from '../../src/db/write-site-features.js';
import { makeLocation, seededRandom } from '../helpers/synthetic-atlas.js';

let db: Db;

beforeAll(() => {
  db = openSqlite(':memory:');
});
afterAll(async () => {
  await db.close();
});

/** The statements a reader runs, recorded through a Db that answers nothing. */
async function statementsOf(read: (db: Db) => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const record = async (sql: string) => {
    seen.push(sql);
    return [];
  };
  const fake = {
    ...db,
    all: record,
    get: async (sql: string) => {
      seen.push(sql);
      return undefined;
    },
  } as unknown as Db;
  await read(fake);
  return seen;
}

async function planOf(sql: string): Promise<string[]> {
  const n = (sql.match(/\?/g) ?? []).length;
  const rows = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, Array(n).fill('x'));
  return rows.map((r) => r.detail);
}

/** Plan lines that read the evses table (alias e, or unaliased). */
const evseLines = (plan: string[]) => plan.filter((d) => /^(SCAN|SEARCH) (e|evses)\b/.test(d));

describe('readers of a location EVSEs', () => {
  it('the site read model refresh searches evses_location and never scans evses', async () => {
    const plans = await Promise.all(
      refreshSiteFeaturesStmts({ locationPks: ['a'] }).map((s) => planOf(s.sql)),
    );
    const lines = plans.flatMap(evseLines);
    for (const line of lines) expect(line).toMatch(/^SEARCH /);
    // Through the location (the counts, statuses, power) or by pk (from a connector).
    const byLocation = lines.filter((l) => l.includes('(location_pk='));
    expect(byLocation.length).toBeGreaterThan(3);
    for (const line of byLocation) expect(line).toMatch(/INDEX evses_location \(location_pk=/);
  });

  it('the location writer and the list readers search it too', async () => {
    const loc = makeLocation(seededRandom(1), 1, { seed: 1, locations: 1 });
    const sqls = [
      ...writeLocationStmts(loc, {
        sourceId: 's',
        now: '2026-01-01T00:00:00Z',
        via: 'pull',
        runId: 1,
        contentHash: 'h',
      }).map((s) => s.sql),
      ...(await statementsOf((d) => evsesOf(d, ['a']))),
    ];
    const lines = (await Promise.all(sqls.map(planOf))).flatMap(evseLines);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line).toMatch(/^SEARCH /);
      expect(line).not.toMatch(/^SCAN/);
    }
    expect(lines.some((l) => l.includes('evses_location (location_pk='))).toBe(true);
  });
});

describe('the site read model refresh', () => {
  it('finds the sites it refreshes by id, not by walking every live site', async () => {
    // A new database has no statistics: the planner took sites_merged_into (merged_into IS NULL,
    // every live site) for each refresh statement, ~25 ms a statement of a first dedupe at 20k sites.
    const stmts = refreshSiteFeaturesStmts({ siteIds: ['s'], locationPks: ['a'] });
    const lines = (await Promise.all(stmts.map((s) => planOf(s.sql)))).flat();
    // Aliases x and s are sites, or locations found by pk or by their site (a single's member).
    const sites = lines.filter(
      (d) =>
        /^(SCAN|SEARCH) (x|s|sites)\b/.test(d) &&
        !d.includes('(pk=') &&
        !d.includes('locations_site (site_id=?)'),
    );
    expect(sites.length).toBeGreaterThan(0);
    for (const line of sites)
      expect(line).toMatch(/^SEARCH (x|s|sites) USING INDEX sqlite_autoindex_sites_1 \(id=\?\)/);
  });
});
