import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema.js';
import { MIGRATIONS_DIR, openSqlite } from '../../src/db/sqlite.js';
import { testDir } from '../helpers/test-dir.js';

const tables = (Object.values(schema) as unknown[]).filter(
  (v): v is SQLiteTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v,
);

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
});
