// The database an older atlas had: migrations/ as it was up to a given migration, applied to a new
// file. Tests of a data migration write rows there as the code of then did, then open the file with
// today's code (which applies the rest) and check what the migration made of them.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { MIGRATIONS_DIR } from '../../src/db/sqlite.js';

interface JournalEntry {
  idx: number;
  tag: string;
}

/**
 * A copy under `dir` of migrations/ up to the one `last` names: its index, or the end of its tag
 * (`'_location_tariffs'`), which it then leaves out (the state before it).
 */
export function migrationsUpTo(dir: string, last: number | { before: string }): string {
  const out = join(dir, `migrations-${typeof last === 'number' ? last : last.before}`);
  cpSync(MIGRATIONS_DIR, out, { recursive: true });
  const journal = JSON.parse(readFileSync(join(out, 'meta/_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  const keep =
    typeof last === 'number' ? last : journal.entries.find((e) => e.tag.endsWith(last.before))!.idx - 1;
  for (const e of journal.entries.filter((e) => e.idx > keep)) rmSync(join(out, `${e.tag}.sql`));
  journal.entries = journal.entries.filter((e) => e.idx <= keep);
  writeFileSync(join(out, 'meta/_journal.json'), JSON.stringify(journal));
  return out;
}

/** A new database file `file` migrated with `migrations` (migrationsUpTo), open on the driver. */
export function databaseAt(file: string, migrations: string): Database.Database {
  const sqlite = new Database(file);
  migrate(drizzle(sqlite), { migrationsFolder: migrations });
  return sqlite;
}
