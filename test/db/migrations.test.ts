import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema.js';
import { MIGRATIONS_DIR, openSqlite } from '../../src/db/sqlite.js';
import { databaseAt, migrationsUpTo } from '../helpers/old-migrations.js';
import { testDir } from '../helpers/test-dir.js';

const tables = (Object.values(schema) as unknown[]).filter(
  (v): v is SQLiteTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v,
);

/** A database file migrated as migrations/ was before the migration whose tag ends with `before`. */
function databaseBefore(before: string) {
  const dir = testDir(`atlas-migrations${before.replaceAll('_', '-')}-`);
  const file = join(dir, 'atlas.db');
  return { file, sqlite: databaseAt(file, migrationsUpTo(dir, { before })) };
}

describe('schema and migrations', () => {
  it('drizzle-kit finds nothing to generate: the committed migrations match src/db/schema.ts', () => {
    const out = testDir('atlas-migrations-');
    cpSync(MIGRATIONS_DIR, out, { recursive: true });
    const before = readdirSync(out).sort();
    const log = execFileSync(
      'npx',
      [
        'drizzle-kit',
        'generate',
        '--dialect',
        'sqlite',
        '--schema',
        'src/db/schema.ts',
        '--out',
        relative(process.cwd(), out),
      ],
      { encoding: 'utf8' },
    );
    expect(readdirSync(out).sort()).toEqual(before);
    expect(log).toMatch(/No schema changes/);
  });

  it('a database migrated from migrations/ has every table and column of the schema', async () => {
    const db = openSqlite(':memory:');
    expect(tables.length).toBeGreaterThan(10);
    for (const table of tables) {
      const config = getTableConfig(table);
      const cols = await db.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [config.name]);
      expect(cols.map((c) => c.name).sort(), config.name).toEqual(config.columns.map((c) => c.name).sort());
    }
    await db.close();
  });

  it('has no R*Tree table (D1 refuses them) and indexes locations by an integer cell', async () => {
    const db = openSqlite(':memory:');
    const sqls = await db.all<{ sql: string | null }>(`SELECT sql FROM sqlite_master`);
    expect(sqls.some((s) => /rtree/i.test(s.sql ?? ''))).toBe(false);
    const idx = await db.all<{ name: string }>(`SELECT name FROM pragma_index_list('locations')`);
    expect(idx.map((i) => i.name)).toContain('locations_cell');
    await db.close();
  });

  it('a database written before location_tariffs gets its tariff links from its connectors, and no trigger of the old table', async () => {
    // migrations/ as it was before location_tariffs, applied to a file that then holds one location
    // written then.
    const { file, sqlite } = databaseBefore('_location_tariffs');
    sqlite.exec(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id, publish, lat, lon, cell,
        facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
      VALUES ('L1', 's', 'DE', 'ABC', '1', 1, 52.5, 13.4, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '');
      INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
      VALUES ('E1', 'L1', 'u1', 'AVAILABLE', '[]', '[]'), ('E2', 'L1', 'u2', 'AVAILABLE', '[]', '[]');
      INSERT INTO connectors (pk, evse_pk, location_pk, connector_id, standard, tariff_ids)
      VALUES ('C1', 'E1', 'L1', '1', 'IEC_62196_T2', '["t1","T2"]'), ('C2', 'E2', 'L1', '1', 'IEC_62196_T2', '["t2"]');
      CREATE TRIGGER site_free_v1_insert AFTER INSERT ON tariffs BEGIN SELECT count(*) FROM connector_tariffs; END;`);
    sqlite.close();

    const db = openSqlite(file);
    const links = await db.all<{ location_pk: string; t: string }>(
      'SELECT location_pk, upper(tariff_id) AS t FROM location_tariffs ORDER BY 2',
    );
    expect(links).toEqual([
      { location_pk: 'L1', t: 'T1' },
      { location_pk: 'L1', t: 'T2' },
    ]);
    const triggers = await db.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%connector_tariffs%'",
    );
    expect(triggers).toEqual([]);
    await db.close();
  });

  it("a database written before evses.first_seen_at gets each EVSE's from its location's", async () => {
    const { file, sqlite } = databaseBefore('_evses_first_seen_at');
    const location = sqlite.prepare(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id,
        publish, lat, lon, cell, facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
      VALUES (?, 's', 'NL', 'TNM', ?, 1, 52.1, 5.1, 0, '[]', '[]', '2026-01-01T00:00:00Z', '', ?, '')`);
    location.run('L1', '1', '2026-01-05T08:00:00Z');
    location.run('L2', '2', '2026-03-07T09:30:00Z');
    sqlite.exec(`INSERT INTO evses (pk, location_pk, uid, status, capabilities, parking_restrictions)
      VALUES ('E1', 'L1', 'u1', 'AVAILABLE', '[]', '[]'), ('E2', 'L1', 'u2', 'AVAILABLE', '[]', '[]'),
        ('E3', 'L2', 'u1', 'CHARGING', '[]', '[]')`);
    sqlite.close();

    const db = openSqlite(file);
    expect(await db.all('SELECT pk, first_seen_at FROM evses ORDER BY pk')).toEqual([
      { pk: 'E1', first_seen_at: '2026-01-05T08:00:00Z' },
      { pk: 'E2', first_seen_at: '2026-01-05T08:00:00Z' },
      { pk: 'E3', first_seen_at: '2026-03-07T09:30:00Z' },
    ]);
    await db.close();
  });

  it('a database ANALYZEd before location_tariffs gets its statistics, and the site-free lookup goes by party', async () => {
    // migrations/ up to 0016, a file ANALYZEd with its links written after (as the bench databases
    // and any file ANALYZEd before 0012 are): statistics for every table but location_tariffs.
    const { file, sqlite } = databaseBefore('_analyze_location_tariffs');
    // Four parties of 500 locations, each location linked to the same three tariff ids.
    const location = sqlite.prepare(`INSERT INTO locations (pk, source_id, country_code, party_id, ocpi_id,
        publish, lat, lon, cell, facilities, warnings, last_updated, content_hash, first_seen_at, synced_at)
      VALUES (?, 's', ?, 'ABC', ?, 1, 52.5, 13.4, ?, '[]', '[]', '2026-01-01T00:00:00Z', '', '', '')`);
    for (let k = 0; k < 2000; k++) location.run(`L${k}`, ['DE', 'FR', 'NL', 'BE'][k % 4], `${k}`, k);
    sqlite.exec('ANALYZE');
    sqlite.exec(`INSERT INTO location_tariffs (location_pk, tariff_id)
      SELECT l.pk, t.value FROM locations l, json_each('["T-FREE","T-STD","T-DC"]') t`);
    const lookup = `EXPLAIN QUERY PLAN SELECT l.pk FROM location_tariffs lt JOIN locations l ON l.pk = lt.location_pk
      WHERE lt.tariff_id = 'T-STD' AND l.source_id = 's' AND l.country_code = 'DE' AND l.party_id = 'ABC'`;
    const plan = (db: Database.Database) =>
      (db.prepare(lookup).all() as { detail: string }[]).map((r) => r.detail).join(' / ');
    // What the site-free triggers' lookup did as migrated: every link of the id, all parties.
    expect(plan(sqlite)).toMatch(/^SEARCH lt USING INDEX location_tariffs_tariff/);
    sqlite.close();

    await openSqlite(file).close();
    const migrated = new Database(file, { readonly: true });
    expect(
      migrated.prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = 'location_tariffs' ORDER BY idx").all(),
    ).toEqual([{ stat: '6000 2000' }, { stat: '6000 3 1' }]);
    expect(plan(migrated)).toMatch(/^SEARCH l USING INDEX locations_natural_key/);
    migrated.close();
  });
});
